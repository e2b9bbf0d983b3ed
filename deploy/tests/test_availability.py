"""Probes, shutdown, rollout and scaling: a pod takes traffic once ready, leaves the endpoints
before its listener closes, exits before the kubelet kills it, and a rollout never lowers the
number of ready pods."""

from decimal import Decimal

from manifests import Object, container_env, one, quantity

MARGIN_SECONDS = 2


def _http_get(probe: Object, path: str, port: str) -> None:
    assert probe["httpGet"] == {"path": path, "port": port}


def test_probes(container: Object) -> None:
    port = container["ports"][0]["name"]
    _http_get(container["startupProbe"], "/health", port)
    _http_get(container["livenessProbe"], "/health", port)
    _http_get(container["readinessProbe"], "/readiness", port)
    # Liveness does not start counting until startup succeeded; a slow start is not a restart.
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 10


def test_readiness_timeout_outlasts_dependency_checks(
    objects: list[Object], container: Object
) -> None:
    timeout = Decimal(container_env(objects)["DEPENDENCY_TIMEOUT_SECONDS"])
    assert container["readinessProbe"]["timeoutSeconds"] > timeout


def test_readiness_fails_within_the_drain_delay(objects: list[Object], container: Object) -> None:
    delay = int(container_env(objects)["SHUTDOWN_DELAY_SECONDS"])
    readiness = container["readinessProbe"]
    assert delay > 0
    assert readiness["periodSeconds"] * readiness["failureThreshold"] < delay


def test_grace_period_covers_delay_and_timeout(objects: list[Object], pod: Object) -> None:
    env = container_env(objects)
    needed = int(env["SHUTDOWN_DELAY_SECONDS"]) + int(env["SHUTDOWN_TIMEOUT_SECONDS"])
    assert pod["terminationGracePeriodSeconds"] >= needed + MARGIN_SECONDS


def test_rolling_update_keeps_every_ready_pod(deployment: Object) -> None:
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }


def test_requests_and_limits(container: Object) -> None:
    resources = container["resources"]
    for name in ("cpu", "memory", "ephemeral-storage"):
        assert 0 < quantity(resources["requests"][name]) <= quantity(resources["limits"][name])


def test_autoscaler_owns_the_deployment(objects: list[Object], deployment: Object) -> None:
    autoscaler = one(objects, "HorizontalPodAutoscaler")
    assert autoscaler["apiVersion"] == "autoscaling/v2"
    spec = autoscaler["spec"]
    assert spec["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert 1 <= spec["minReplicas"] <= spec["maxReplicas"]
    assert deployment["spec"]["replicas"] == spec["minReplicas"]
    assert [metric["resource"]["name"] for metric in spec["metrics"]] == ["cpu"]


def test_disruption_budget(objects: list[Object], deployment: Object) -> None:
    budget = one(objects, "PodDisruptionBudget")
    assert budget["apiVersion"] == "policy/v1"
    assert budget["spec"]["maxUnavailable"] == 1
    assert budget["spec"]["selector"] == deployment["spec"]["selector"]


def test_topology_spread(pod: Object, deployment: Object) -> None:
    constraints = pod["topologySpreadConstraints"]
    assert [item["topologyKey"] for item in constraints] == [
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
    ]
    for constraint in constraints:
        assert constraint["labelSelector"] == deployment["spec"]["selector"]
        assert constraint["maxSkew"] == 1
        # Spread each revision on its own: a rollout's new pods spread too.
        assert constraint["matchLabelKeys"] == ["pod-template-hash"]
