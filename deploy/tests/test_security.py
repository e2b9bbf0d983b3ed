"""The pod runs under Pod Security `restricted`, with no token, no write outside /tmp, no
capability, and reaches nothing but DNS; the admin token is only referred to."""

from manifests import Object, container_env, one, quantity

RESTRICTED = "restricted"
UID = 10001


def test_namespace_enforces_restricted(objects: list[Object]) -> None:
    labels = one(objects, "Namespace")["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == RESTRICTED
        assert f"pod-security.kubernetes.io/{mode}-version" in labels
    # Enforcement pinned to a release, so a cluster upgrade cannot tighten it unannounced.
    assert labels["pod-security.kubernetes.io/enforce-version"] != "latest"
    namespaced = [item for item in objects if item["kind"] != "Namespace"]
    assert {item["metadata"]["namespace"] for item in namespaced} == {
        one(objects, "Namespace")["metadata"]["name"]
    }


def test_pod_security_context(pod: Object) -> None:
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": UID,
        "runAsGroup": UID,
        "fsGroup": UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    for host_namespace in ("hostNetwork", "hostPID", "hostIPC"):
        assert host_namespace not in pod


def test_container_security_context(container: Object) -> None:
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": UID,
        "runAsGroup": UID,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def test_tmp_is_the_only_writable_place(pod: Object, container: Object) -> None:
    mount = {"name": "tmp", "mountPath": "/tmp"}  # noqa: S108 (the pod's path, not a file here)
    assert container["volumeMounts"] == [mount]
    assert len(pod["volumes"]) == 1
    volume = pod["volumes"][0]
    assert volume["name"] == "tmp"
    limit = quantity(container["resources"]["limits"]["ephemeral-storage"])
    assert 0 < quantity(volume["emptyDir"]["sizeLimit"]) <= limit


def test_no_service_account_token(objects: list[Object], pod: Object) -> None:
    account = one(objects, "ServiceAccount")
    assert account["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False


def test_admin_token_only_referred_to(objects: list[Object], container: Object) -> None:
    assert [item for item in objects if item["kind"] == "Secret"] == []
    assert container["env"] == [
        {
            "name": "ADMIN_TOKEN",
            "valueFrom": {
                "secretKeyRef": {"name": "lockstep-admin", "key": "ADMIN_TOKEN", "optional": True}
            },
        }
    ]
    for settings in (item for item in objects if item["kind"] == "ConfigMap"):
        assert "ADMIN_TOKEN" not in settings["data"]


def test_network_policy_admits_the_port_and_dns_only(objects: list[Object], pod: Object) -> None:
    # A dependency needs its own egress rule (networkpolicy.yaml says how): none is configured.
    assert container_env(objects)["DEPENDENCIES"] == ""
    policy = one(objects, "NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["podSelector"]["matchLabels"].items() <= _template_labels(objects).items()
    port_name = pod["containers"][0]["ports"][0]["name"]
    assert policy["ingress"] == [{"ports": [{"protocol": "TCP", "port": port_name}]}]
    assert len(policy["egress"]) == 1
    dns = policy["egress"][0]
    assert dns["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    assert dns["to"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ]


def _template_labels(objects: list[Object]) -> dict[str, str]:
    labels: dict[str, str] = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    return labels
