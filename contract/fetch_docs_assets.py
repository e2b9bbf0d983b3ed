"""Re-fetch the vendored docs assets (Swagger UI, ReDoc) from the npm registry and re-pin them.

    python contract/fetch_docs_assets.py            # fetch the pinned versions, write SHA256SUMS
    python contract/fetch_docs_assets.py --check    # only verify the files against SHA256SUMS

`npm pack` is the registry's ordinary client: it checks each tarball against the registry's
integrity hash. Only the files /docs and /redoc serve, and their licences, are kept, byte for
byte as published. To move to another version, change PACKAGES, run this script, and review
the pages in a browser (`nox -s browser`).
"""

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "src" / "lockstep_contract" / "vendor"
SUMS = VENDOR / "SHA256SUMS"
# npm package, version -> the files kept, by their path inside the package.
PACKAGES = {
    ("swagger-ui-dist", "5.35.0"): (
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "LICENSE",
        "NOTICE",
        "swagger-ui-bundle.js.LICENSE.txt",
    ),
    ("redoc", "2.5.4"): (
        "bundles/redoc.standalone.js",
        "LICENSE",
        "bundles/redoc.standalone.js.LICENSE.txt",
    ),
}


def folder(name: str, version: str) -> str:
    return f"{name}-{version}"


def fetch() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        specs = [f"{name}@{version}" for name, version in PACKAGES]
        subprocess.run(["npm", "pack", "--silent", *specs], cwd=work, check=True)
        if VENDOR.exists():
            shutil.rmtree(VENDOR)
        for (name, version), files in PACKAGES.items():
            target = VENDOR / folder(name, version)
            target.mkdir(parents=True)
            with tarfile.open(work / f"{name}-{version}.tgz") as tarball:
                for path in files:
                    member = tarball.extractfile(f"package/{path}")
                    if member is None:
                        sys.exit(f"{name}@{version} has no file {path}")
                    (target / Path(path).name).write_bytes(member.read())
    lines = [
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(VENDOR).as_posix()}"
        for path in sorted(VENDOR.rglob("*"))
        if path.is_file() and path != SUMS
    ]
    SUMS.write_text("\n".join(lines) + "\n", encoding="ascii")
    print(SUMS.read_text(encoding="ascii"), end="")


def check() -> int:
    """0 when every file listed in SHA256SUMS has its pinned hash and nothing else is there."""
    lines = SUMS.read_text(encoding="ascii").splitlines()
    pinned = {name: digest for digest, name in (line.split("  ", 1) for line in lines)}
    present = {
        path.relative_to(VENDOR).as_posix()
        for path in VENDOR.rglob("*")
        if path.is_file() and path != SUMS
    }
    wrong = sorted(
        name
        for name in pinned
        if name not in present
        or hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() != pinned[name]
    )
    unlisted = sorted(present - set(pinned))
    for name in wrong:
        print(f"{name}: missing or not the pinned bytes", file=sys.stderr)
    for name in unlisted:
        print(f"{name}: not pinned in SHA256SUMS", file=sys.stderr)
    return 1 if wrong or unlisted else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify only, fetch nothing")
    if parser.parse_args().check:
        return check()
    fetch()
    return check()


if __name__ == "__main__":
    sys.exit(main())
