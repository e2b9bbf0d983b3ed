"""Tag `echo`: post_echo, its answers and every rejection, in the contract's order of checks."""

import json
from typing import Any

import pytest

from lockstep_suite.expect import JSON, PROBLEM, expect, problem
from lockstep_suite.messages import Reply
from lockstep_suite.profile import run_profile
from lockstep_suite.targets import Body, Target

RID = "test-rid-1"
MAX_BODY_BYTES = run_profile().max_body_bytes  # of the targets this run tests
BAD_JSON = problem(400, RID, "request body is not valid JSON")
UNSUPPORTED = problem(415, RID)


def compact(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def invalid(field: str, code: str, message: str) -> bytes:
    """The 422 body naming one problem (lockstep_suite.expect.problem covers the others)."""
    body = json.loads(problem(422, RID, "request body does not match the schema"))
    body["errors"] = [{"field": field, "code": code, "message": message}]
    return compact(body)


def post(target: Target, body: Body, content_type: str | None = JSON) -> Reply:
    headers = {"X-Request-ID": RID}
    if content_type is not None:
        headers["Content-Type"] = content_type
    reply = target.request("POST", "/echo", headers, body)
    assert reply.header("X-Request-ID") == RID
    return reply


def echoed(message: str, metadata: dict[str, str], length: int) -> bytes:
    return compact({"message": message, "metadata": metadata, "length": length, "request_id": RID})


def entries(count: int) -> dict[str, str]:
    return {f"k{index}": f"v{index}" for index in range(count)}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b'{"message":"hi"}', echoed("hi", {}, 2), id="message_only"),
        pytest.param(
            '{"message":"héllo","metadata":{"lang":"fr"}}'.encode(),
            echoed("héllo", {"lang": "fr"}, 5),
            id="with_metadata",
        ),
        pytest.param(b'{"message":"hi","metadata":{}}', echoed("hi", {}, 2), id="empty_metadata"),
        pytest.param(
            b'{"message":"caf\\u00e9 \\ud83d\\ude00"}', echoed("café 😀", {}, 6), id="escapes"
        ),
        pytest.param('{"message":"👋🌍"}'.encode(), echoed("👋🌍", {}, 2), id="emoji"),
        pytest.param(
            '{"message":"日本語","metadata":{"ключ":"значение"}}'.encode(),
            echoed("日本語", {"ключ": "значение"}, 3),
            id="non_ascii_metadata",
        ),
        pytest.param(
            b'{"metadata":{"z":"1","a":"2","m":"3"},"message":"order"}',
            b'{"message":"order","metadata":{"z":"1","a":"2","m":"3"},"length":5,'
            b'"request_id":"test-rid-1"}',
            id="metadata_order_kept",
        ),
        pytest.param(
            b'{"message":"say \\"hi\\" \\\\ bye"}',
            b'{"message":"say \\"hi\\" \\\\ bye","metadata":{},"length":14,'
            b'"request_id":"test-rid-1"}',
            id="quote_and_backslash",
        ),
        pytest.param(b'{"message":"a","message":"b"}', echoed("b", {}, 1), id="last_repeat_wins"),
        pytest.param(b' \r\n\t{"message":"hi"} \n', echoed("hi", {}, 2), id="white_space"),
        pytest.param(
            b'{"message":"hi","metadata":{"empty":""}}',
            echoed("hi", {"empty": ""}, 2),
            id="empty_value",
        ),
        pytest.param(
            compact({"message": "é" * 1000}), echoed("é" * 1000, {}, 1000), id="message_1000"
        ),
        pytest.param(
            compact({"message": "😀" * 1000}), echoed("😀" * 1000, {}, 1000), id="emoji_1000"
        ),
        pytest.param(
            compact({"message": "m", "metadata": entries(16)}),
            echoed("m", entries(16), 1),
            id="metadata_16_entries",
        ),
        pytest.param(
            compact({"message": "m", "metadata": {"é" * 64: "ü" * 256}}),
            echoed("m", {"é" * 64: "ü" * 256}, 1),
            id="key_64_value_256",
        ),
        pytest.param(
            b'{"message":"hi"}' + b" " * (MAX_BODY_BYTES - 16),
            echoed("hi", {}, 2),
            id="body_at_limit",
        ),
    ],
)
def test_post_echo_answers_the_normalised_message(
    target: Target, body: bytes, expected: bytes
) -> None:
    expect(post(target, body), 200, JSON, expected)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        'application/json; charset="utf-8"',
        "Application/JSON",
        "APPLICATION/JSON; CHARSET=UTF-8",
        "application/json; profile=x",
    ],
)
def test_post_echo_accepts_json_media_type_variants(target: Target, content_type: str) -> None:
    expect(post(target, b'{"message":"hi"}', content_type), 200, JSON, echoed("hi", {}, 2))


