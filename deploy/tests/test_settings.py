"""The pod's settings pass the contract's own parser and agree with the manifests around them:
port, probes, metrics scraping and the environment's name."""

import pytest
from manifests import ENVIRONMENTS, Object, container_env, one, quantity

from lockstep_contract.settings import ConfigError, Settings

APP_ENV = {"dev": "development", "staging": "staging", "production": "production"}


def test_every_environment_has_its_expectations() -> None:
    assert sorted(APP_ENV) == ENVIRONMENTS


def test_settings_are_valid(objects: list[Object], environment: str) -> None:
    settings = Settings.from_env(container_env(objects))
    assert settings.host == "0.0.0.0"
    assert settings.app_env == APP_ENV[environment]
    assert settings.log_file is None  # logs go to stdout, where the cluster collects them
    assert settings.admin_token is None  # only from the Secret


def test_the_parser_would_stop_a_bad_setting(objects: list[Object]) -> None:
    # The check above can fail: the same parser rejects the same settings with one bad value.
    env = container_env(objects) | {"WORKERS": "0"}
    with pytest.raises(ConfigError):
        Settings.from_env(env)


def test_one_port_everywhere(objects: list[Object], container: Object, deployment: Object) -> None:
    port = Settings.from_env(container_env(objects)).port
    assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(port),
        "prometheus.io/path": "/metrics",
    }
    service = one(objects, "Service")["spec"]
    assert [entry["targetPort"] for entry in service["ports"]] == ["http"]
    assert service["selector"] == deployment["spec"]["selector"]["matchLabels"]


def test_workers_fit_the_cpu_limit(objects: list[Object], container: Object) -> None:
    workers = Settings.from_env(container_env(objects)).workers
    assert workers >= 1
    # One busy worker can use one core: more workers than cores only queue.
    assert workers <= max(1, int(quantity(container["resources"]["limits"]["cpu"])))
