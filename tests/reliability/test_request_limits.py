"""Request limits answered in the JSON error shape: nesting depth (before decoding), 405 with `Allow`."""

from __future__ import annotations

import httpx
import pytest

import discovery_server as ds
from discovery_server.nesting import nests_deeper_than
from discovery_shared import ErrorBody, ErrorType
from tests.discovery.types import nested

DEEP = b"[" * 5000 + b"]" * 5000


@pytest.fixture(scope="module")
def server():
    with ds.BackgroundServer(ds.create_app(ds.Config(max_json_depth=8), rpcs=[nested])) as running:
        yield running


@pytest.mark.parametrize(
    "path, body",
    [
        ("/t_nested", b'{"name": ' + DEEP + b"}"),
        ("/t_nested", b'{"name": ' + b"[" * 5000),  # unclosed: still too deep where it breaks off
        ("/t_nested/batch", b"[" + b'{"name": ' + DEEP + b"}]"),
        ("/t_nested/batch", b"[" * 10 + b"]" * 10),  # a batch body may nest one level more than an input: 9
    ],
)
def test_a_body_nested_past_the_limit_is_413_before_decoding(server, path: str, body: bytes) -> None:
    answer = httpx.post(f"{server.url}{path}", content=body)
    assert answer.status_code == 413
    error = ErrorBody.model_validate_json(answer.content)
    limit = 9 if path.endswith("/batch") else 8
    assert error.type is ErrorType.PAYLOAD_TOO_LARGE and error.details == {"max_json_depth": limit}
    assert f"more than {limit} levels deep" in error.message


def test_a_body_within_the_limit_is_decoded(server) -> None:
    within = b'{"name": "x", "shape": "circle", "corners": [[[[[[[1]]]]]]], "span": [1, 2.0], "blobs": []}'  # 8 deep
    answer = httpx.post(f"{server.url}/t_nested", content=within)
    assert answer.status_code == 422 and ("corners", "0") == tuple(answer.json()["details"]["fields"][0]["loc"])[:2]
    brackets_in_strings = b'{"name": "' + b"[{" * 100 + b'\\"]", "shape": "circle", "corners": [], "span": [1, 2.0], "blobs": []}'
    assert httpx.post(f"{server.url}/t_nested", content=brackets_in_strings).status_code == 200


@pytest.mark.parametrize(
    "body, limit, deeper",
    [
        (b"[]", 1, False),
        (b"[[]]", 1, True),
        (b'{"a": [1, {"b": "[[[["}], "c": [[]]}', 3, False),
        (b'{"a": [1, {"b": "[[[["}], "c": [[]]}', 2, True),
        (b'["\\\\", [["\\"[[["]]]', 3, False),  # an escaped backslash, then an escaped quote inside a string
        (b"[[],[[],[[],[[]]]]]", 5, False),  # no run of brackets, still five open at once
        (b"[[],[[],[[],[[]]]]]", 4, True),
        (b"]]]][[[", 1, False),  # malformed from its first byte: left to the decoder to describe
    ],
)
def test_nesting_is_measured_outside_strings(body: bytes, limit: int, deeper: bool) -> None:
    assert nests_deeper_than(body, limit) is deeper


@pytest.mark.parametrize(
    "method, path, allow, words",
    [
        ("GET", "/t_nested", "POST", "an Rpc is called with POST /t_nested"),
        ("PUT", "/t_nested/batch", "POST", "an Rpc is called with POST /t_nested/batch"),
        ("POST", "/rpcs", "GET", "/rpcs answers GET"),
        ("DELETE", "/readyz", "GET", "/readyz answers GET"),
    ],
)
def test_405_names_the_allowed_methods(server, method: str, path: str, allow: str, words: str) -> None:
    answer = httpx.request(method, f"{server.url}{path}")
    assert answer.status_code == 405 and answer.headers["allow"] == allow
    error = ErrorBody.model_validate_json(answer.content)
    assert error.type is ErrorType.METHOD_NOT_ALLOWED and words in error.message
    assert error.message.startswith(f"{method} is not allowed on {path}")
