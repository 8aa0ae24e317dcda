"""
# Built-in routes

`GET /` and `GET /healthz` (alive), `GET /readyz` (takes calls: not draining, and the app's
`Config.readiness` check passes; else 503 with the reason), `GET /version` (package versions), `GET /rpcs` (what this server runs,
with the schema fingerprints that clients compare against their own) and `GET /metrics`
(Prometheus text format: calls, errors, latencies, cache hits; see metrics.py).

Only `/`, `/healthz` and `/readyz` are open to anyone (load balancers and uptime checks probe them); `/version`, `/rpcs`
and `/metrics` need the same credentials as the Rpcs, since they tell a stranger what runs
here and who keeps it busy. Clients send their token with every request anyway, so this costs
them nothing; a Prometheus scraper sends one as a bearer token (`authorization` in its
scrape config).
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from importlib import metadata
from typing import Any

from fastapi import Depends, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from pydantic import BaseModel

from discovery_shared import ErrorType, Rpc

from .admission import RETRY_AFTER_SECONDS, Admission
from .errors import ApiError


class RpcInfo(BaseModel):
    name: str
    docstring: str
    input_type: str
    return_type: str
    fingerprint: str


def package_versions() -> dict[str, str]:
    """Versions of Python and of every installed `cktgym-*` distribution, for bug reports."""
    versions = {"python": platform.python_version()}
    for dist in metadata.distributions():
        name = dist.metadata["Name"] or ""
        if name.startswith("cktgym-"):
            versions[name] = dist.version
    return dict(sorted(versions.items()))


def install_builtin_routes(
    app: FastAPI,
    served: list[Rpc[Any, Any]],
    authenticate: Callable[..., Any],
    admission: Admission,
    readiness: Callable[[], bool | str] | None = None,
) -> None:
    versions = package_versions()
    infos = [
        RpcInfo(
            name=rpc.name,
            docstring=rpc.docstring,
            input_type=rpc.input_type.__name__,
            return_type=rpc.return_type.__name__,
            fingerprint=rpc.fingerprint,
        )
        for rpc in served
    ]

    @app.get("/", summary="Alive")
    async def alive() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/healthz", summary="Alive: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="Ready: takes calls", responses={503: {"description": "Not ready (draining, or the app's check)"}})
    async def readyz() -> dict[str, str]:
        reason = "draining" if admission.draining else _not_ready(readiness)
        if reason:
            raise ApiError(
                ErrorType.UNAVAILABLE,
                f"not ready: {reason}",
                {"reason": reason, "retry_after": RETRY_AFTER_SECONDS},
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        return {"status": "ready"}

    authenticated = [Depends(authenticate)]

    @app.get("/version", summary="Package versions", dependencies=authenticated)
    async def version() -> dict[str, str]:
        return versions

    @app.get("/rpcs", summary="The Rpcs this server runs", dependencies=authenticated)
    async def list_rpcs() -> list[RpcInfo]:
        return infos

    @app.get("/metrics", summary="Prometheus metrics", dependencies=authenticated, response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def _not_ready(readiness: Callable[[], bool | str] | None) -> str:
    """Why the app says it is not ready ("" when it is): False, a string, or an exception of its check."""
    if readiness is None:
        return ""
    try:
        verdict = readiness()
    except Exception as err:  # a failing check means not ready, never a 500
        return f"the readiness check raised {type(err).__name__}: {err}"
    if verdict is True:
        return ""
    return verdict if isinstance(verdict, str) and verdict else "the app's readiness check says no"
