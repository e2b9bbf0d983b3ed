"""What `python -m lockstep_<name>` does before its server starts, whichever the server.

Check the configuration (exit 2 with one line), and prepare the instance: a fresh runtime
directory for the shared flags and the workers' metric files, and the start time, handed to
every worker through the environment. Nothing here imports prometheus_client: it must see
PROMETHEUS_MULTIPROC_DIR before its first import.
"""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

from lockstep_contract.settings import ConfigError, Settings
from lockstep_contract.state import RUNTIME_DIR_ENV, STARTED_AT_ENV, InstanceState, utc_now_text

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def settings_or_exit() -> Settings:
    try:
        return Settings.from_env(os.environ)
    except ConfigError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None


def prepare_instance() -> Path:
    """Create the instance's runtime directory; it is removed when this process exits."""
    directory = Path(tempfile.mkdtemp(prefix="lockstep-"))
    (directory / "metrics").mkdir()
    InstanceState.initialise(directory)
    os.environ[RUNTIME_DIR_ENV] = str(directory)
    os.environ[MULTIPROC_ENV] = str(directory / "metrics")
    os.environ[STARTED_AT_ENV] = utc_now_text()
    owner = os.getpid()

    def remove() -> None:
        # Forked workers inherit atexit hooks; only the process that made it removes it.
        if os.getpid() == owner:
            shutil.rmtree(directory, ignore_errors=True)

    atexit.register(remove)
    return directory


def mark_shutting_down() -> None:
    """Readiness fails from now on, in every worker of the instance."""
    directory = os.environ.get(RUNTIME_DIR_ENV)
    if directory:
        InstanceState(Path(directory)).begin_shutdown()
