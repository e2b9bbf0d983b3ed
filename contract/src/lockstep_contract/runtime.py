"""What one application instance holds: settings, instance state, metrics, start time.

`create_app` in every implementation builds one `Runtime`. A server started by
`python -m lockstep_<name>` passes the instance's shared directory and start time to its
workers through the environment (see `serving.prepare_instance`).
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from lockstep_contract.metrics import Metrics
from lockstep_contract.payloads import Stack
from lockstep_contract.settings import Settings
from lockstep_contract.state import RUNTIME_DIR_ENV, STARTED_AT_ENV, InstanceState, utc_now_text


@dataclass(slots=True)
class Runtime:
    settings: Settings
    stack: Stack
    state: InstanceState
    metrics: Metrics
    started_at: str = field(default_factory=utc_now_text)

    @classmethod
    def create(cls, settings: Settings | None, stack: Stack) -> "Runtime":
        """Settings default to the environment's; shared state to the instance's, if any."""
        if settings is None:
            settings = Settings.from_env(os.environ)
        directory = os.environ.get(RUNTIME_DIR_ENV)
        state = InstanceState(Path(directory) if directory else None)
        started_at = os.environ.get(STARTED_AT_ENV) or utc_now_text()
        return cls(settings, stack, state, Metrics(stack), started_at)
