"""Differential: generated /echo and admin requests (valid bodies, wrong types, lengths at and
around every limit, extra members, nesting, Unicode outside the BMP, duplicate members, bytes
that are not JSON, bodies around MAX_BODY_BYTES) sent in process to every implementation. The
answers must be byte-identical once the allowed differences are set aside, never a 5xx, and
each 200 and 422 one the contract gives for that body.

The examples are derandomized (the same every run) and few enough for the default run.
LOCKSTEP_DIFFERENTIAL_EXAMPLES sends more, e.g. 20000 per test:
`LOCKSTEP_DIFFERENTIAL_EXAMPLES=20000 nox -s compare -- -k differential`.
"""

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lockstep_suite.expect import JSON, PROBLEM, comparable_headers
from lockstep_suite.messages import Reply
from lockstep_suite.profile import ADMIN_TOKEN, SUITE_ENV
from lockstep_suite.targets import InProcessTarget, Target

pytestmark = pytest.mark.process

RID = "differential-rid"  # fixed: a generated request id is an allowed difference
MAX_BODY_BYTES = int(SUITE_ENV["MAX_BODY_BYTES"])
# The contract's limits (contract/README.md, POST /echo and the body rules).
MESSAGE_MAX, KEY_MAX, VALUE_MAX, ENTRIES_MAX, DEPTH_MAX, DIGITS_MAX = 1000, 64, 256, 16, 64, 4300
CODES = {
    "not_object": "must be an object",
    "not_string": "must be a string",
    "not_boolean": "must be a boolean",
    "required": "field required",
    "extra_forbidden": "unknown field",
    "too_short": "must have at least 1 character",
    "too_long": None,  # "must have at most N characters", N the limit at that field
    "too_many_entries": "must have at most 16 entries",
    "key_too_short": "key must have at least 1 character",
    "key_too_long": "key must have at most 64 characters",
}


def example_count() -> int:
    text = os.environ.get("LOCKSTEP_DIFFERENTIAL_EXAMPLES", "500")
    if not text.isdigit() or int(text) < 1:
        raise pytest.UsageError(
            f"LOCKSTEP_DIFFERENTIAL_EXAMPLES={text!r}: expected an integer >= 1"
        )
    return int(text)


