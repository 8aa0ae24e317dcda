"""
# OpenAPI

Rpc routes read their bodies themselves and are plain Starlette routes, so FastAPI cannot see
them; this module writes each Rpc's two operations (`POST /{name}` and `POST /{name}/batch`)
into the OpenAPI document with the real input and return schemas of its codecs.
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
        "requestBody": {"required": True, **_json({"type": "array", "items": inp, "maxItems": max_batch})},
        "responses": {
            "200": {
                "description": f"One item per input: a {rpc.return_type.__name__} or an error",
                **_json({"type": "array", "items": item}),
            },
            "413": {"description": f"More than {max_batch} items", **_ERROR},
            "422": {"description": "The body is no JSON array", **_ERROR},
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