def test_post_echo_accepts_a_chunked_body(target: Target) -> None:
    chunks = iter([b'{"message":', b'"hi"}'])
    expect(post(target, chunks), 200, JSON, echoed("hi", {}, 2))


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("text/plain", id="text_plain"),
        pytest.param("application/json; charset=latin-1", id="latin_1"),
        pytest.param("application/json; charset=utf-16", id="utf_16"),
        pytest.param("application/jsonx", id="jsonx"),
        pytest.param("application/problem+json", id="problem_json"),
        pytest.param("application/x-www-form-urlencoded", id="form"),
        pytest.param("text/json", id="text_json"),
        pytest.param("json", id="bare_json"),
    ],
)
def test_post_echo_rejects_other_media_types(target: Target, content_type: str | None) -> None:
    expect(post(target, b'{"message":"hi"}', content_type), 415, PROBLEM, UNSUPPORTED)


def test_post_echo_checks_media_type_before_syntax(target: Target) -> None:
    expect(post(target, b"not json", "text/plain"), 415, PROBLEM, UNSUPPORTED)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b" \n", id="white_space_only"),
        pytest.param(b"not json", id="not_json"),
        pytest.param(b"{", id="truncated"),
        pytest.param(b"{'message':'hi'}", id="single_quotes"),
        pytest.param(b'{"message":"hi",}', id="trailing_comma"),
        pytest.param(b'{"message":"hi"} x', id="trailing_data"),
        pytest.param(b'{"message":"hi"}{}', id="two_values"),
        pytest.param(b'{"message":NaN}', id="nan"),
        pytest.param(b'{"message":Infinity}', id="infinity"),
        pytest.param(b'{"message":-Infinity}', id="minus_infinity"),
        pytest.param(b"NaN", id="bare_nan"),
        pytest.param(b'{"message":"\xff"}', id="invalid_utf8"),
        pytest.param(b'{"message":"\xc0\xaf"}', id="overlong_utf8"),
        pytest.param(b'{"message":"\xed\xa0\x80"}', id="encoded_surrogate"),
        pytest.param(b'{"message":"\\ud800"}', id="lone_high_surrogate"),
        pytest.param(b'{"message":"\\udc00x"}', id="lone_low_surrogate"),
        pytest.param(b'{"message":"hi","metadata":{"\\ud800":"x"}}', id="surrogate_in_key"),
        pytest.param(b'{"message":"a\x01b"}', id="raw_control_character"),
        pytest.param(b'\xef\xbb\xbf{"message":"hi"}', id="utf8_bom"),
        pytest.param('{"message":"hi"}'.encode("utf-16"), id="utf16"),
    ],
)
def test_post_echo_rejects_invalid_json(target: Target, body: bytes) -> None:
    expect(post(target, body), 400, PROBLEM, BAD_JSON)


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_post_echo_rejects_a_body_over_the_limit(target: Target, chunked: bool) -> None:
    chunks = [b'{"message":"hi"}', b" " * (target.profile.max_body_bytes - 16), b" "]
    body = iter(chunks) if chunked else b"".join(chunks)
    expect(post(target, body), 413, PROBLEM, target.profile.problem(413, RID))


