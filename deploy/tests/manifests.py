"""The rendered overlays of deploy/kubernetes as Python objects, and the helpers the tests share.

Rendering is `kubectl kustomize`, as an operator's `kubectl apply -k` does it; no cluster.
"""

import shutil
import subprocess
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = ROOT / "deploy" / "kubernetes" / "overlays"
ENVIRONMENTS = sorted(path.name for path in OVERLAYS.iterdir() if path.is_dir())
IMPLEMENTATIONS = sorted(path.parent.name for path in ROOT.glob("implementations/*/pyproject.toml"))

Object = dict[str, Any]

_SUFFIXES = {
    "m": Decimal("0.001"),
    "k": Decimal(1000),
    "M": Decimal(1000**2),
    "G": Decimal(1000**3),
    "Ki": Decimal(1024),
    "Mi": Decimal(1024**2),
    "Gi": Decimal(1024**3),
}


def render(environment: str) -> list[Object]:
    """Every object of one overlay, in kustomize's order."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise RuntimeError(
            "kubectl not found: install it (https://kubernetes.io/docs/tasks/tools/)"
        )
    completed = subprocess.run(
        [kubectl, "kustomize", str(OVERLAYS / environment)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [document for document in yaml.safe_load_all(completed.stdout) if document]


def one(objects: list[Object], kind: str) -> Object:
    """The only object of this kind (an overlay has one of each)."""
    found = [item for item in objects if item["kind"] == kind]
    assert len(found) == 1, f"{len(found)} objects of kind {kind}"
    return found[0]


def quantity(text: str | int) -> Decimal:
    """A Kubernetes resource quantity (`500m`, `2`, `256Mi`) as a number of units."""
    raw = str(text)
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if raw.endswith(suffix):
            return Decimal(raw.removesuffix(suffix)) * _SUFFIXES[suffix]
    return Decimal(raw)


def container_env(objects: list[Object]) -> dict[str, str]:
    """The variables the container starts with, from its ConfigMap (envFrom) and literal env;
    a variable that comes from a Secret is left out (the base refers to it, never holds it)."""
    container = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    maps: Mapping[str, Object] = {
        item["metadata"]["name"]: item for item in objects if item["kind"] == "ConfigMap"
    }
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(maps[source["configMapRef"]["name"]]["data"])
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
    return env
