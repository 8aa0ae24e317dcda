"""
# OpenAPI

Rpc routes read their bodies themselves, so FastAPI cannot see their types; this module puts
each Rpc's real input and return schemas (from its codecs) into the OpenAPI document.
"""

from __future__ import annotations

from typing import Any, Callable

from discovery_shared import ErrorBody, Rpc
from fastapi import FastAPI

_REF = "#/components/schemas/{model}"


def _schema(rpc_schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Move a schema's `$defs` into `defs` (the document's components) and return the rest."""
    schema = dict(rpc_schema)
    defs.update(schema.pop("$defs", {}))
    return schema


def rpc_openapi_extra(rpc: Rpc[Any, Any]) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    inp = _schema(rpc.input_codec.json_schema(_REF), defs)
    out = _schema(rpc.return_codec.json_schema(_REF), defs)
    error = {"content": {"application/json": {"schema": {"$ref": _REF.format(model="ErrorBody")}}}}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": inp}}},
        "responses": {
            "200": {"description": rpc.return_type.__name__, "content": {"application/json": {"schema": out}}},
            "422": {"description": "Invalid input; `details.fields` names each bad field", **error},
            "500": {"description": "The handler raised", **error},
        },
        "x-discovery-fingerprint": rpc.fingerprint,
        "x-discovery-defs": defs,
    }


def install_openapi(app: FastAPI) -> None:
    """Wrap `app.openapi` so the Rpcs' schema definitions land in `components/schemas`."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = generate()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["ErrorBody"] = _schema(ErrorBody.model_json_schema(ref_template=_REF), schemas)
        for path in doc.get("paths", {}).values():
            for operation in path.values():
                schemas.update(operation.pop("x-discovery-defs", {}))
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
