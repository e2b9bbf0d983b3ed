"""schemathesis hooks of the fuzz run: `/delay/{seconds}` kept short.

A schema-valid delay is mapped to 0.01 s when longer than 0.05 s, so the run stays fast; it
stays schema-valid (the answer must still be 200). Invalid values are left as drawn: they
are answered 400 at once.
"""

import re
from decimal import Decimal
from typing import Any

import schemathesis

DELAY = re.compile(r"(0|[1-9][0-9]{0,5})(\.[0-9]{1,6})?")
LONGEST = Decimal("0.05")
SHORT = "0.01"


@schemathesis.hook
def map_path_parameters(
    context: schemathesis.HookContext, path_parameters: dict[str, Any] | None
) -> dict[str, Any] | None:
    operation = context.operation
    if operation is None or operation.path != "/delay/{seconds}" or not path_parameters:
        return path_parameters
    seconds = path_parameters.get("seconds")
    if isinstance(seconds, str) and DELAY.fullmatch(seconds) and Decimal(seconds) > LONGEST:
        return {**path_parameters, "seconds": SHORT}
    return path_parameters
