"""The README's figures, written by the runs that measure them: each block sits between
`<!-- <name>:start -->` and `<!-- <name>:end -->` in README.md and is replaced whole."""

import re

from bench.project import ROOT

README = ROOT / "README.md"


def replace_block(name: str, lines: list[str]) -> bool:
    """Put `lines` in the README's block `name`; False if the README has no such block."""
    text = README.read_text()
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        return False
    block = "\n".join([start, *lines, end])
    README.write_text(pattern.sub(lambda _: block, text, count=1))
    return True