TOO_LONG_MESSAGE = ("/message", "too_long", "must have at most 1000 characters")
TOO_LONG_VALUE = "must have at most 256 characters"
NOT_STRING = "must be a string"
NOT_OBJECT = "must be an object"
REQUIRED = ("/message", "required", "field required")
UNKNOWN = "unknown field"
TOO_MANY = ("/metadata", "too_many_entries", "must have at most 16 entries")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        # The body is not an object.
        pytest.param(b"[]", ("", "not_object", NOT_OBJECT), id="body_array"),
        pytest.param(b'"x"', ("", "not_object", NOT_OBJECT), id="body_string"),
        pytest.param(b"1", ("", "not_object", NOT_OBJECT), id="body_number"),
        pytest.param(b"null", ("", "not_object", NOT_OBJECT), id="body_null"),
        pytest.param(b"true", ("", "not_object", NOT_OBJECT), id="body_boolean"),
        pytest.param(b'[{"message":"hi"}]', ("", "not_object", NOT_OBJECT), id="body_wrapped"),
        # message
        pytest.param(b"{}", REQUIRED, id="missing_message"),
        pytest.param(b'{"metadata":{}}', REQUIRED, id="metadata_without_message"),
        pytest.param(b'{"message":5}', ("/message", "not_string", NOT_STRING), id="message_number"),
        pytest.param(
            b'{"message":null}', ("/message", "not_string", NOT_STRING), id="message_null"
        ),
        pytest.param(
            b'{"message":true}', ("/message", "not_string", NOT_STRING), id="message_boolean"
        ),
        pytest.param(
            b'{"message":["a"]}', ("/message", "not_string", NOT_STRING), id="message_array"
        ),
        pytest.param(
            b'{"message":{}}', ("/message", "not_string", NOT_STRING), id="message_object"
        ),
        pytest.param(
            b'{"message":""}',
            ("/message", "too_short", "must have at least 1 character"),
            id="empty_message",
        ),
        pytest.param(compact({"message": "x" * 1001}), TOO_LONG_MESSAGE, id="message_1001"),
        pytest.param(compact({"message": "é" * 1001}), TOO_LONG_MESSAGE, id="message_1001_2byte"),
        pytest.param(compact({"message": "😀" * 1001}), TOO_LONG_MESSAGE, id="emoji_1001"),
        # unknown members
        pytest.param(
            b'{"message":"hi","extra":1}', ("/extra", "extra_forbidden", UNKNOWN), id="extra"
        ),
        pytest.param(
            b'{"message":"hi","Message":"x"}',
            ("/Message", "extra_forbidden", UNKNOWN),
            id="case_differs",
        ),
        pytest.param(
            b'{"message":"hi","a/b~c":1}',
            ("/a~1b~0c", "extra_forbidden", UNKNOWN),
            id="escaped_member",
        ),
        pytest.param(b'{"message":"hi","":1}', ("/", "extra_forbidden", UNKNOWN), id="empty_name"),
        # metadata
        pytest.param(
            b'{"message":"hi","metadata":[]}',
            ("/metadata", "not_object", NOT_OBJECT),
            id="metadata_array",
        ),
        pytest.param(
            b'{"message":"hi","metadata":"x"}',
            ("/metadata", "not_object", NOT_OBJECT),
            id="metadata_string",
        ),
        pytest.param(
            b'{"message":"hi","metadata":null}',
            ("/metadata", "not_object", NOT_OBJECT),
            id="metadata_null",
        ),
        pytest.param(
            compact({"message": "m", "metadata": entries(17)}),
            ("/metadata", "too_many_entries", "must have at most 16 entries"),
            id="metadata_17_entries",
        ),
        pytest.param(
            b'{"message":"hi","metadata":{"":"x"}}',
            ("/metadata/", "key_too_short", "key must have at least 1 character"),
            id="empty_key",
        ),
        pytest.param(
            compact({"message": "m", "metadata": {"k" * 65: "v"}}),
            ("/metadata/" + "k" * 65, "key_too_long", "key must have at most 64 characters"),
            id="key_65",
        ),
        pytest.param(
            compact({"message": "m", "metadata": {"é" * 65: "v"}}),
            ("/metadata/" + "é" * 65, "key_too_long", "key must have at most 64 characters"),
            id="key_65_2byte",
        ),
        pytest.param(
            compact({"message": "m", "metadata": {"/" * 65: "v"}}),
            ("/metadata/" + "~1" * 65, "key_too_long", "key must have at most 64 characters"),
            id="key_65_escaped",
        ),
        pytest.param(
            compact({"message": "m", "metadata": {"k": "v" * 257}}),
            ("/metadata/k", "too_long", TOO_LONG_VALUE),
            id="value_257",
        ),
        pytest.param(
            compact({"message": "m", "metadata": {"k": "😀" * 257}}),
            ("/metadata/k", "too_long", TOO_LONG_VALUE),
            id="value_257_emoji",
        ),
        pytest.param(
            b'{"message":"hi","metadata":{"a":1}}',
            ("/metadata/a", "not_string", NOT_STRING),
            id="value_number",
        ),
        pytest.param(
            b'{"message":"hi","metadata":{"a":null}}',
            ("/metadata/a", "not_string", NOT_STRING),
            id="value_null",
        ),
        pytest.param(
            b'{"message":"hi","metadata":{"a":{"b":"c"}}}',
            ("/metadata/a", "not_string", NOT_STRING),
            id="value_object",
        ),
        pytest.param(
            b'{"message":"hi","metadata":{"a/b":1}}',
            ("/metadata/a~1b", "not_string", NOT_STRING),
            id="slash_in_key",
        ),
        pytest.param(
            b'{"message":"hi","metadata":{"m~n":1}}',
            ("/metadata/m~0n", "not_string", NOT_STRING),
            id="tilde_in_key",
        ),
        pytest.param(
            b'{"message":"hi","metadata":{"~1/":1}}',
            ("/metadata/~01~1", "not_string", NOT_STRING),
            id="tilde_one_in_key",
        ),
        pytest.param(
            '{"message":"hi","metadata":{"é":1}}'.encode(),
            ("/metadata/é", "not_string", NOT_STRING),
            id="non_ascii_key",
        ),
    ],
)
def test_post_echo_rejects_an_invalid_body(
    target: Target, body: bytes, error: tuple[str, str, str]
) -> None:
    expect(post(target, body), 422, PROBLEM, invalid(*error))


