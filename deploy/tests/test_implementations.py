"""Each overlay picks one implementation, through its image and its labels, which agree; the
selectors name the app only, so that changing the implementation is a rolling update."""

import re

import pytest
from manifests import ENVIRONMENTS, IMPLEMENTATIONS, Object, render

IMAGE = re.compile(
    r"lockstep-(?P<implementation>[a-z]+)(?::(?P<tag>[^@]+))?(?:@sha256:[0-9a-f]{64})?"
)
LABELS = ("app.kubernetes.io/component", "lockstep.io/implementation")
SELECTOR = {"app.kubernetes.io/name": "lockstep"}


def implementation_of(deployment: Object) -> str:
    """The implementation that the image names (what the pod runs)."""
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    # An operator's registry may stand before the name (registry.example.com/team/lockstep-flask).
    name = image.rsplit("/", 1)[-1]
    match = IMAGE.fullmatch(name)
    assert match is not None, f"image {image!r} is not lockstep-<implementation>:<tag>"
    assert "@sha256:" in name or match["tag"] not in (None, "latest"), "image not pinned"
    return match["implementation"]


def test_image_and_labels_agree(deployment: Object) -> None:
    implementation = implementation_of(deployment)
    assert implementation in IMPLEMENTATIONS
    for labels in (
        deployment["metadata"]["labels"],
        deployment["spec"]["template"]["metadata"]["labels"],
    ):
        assert {key: labels[key] for key in LABELS} == dict.fromkeys(LABELS, implementation)


def test_pinned_image_pulled_once(container: Object) -> None:
    assert container["imagePullPolicy"] == "IfNotPresent"


def test_selectors_name_the_app_only(deployment: Object) -> None:
    # Immutable on a Deployment: were the implementation in it, a swap could not be applied.
    assert deployment["spec"]["selector"] == {"matchLabels": SELECTOR}
    assert SELECTOR.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


def test_overlays_pick_different_implementations() -> None:
    picked = [implementation_of(_deployment(environment)) for environment in ENVIRONMENTS]
    assert len(set(picked)) == len(ENVIRONMENTS) == len(IMPLEMENTATIONS)
    assert sorted(picked) == IMPLEMENTATIONS


@pytest.mark.parametrize(
    "image",
    ["lockstep-flask", "lockstep-flask:latest", "lockstep:1.0.0", "registry.example.com/other:1"],
)
def test_an_unpinned_or_foreign_image_is_refused(image: str) -> None:
    deployment = _deployment(ENVIRONMENTS[0])
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = image
    with pytest.raises(AssertionError):
        implementation_of(deployment)


def _deployment(environment: str) -> Object:
    return next(item for item in render(environment) if item["kind"] == "Deployment")
