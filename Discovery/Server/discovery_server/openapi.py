"""
# OpenAPI

Rpc routes read their bodies themselves and are plain Starlette routes, so FastAPI cannot see
them; this module writes each Rpc's two operations (`POST /{name}` and `POST /{name}/batch`)
into the OpenAPI document with the real input and return schemas of its codecs.

The document states exactly what the server accepts, so that a contract tester (schemathesis
with all its checks) finds the answers agree with it: a request the schema rules out is answered
4xx, one it admits is not refused for its shape. For a batch that means: the body is an array of
at most `max_batch` items (longer: 422, batch.py), and each item is any JSON value, since an item
that is no valid input is answered as that item's own error beside the others' results, not by
refusing the request. The item schema still names the input (`anyOf` the input's schema or any
other value), so readers and generated clients see what an item should be.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI

from discovery_shared import ErrorBody, Rpc

_REF = "#/components/schemas/{model}"
_ERROR = {"content": {"application/json": {"schema": {"$ref": _REF.format(model="ErrorBody")}}}}


def _schema(rpc_schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Move a schema's `$defs` into `defs` (the document's components) and return the rest."""
    schema = dict(rpc_schema)
    defs.update(schema.pop("$defs", {}))
    return schema


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def rpc_operations(rpc: Rpc[Any, Any], max_batch: int, defs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The OpenAPI path items of one Rpc, by path; its schemas' definitions go into `defs`."""
    inp = _schema(rpc.input_codec.json_schema(_REF), defs)
    out = _schema(rpc.return_codec.json_schema(_REF), defs)
    invalid = {"description": "Invalid input; `details.fields` names each bad field", **_ERROR}
    failed = {"description": "The handler raised", **_ERROR}
    timeout = {"description": "The handler ran past the server's time limit", **_ERROR}
    too_large = {"description": "The body past the server's limits on its bytes or nesting depth", **_ERROR}
    batch_input = {
        "anyOf": [
            inp,
            {"description": f"Any other JSON value: answered as this item's `validation_error`, as `POST /{rpc.name}` would"},
        ]
    }
    item = {
        "oneOf": [
            {"type": "object", "properties": {"result": out}, "required": ["result"], "additionalProperties": False},
            {
                "type": "object",
                "properties": {"error": {"$ref": _REF.format(model="ErrorBody")}},
                "required": ["error"],
                "additionalProperties": False,
            },
        ]
    }
    single = {
        "summary": rpc.name,
        "description": rpc.docstring,
        "operationId": rpc.name,
        "requestBody": {"required": True, **_json(inp)},
        "responses": {
            "200": {"description": rpc.return_type.__name__, **_json(out)},
            "413": too_large,
            "422": invalid,
            "500": failed,
            "504": timeout,
        },
        "x-discovery-fingerprint": rpc.fingerprint,
    }
    batch = {
        "summary": f"{rpc.name}, batch",
        "description": (
            f"Run `{rpc.name}` on each input of a JSON array (at most {max_batch}), at once. The answer is an "
            'array of the same length and order; each item is `{"result": ...}` or `{"error": ErrorBody}` '
            "(a validation error's `details.index` is the item's index), so one bad item never fails the "
            f"others.\n\n{rpc.docstring}"
        ).strip(),
        "operationId": f"{rpc.name}_batch",
        "requestBody": {"required": True, **_json({"type": "array", "items": batch_input, "maxItems": max_batch})},
        "responses": {
            "200": {
                "description": f"One item per input: a {rpc.return_type.__name__} or an error",
                **_json({"type": "array", "items": item}),
            },
            "413": {
                "description": f"{too_large['description']}, or more items than the caller's calls per minute",
                **_ERROR,
            },
            "422": {"description": f"The body is no JSON array of at most {max_batch} items", **_ERROR},
        },
        "x-discovery-fingerprint": rpc.fingerprint,
    }
    return {f"/{rpc.name}": {"post": single}, f"/{rpc.name}/batch": {"post": batch}}


def install_openapi(app: FastAPI, served: Sequence[Rpc[Any, Any]], max_batch: int) -> None:
    """Wrap `app.openapi` so the document holds the Rpcs' operations and their schemas land in `components/schemas`."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = generate()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["ErrorBody"] = _schema(ErrorBody.model_json_schema(ref_template=_REF), schemas)
        paths = doc.setdefault("paths", {})
        for rpc in served:
            paths.update(rpc_operations(rpc, max_batch, schemas))
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
