"""The checker: what is wrong with a `Reply` as the contract's answer to a catalogue `Step`
(exact status, body, Content-Type and headers; the headers every answer carries; the request
id kept or generated; nothing secret repeated). An empty list means nothing is."""

from lockstep_suite.cases import ANY, RID_PLACEHOLDER, Expect, Step
from lockstep_suite.expect import GENERATED_ID
from lockstep_suite.messages import Reply

# Markers the hostile catalogue plants in requests: no answer may repeat them (but /echo's
# message, which the contract echoes), and no log line may ever hold them.
QUERY_SECRET = "hq-secret-7f3a91c2"
BODY_SECRET = "hb-secret-52c0de4b"
TOKEN_SECRET = "ht-secret-e41b6a07"
RID_SECRET = "hr-secret-0d9c37aa"
COOKIE_SECRET = "hc-secret-9b21f5e3"
NEVER_ECHOED = (QUERY_SECRET, TOKEN_SECRET, RID_SECRET, COOKIE_SECRET)


def check(step: Step, reply: Reply, family: str, secrets: tuple[str, ...] = ()) -> list[str]:
    """The problems of `reply` for the server `family` ("url": any family's answer will do);
    `secrets` are more values no answer may show (the admin token)."""
    candidates = step.expectations() if family == "url" else [step.expected(family)]
    found = [check_against(step, reply, expect, secrets) for expect in candidates if expect]
    if not found or any(not problems for problems in found):
        return []
    return found[0]


def check_against(
    step: Step, reply: Reply, expect: Expect, secrets: tuple[str, ...] = ()
) -> list[str]:
    problems: list[str] = []
    request = step.request
    if reply.status >= 500 and expect.status < 500:
        problems.append(f"server error {reply.status}")
    if reply.status != expect.status:
        problems.append(f"status {reply.status}, expected {expect.status}")
    if expect.pre_app or problems:
        return problems
    answered_id = reply.header("X-Request-ID") or ""
    kept = request.kept_request_id()
    if kept is not None and answered_id != kept:
        problems.append(f"X-Request-ID {answered_id!r}, expected the one sent {kept!r}")
    if kept is None and not GENERATED_ID.fullmatch(answered_id):
        problems.append(f"X-Request-ID {answered_id!r} is not a generated id")
    if expect.body is not None:
        wanted = expect.body.replace(RID_PLACEHOLDER, answered_id.encode())
        length = reply.header("Content-Length")
        if request.method == "HEAD":
            if reply.body or length != str(len(wanted)):
                problems.append(f"HEAD: body {reply.body[:80]!r}, Content-Length {length}")
        elif reply.body != wanted:
            problems.append(f"body {reply.body[:300]!r}\n  expected {wanted[:300]!r}")
    if expect.content_type != ANY and reply.header("Content-Type") != expect.content_type:
        problems.append(
            f"Content-Type {reply.header('Content-Type')!r}, expected {expect.content_type!r}"
        )
    for name, value in expect.headers:
        if reply.header(name) != value:
            problems.append(f"{name}: {reply.header(name)!r}, expected {value!r}")
    problems += _common_headers(reply)
    problems += _not_echoed(step, reply, secrets)
    return problems


def _common_headers(reply: Reply) -> list[str]:
    problems = []
    if reply.header("Cache-Control") != "no-store":
        problems.append("Cache-Control is not no-store")
    if reply.header("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if "transfer-encoding" in reply.names():
        problems.append("answered chunked")
    if reply.status not in (204, 304) and reply.header("Content-Length") is None:
        problems.append("no Content-Length")
    return problems


def _not_echoed(step: Step, reply: Reply, secrets: tuple[str, ...]) -> list[str]:
    """No marker (but /echo's message) and no rejected request id comes back."""
    shown = " ".join(f"{n}: {v}" for n, v in reply.headers).encode("latin-1") + b" " + reply.body
    problems = []
    for secret in (*NEVER_ECHOED, *secrets):
        if secret.encode() in shown:
            problems.append(f"the answer repeats {secret!r}")
    sent = step.request.values("X-Request-ID")
    rejected = sent[0] if sent and step.request.kept_request_id() is None else b""
    if len(rejected) > 3 and rejected in shown:
        problems.append("the answer repeats the rejected X-Request-ID")
    return problems
