"""
# Error responses

Every failure leaves the server as `ErrorBody` JSON with the status its type implies, so a
client needs one parser and the server never answers with a bare 500 page or a traceback.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from discovery_shared import ErrorBody, ErrorType, WireValidationError

log = logging.getLogger("discovery_server")


class ApiError(Exception):
    """Raise anywhere in request handling to answer with an `ErrorBody`."""

    def __init__(
        self,
        type: ErrorType,
        message: str,
        details: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.body = ErrorBody(type=type, message=message, details=details or {})
        self.headers = headers

    def response(self) -> JSONResponse:
        return JSONResponse(self.body.model_dump(mode="json"), status_code=self.body.type.status_code, headers=self.headers)


def store_unavailable(doing: str) -> ApiError:
    """The 503 for a call the store could not serve: nothing ran, so the client may retry it shortly."""
    return ApiError(
        ErrorType.UNAVAILABLE,
        f"the server cannot {doing} now (its store is unavailable); retry shortly",
        {"reason": "store_unavailable", "retry_after": 1},
        headers={"Retry-After": "1"},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)


async def _api_error(_: Request, err: ApiError) -> JSONResponse:
    return err.response()


def validation_error(err: WireValidationError, index: int | None = None) -> ApiError:
    """The 422 of an input that does not fit; `index` is the input's place in a batch, if it is in one."""
    fields = [e.model_dump(mode="json") for e in err.errors]
    if index is None:
        return ApiError(ErrorType.VALIDATION, str(err), {"fields": fields})
    return ApiError(ErrorType.VALIDATION, f"item {index}: {err}", {"index": index, "fields": fields})


async def _http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
    if err.status_code == 405:
        return _method_not_allowed(request, (err.headers or {}).get("Allow", ""))
    if err.status_code == 404:
        name = request.url.path.strip("/").removesuffix("/batch")
        return ApiError(
            ErrorType.NOT_FOUND,
            f"no Rpc or route {request.url.path!r} on this server; GET /rpcs lists what it serves",
            {"rpc": name},
        ).response()
    body = ErrorBody(type=ErrorType.BAD_REQUEST, message=str(err.detail))
    return JSONResponse(body.model_dump(mode="json"), status_code=err.status_code, headers=err.headers)


def _method_not_allowed(request: Request, allow: str) -> JSONResponse:
    """405 with the `Allow` header (RFC 9110 section 15.5.6) and words that fit the route."""
    path = request.url.path
    methods = [m.strip() for m in allow.split(",") if m.strip()]
    if methods == ["POST"]:
        hint = f"an Rpc is called with POST {path}, the input's JSON as the body"
    else:
        hint = f"{path} answers {' and '.join(m for m in methods if m != 'HEAD') or 'no method'}"
    return ApiError(
        ErrorType.METHOD_NOT_ALLOWED,
        f"{request.method} is not allowed on {path}: {hint}",
        {"allow": methods},
        headers={"Allow": ", ".join(methods)},
    ).response()


async def _unexpected_error(_: Request, err: Exception) -> JSONResponse:
    log.exception("unexpected server error")
    return ApiError(ErrorType.HANDLER_ERROR, f"{type(err).__name__}: {err}", {"exception": type(err).__name__}).response()