GENERATED = settings(
    max_examples=example_count(),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- JSON documents, written by hand: duplicate members, escapes and spacing of our choosing --


@dataclass(frozen=True)
class Members:
    """A JSON object as written: members in order, a name possibly repeated."""

    pairs: tuple[tuple[str, Any], ...]


def write(value: Any, ascii_only: bool, spaced: bool) -> str:
    """JSON text for `value` (Members for objects); ascii_only writes \\u escapes (surrogate
    pairs outside the BMP), spaced puts white space around the separators."""
    comma, colon = (" , ", " : ") if spaced else (",", ":")
    if isinstance(value, Members):
        inner = comma.join(
            write(name, ascii_only, spaced) + colon + write(member, ascii_only, spaced)
            for name, member in value.pairs
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + comma.join(write(item, ascii_only, spaced) for item in value) + "]"
    if isinstance(value, BigInt):
        return "1" * value.digits
    return json.dumps(value, ensure_ascii=ascii_only)


@dataclass(frozen=True)
class BigInt:
    digits: int


# Characters whose handling differs between libraries: JSON escapes, the JSON pointer's own
# "~" and "/", Latin-1, the BMP, outside the BMP (one code point, two UTF-16 units).
ALPHABET = ["a", "Z", "0", " ", '"', "\\", "/", "~", "\n", "\x00", "é", "€", "中", "😀", "𝄞"]
ALPHABET_RARE = ["\U0010ffff", "\ud800"]  # the last, a lone surrogate, is never valid


def one_in(n: int) -> st.SearchStrategy[bool]:
    """True once in `n` draws: how often a generated request breaks one more rule."""
    # Not 0 (nor n - 1): hypothesis draws the ends of a range more often than the middle.
    return st.integers(0, n - 1).map(lambda drawn: drawn == n // 2)


def around(*limits: int) -> list[int]:
    return sorted({n for limit in limits for n in (limit - 1, limit, limit + 1) if n >= 0})


@st.composite
def text(draw: st.DrawFn, low: int, high: int) -> str:
    """A string of low..high code points, or, once in four, of a length at or just past
    either limit. A short random head, then one character repeated: long strings stay cheap."""
    if draw(one_in(4)):
        length = draw(st.sampled_from(around(low, high)))
    else:
        length = draw(st.one_of(st.integers(low, min(high, low + 8)), st.integers(low, high)))
    alphabet = ALPHABET + ALPHABET_RARE if draw(one_in(20)) else ALPHABET
    head = draw(st.text(st.sampled_from(alphabet), max_size=min(length, 6)))
    return head + draw(st.sampled_from(ALPHABET)) * (length - len(head))


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(st.sampled_from(ALPHABET), max_size=5),
        st.sampled_from([BigInt(DIGITS_MAX), BigInt(DIGITS_MAX + 1)]),
    )


def anything() -> st.SearchStrategy[Any]:
    """Any JSON value, objects as Members, nested a few levels."""
    return st.recursive(
        scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.lists(st.tuples(st.text(max_size=3), inner), max_size=3).map(
                lambda pairs: Members(tuple(pairs))
            ),
        ),
        max_leaves=4,
    )


@st.composite
def nested(draw: st.DrawFn) -> Any:
    """Arrays or objects nested at and around the depth limit."""
    value: Any = draw(scalars())
    as_object = draw(st.booleans())
    for _ in range(draw(st.sampled_from(around(DEPTH_MAX)))):
        value = Members((("m", value),)) if as_object else [value]
    return value


@st.composite
def message(draw: st.DrawFn) -> Any:
    return draw(anything()) if draw(one_in(10)) else draw(text(1, MESSAGE_MAX))


@st.composite
def metadata(draw: st.DrawFn) -> Any:
    """Mostly an object of string to string; its entries at and around the limits now and
    then; a repeated key (a duplicate member) now and then."""
    if draw(one_in(12)):
        return draw(anything())
    if draw(one_in(6)):
        count = draw(st.sampled_from(around(ENTRIES_MAX)))
        return Members(tuple((f"k{n}", "v") for n in range(count)))
    entries = []
    for _ in range(draw(st.integers(0, 4))):
        if draw(one_in(4)):
            key = draw(text(1, KEY_MAX))
        else:
            key = draw(st.sampled_from(["a", "b", "a/b", "~0~1", "😀", "message", "é"]))
        value = draw(scalars()) if draw(one_in(12)) else draw(text(0, VALUE_MAX))
        entries.append((key, value))
    return Members(tuple(entries))


@st.composite
def members(draw: st.DrawFn, taken: dict[str, st.SearchStrategy[Any]]) -> Any:
    """An object of the members a route takes, in any order, now and then one missing,
    another added or one repeated; or, now and then, any other JSON value."""
    if draw(one_in(12)):
        return draw(st.one_of(anything(), nested()))
    pairs = [(name, draw(strategy)) for name, strategy in taken.items() if not draw(one_in(10))]
    if draw(one_in(10)):
        extra = draw(st.sampled_from(["extra", "Message", "", "a/b", "~", *taken]))
        pairs.append((extra, draw(anything())))
    if draw(one_in(6)) and pairs:
        pairs.append((draw(st.sampled_from(pairs))[0], draw(anything())))
    return Members(tuple(draw(st.permutations(pairs))))


def not_json() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=40),
        st.sampled_from(
            [
                b"",
                b"{",
                b'{"message":"hi"',
                b'{"message":"hi"} x',
                b'{"message":"hi"}{}',
                b'{"message":NaN}',
                b'{"message":Infinity}',
                b'{"message":"\\ud800"}',
                b'{"message":"\xff"}',
                b'\xef\xbb\xbf{"message":"hi"}',
                b'{"message":"hi",}',
                b"{'message':'hi'}",
                b'{"message":"a\x01b"}',
                b'{"message":01}',
            ]
        ),
    )


@st.composite
def body_bytes(draw: st.DrawFn, document: st.SearchStrategy[Any]) -> bytes:
    if draw(one_in(10)):
        return draw(not_json())
    text = write(draw(document), ascii_only=draw(st.booleans()), spaced=draw(st.booleans()))
    # A lone surrogate cannot be UTF-8: written as the bytes a careless encoder makes.
    body = text.encode("utf-8", "surrogatepass")
    if draw(one_in(30)):  # white space after the value, to the size limit
        size = draw(st.sampled_from(around(MAX_BODY_BYTES)))
        body += b" " * max(0, size - len(body))
    return body