@pytest.mark.parametrize(
    ("body", "error"),
    [
        pytest.param(
            b'{"zzz":1,"message":5}', ("/zzz", "extra_forbidden", UNKNOWN), id="unknown_first"
        ),
        pytest.param(
            b'{"message":5,"zzz":1}', ("/message", "not_string", NOT_STRING), id="message_first"
        ),
        pytest.param(b'{"extra":1}', ("/extra", "extra_forbidden", UNKNOWN), id="before_required"),
        pytest.param(
            b'{"metadata":{"a":1}}',
            ("/metadata/a", "not_string", NOT_STRING),
            id="metadata_before_required",
        ),
        pytest.param(
            b'{"metadata":5,"message":""}',
            ("/metadata", "not_object", NOT_OBJECT),
            id="metadata_first",
        ),
        pytest.param(
            b'{"message":"","metadata":5}',
            ("/message", "too_short", "must have at least 1 character"),
            id="message_before_metadata",
        ),
        pytest.param(
            b'{"message":"hi","metadata":{"a":"1","b":2,"":"x"}}',
            ("/metadata/b", "not_string", NOT_STRING),
            id="entries_in_order",
        ),
        pytest.param(
            b'{"message":"hi","metadata":{"":"x","b":2}}',
            ("/metadata/", "key_too_short", "key must have at least 1 character"),
            id="empty_key_first",
        ),
        pytest.param(
            compact({"message": "m", "metadata": {"b": "v" * 257, "a": 1}}),
            ("/metadata/b", "too_long", TOO_LONG_VALUE),
            id="value_length_first",
        ),
        pytest.param(
            compact({"message": "m", "metadata": {"k" * 65: 1}}),
            ("/metadata/" + "k" * 65, "key_too_long", "key must have at most 64 characters"),
            id="key_before_value",
        ),
        pytest.param(
            b'{"message":"hi","metadata":{"":1}}',
            ("/metadata/", "key_too_short", "key must have at least 1 character"),
            id="key_length_before_value_type",
        ),
        pytest.param(
            compact({"message": "m", "metadata": {"k" * 65: "v" * 257}}),
            ("/metadata/" + "k" * 65, "key_too_long", "key must have at most 64 characters"),
            id="key_length_before_value_length",
        ),
        pytest.param(
            compact({"message": "m", "metadata": {**entries(16), "x": 1}}),
            TOO_MANY,
            id="count_before_value_type",
        ),
        pytest.param(
            compact({"message": "m", "metadata": {**entries(16), "": "x"}}),
            TOO_MANY,
            id="count_before_key_length",
        ),
        pytest.param(
            compact({"message": "m", "metadata": {**entries(16), "x": "v" * 257}}),
            TOO_MANY,
            id="count_before_value_length",
        ),
        pytest.param(
            compact({"metadata": {"k": 1}, "zzz": 1, "message": 5}),
            ("/metadata/k", "not_string", NOT_STRING),
            id="metadata_then_unknown_then_message",
        ),
        pytest.param(
            b'{"message":"hi","zzz":1,"metadata":{"a":1},"aaa":2}',
            ("/zzz", "extra_forbidden", UNKNOWN),
            id="first_of_two_unknown",
        ),
    ],
)
def test_post_echo_reports_the_first_problem_in_document_order(
    target: Target, body: bytes, error: tuple[str, str, str]
) -> None:
    expect(post(target, body), 422, PROBLEM, invalid(*error))
