"""Every rendered object is valid for the pinned Kubernetes release, strictly: an unknown or
misplaced field is an error (kubernetes-validate and the schemas it ships; no cluster)."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from manifests import Object, one

# The oldest Kubernetes minor release still supported when this was written; the Namespace's
# Pod Security enforce-version names the same release.
KUBERNETES_VERSION = "1.35.0"
VALIDATOR = Path(sys.executable).with_name("kubernetes-validate")


def validate(objects: list[Object], folder: Path) -> int:
    """kubernetes-validate --strict's exit status for these objects."""
    assert VALIDATOR.exists(), (
        "kubernetes-validate missing: run this suite with `nox -s kubernetes`"
    )
    path = folder / "objects.yaml"
    path.write_text(yaml.safe_dump_all(objects))
    command = [str(VALIDATOR), "--strict", "--quiet", "-k", KUBERNETES_VERSION, str(path)]
    return subprocess.run(command, check=False).returncode


def test_objects_validate_strictly(objects: list[Object], tmp_path: Path) -> None:
    assert validate(objects, tmp_path) == 0


@pytest.mark.parametrize(
    ("where", "field", "value"),
    [
        ("pod", "terminationGracePeriod", 25),  # a misspelt field
        ("container", "securityContext", {"readOnlyRootFileSystem": True}),  # wrong case
        ("container", "resources", {"limits": {"cpu": [1]}}),  # wrong type
    ],
)
def test_validation_rejects_what_the_api_server_would(
    objects: list[Object], tmp_path: Path, where: str, field: str, value: object
) -> None:
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    target = pod if where == "pod" else pod["containers"][0]
    target[field] = value
    assert validate(objects, tmp_path) != 0


def test_pod_security_pinned_to_the_validated_release(objects: list[Object]) -> None:
    major, minor, _ = KUBERNETES_VERSION.split(".")
    labels = one(objects, "Namespace")["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce-version"] == f"v{major}.{minor}"
