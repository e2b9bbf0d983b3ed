"""The catalogue format, shared by the comparison corpus and the hostile catalogue: a `Case`
is named steps, each a `messages.Request` and the answer the contract fixes for it.

Where the contract fixes only the status (most of the corpus), `Expect` holds just that; where
an HTTP server answers before the application (malformed requests), the answer depends on the
server family and `per_family` says what each gives.
"""

from dataclasses import dataclass

from lockstep_suite.messages import Request

ANY = "*"  # an expected Content-Type not checked
RID_PLACEHOLDER = b"<rid>"  # in an expected body: the X-Request-ID of the answer
# The server families: the application in process (no server), uvicorn with h11 (FastAPI,
# Litestar), gunicorn (Flask); "url" for a deployed instance, whose server is not known.
FAMILIES = {"fastapi": "h11", "litestar": "h11", "flask": "gunicorn"}


@dataclass(frozen=True)
class Expect:
    status: int
    body: bytes | None = None  # exact, RID_PLACEHOLDER standing for the answer's id
    content_type: str | None = ANY
    headers: tuple[tuple[str, str | None], ...] = ()  # exact values; None: must be absent
    pre_app: bool = False  # the server answers itself: its own page, no contract headers


@dataclass(frozen=True)
class Step:
    request: Request
    expect: Expect | None = None  # None: the answer is only compared between implementations
    per_family: tuple[tuple[str, Expect], ...] = ()

    def expected(self, family: str) -> Expect | None:
        return dict(self.per_family).get(family, self.expect)

    def expectations(self) -> list[Expect]:
        found = [self.expect, *(expect for _, expect in self.per_family)]
        return [expect for expect in found if expect is not None]


@dataclass(frozen=True)
class Case:
    id: str
    steps: tuple[Step, ...]
    cors: bool = False  # for a target whose CORS_ORIGINS allows the profile's origin
    note: str = ""  # why the expectation is what it is, where the contract is silent
    needs: frozenset[str] = frozenset()  # of the target's profile (lockstep_suite.profile)

    @property
    def request(self) -> Request:
        """The request of a one-step case."""
        (step,) = self.steps
        return step.request

    @property
    def step(self) -> Step:
        (step,) = self.steps
        return step


def family(kind: str, implementation: str) -> str:
    """The server family of a target: "app" in process, "url" when the server is unknown."""
    if kind == "inprocess":
        return "app"
    return FAMILIES.get(implementation, "url")