ACCEPTED_TYPES = [JSON, "application/json; charset=utf-8", "Application/JSON"]
REFUSED_TYPES = ["application/json; charset=latin-1", "text/plain", None]


@st.composite
def content_type(draw: st.DrawFn) -> str | None:
    refused = draw(one_in(12))
    return draw(st.sampled_from(REFUSED_TYPES if refused else ACCEPTED_TYPES))


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@st.composite
def echo_requests(draw: st.DrawFn) -> Request:
    document = members({"message": message(), "metadata": metadata()})
    return Request("POST", "/echo", headers(draw(content_type())), draw(body_bytes(document)))


@st.composite
def admin_requests(draw: st.DrawFn) -> Request:
    path, member = draw(
        st.sampled_from([("/admin/liveness", "healthy"), ("/admin/readiness", "ready")])
    )
    flag = st.one_of(st.booleans(), st.booleans(), anything())
    sent = headers(draw(content_type()))
    if draw(one_in(12)):
        token = draw(st.sampled_from(["wrong-token-0123456789", None]))
    else:
        token = ADMIN_TOKEN
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return Request("PUT", path, sent, draw(body_bytes(members({member: flag}))))


def headers(media_type: str | None) -> dict[str, str]:
    return {"X-Request-ID": RID, **({"Content-Type": media_type} if media_type else {})}


# -- sending and judging -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def in_process(implementations: list[str]) -> dict[str, Target]:
    assert len(implementations) >= 2, "a differential test needs two implementations or more"
    return {name: InProcessTarget.build(name, SUITE_ENV) for name in implementations}


def answers(targets: dict[str, Target], request: Request) -> Iterator[tuple[str, Reply]]:
    for name, target in targets.items():
        yield name, target.request(request.method, request.path, request.headers, request.body)


def same(targets: dict[str, Target], request: Request) -> Reply:
    """Every implementation's answer; they must be one answer, which is returned."""
    replies = dict(answers(targets, request))
    shown = {
        name: (reply.status, comparable_headers(reply), reply.body)
        for name, reply in replies.items()
    }
    if len(set(map(repr, shown.values()))) != 1:
        table = "\n".join(f"  {name}: {answer!r:.1500}" for name, answer in shown.items())
        pytest.fail(
            f"{request.method} {request.path} {request.body!r:.300}\n{table}", pytrace=False
        )
    return next(iter(replies.values()))


def parsed(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"))


def check_422(reply: Reply) -> None:
    assert reply.header("Content-Type") == PROBLEM
    (item,) = parsed(reply.body)["errors"]
    assert item["code"] in CODES, item
    expected = CODES[item["code"]]
    if expected is None:
        limit = MESSAGE_MAX if item["field"] == "/message" else VALUE_MAX
        expected = f"must have at most {limit} characters"
    assert item["message"] == expected, item


@GENERATED
@given(request=echo_requests())
def test_echo_answers_are_identical(in_process: dict[str, Target], request: Request) -> None:
    reply = same(in_process, request)
    event(f"status {reply.status}")
    if reply.status == 422:
        event("code " + parsed(reply.body)["errors"][0]["code"])
    assert reply.status in (200, 400, 413, 415, 422), reply
    if reply.status == 422:
        check_422(reply)
    if reply.status == 200:
        sent = parsed(request.body)
        echoed = {
            "message": sent["message"],
            "metadata": sent.get("metadata", {}),
            "length": len(sent["message"]),
            "request_id": RID,
        }
        assert reply.body == json.dumps(echoed, ensure_ascii=False, separators=(",", ":")).encode()


@GENERATED
@given(request=admin_requests())
def test_admin_answers_are_identical(in_process: dict[str, Target], request: Request) -> None:
    reply = same(in_process, request)
    event(f"status {reply.status}")
    if reply.status == 422:
        event("code " + parsed(reply.body)["errors"][0]["code"])
    assert reply.status in (200, 400, 401, 413, 415, 422), reply
    if reply.status == 422:
        check_422(reply)
    if reply.status == 200:
        ((member, value),) = parsed(request.body).items()
        assert reply.body == json.dumps({member: value}, separators=(",", ":")).encode()
