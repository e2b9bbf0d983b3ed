"""What one application instance holds: what is serving, settings, instance state, metrics,
access lines, start time.

`create_app` in every implementation builds one `Runtime`. Under a runner, the state and the
start time are the instance's, shared by every worker (see lifecycle.py).
"""

import os
import platform
from dataclasses import dataclass, field

from lockstep_contract.access import AccessLog
from lockstep_contract.lifecycle import (
    InstanceState,
    instance_started_at,
    instance_state,
    utc_now_text,
)
from lockstep_contract.metrics import Metrics
from lockstep_contract.settings import Settings


@dataclass(frozen=True, slots=True)
class Stack:
    """What is serving; the values of /info and lockstep_info that may differ."""

    implementation: str
    framework: str
    framework_version: str
    server: str
    server_version: str
    python_version: str = platform.python_version()


@dataclass(slots=True)
class Runtime:
    settings: Settings
    stack: Stack
    state: InstanceState
    metrics: Metrics
    access: AccessLog
    started_at: str = field(default_factory=utc_now_text)

    @classmethod
    def create(cls, settings: Settings | None, stack: Stack) -> "Runtime":
        """Settings default to the environment's; state and start time to the instance's."""
        if settings is None:
            settings = Settings.from_env(os.environ)
        return cls(
            settings,
            stack,
            instance_state(),
            Metrics(stack),
            AccessLog(settings, stack.implementation),
            instance_started_at(),
        )
