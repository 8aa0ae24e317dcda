"""
# Standing: the registration policy, enforced on every call

A valid Firebase token proves who the caller is; under the `domains` and `approval` policies
that is not yet enough to call. `PolicyGate` wraps the Firebase authenticator of the Rpc routes
(and `/rpcs`, `/version`, `/metrics`) and refuses, with 403 and a reason, an account the policy
does not admit. It looks only at the verified token and the approval record in the store (no
extra round trip to Firebase), so an approval counts from the next call on, on every server that
shares the store. Under `closed` and `open` the server does not wrap the authenticator at all,
and calls cost nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from discovery_shared import ErrorType, User

from ..errors import ApiError, store_unavailable
from ..firebase_auth import FirebaseAuthenticator, user_of
from ..store import Store, StoreUnavailable
from .config import RegistrationPolicy

ADMIN_CLAIM = "admin"
APPROVED_CLAIM = "approved"


@dataclass(frozen=True)
class Standing:
    """What the policy looks at: from a verified token on each call, or from the account record on the page."""

    email: str | None
    email_verified: bool
    admin: bool
    approved: bool


@dataclass(frozen=True)
class Refusal:
    reason: str  # approval_pending, email_domain, email_unverified
    message: str


def refusal(policy: RegistrationPolicy, standing: Standing) -> Refusal | None:
    """Why `policy` does not admit an account in this standing, or None if it does."""
    if standing.admin or standing.approved or policy.policy in ("closed", "open"):
        return None
    if policy.policy == "approval":
        return Refusal(
            "approval_pending",
            f"the account {standing.email or ''} waits for an operator's approval; the account page (GET /account) shows when it is approved",
        )
    if not standing.email or not policy.admits_address(standing.email):
        return Refusal(
            "email_domain",
            f"this server admits email addresses at {', '.join(policy.domains)} only; ask its operator to approve {standing.email or 'this account'}",
        )
    if not standing.email_verified:
        return Refusal(
            "email_unverified",
            f"verify {standing.email} first: follow the link emailed to it (the account page, GET /account, sends it again)",
        )
    return None


def token_standing(claims: dict[str, Any]) -> Standing:
    """The standing a verified token states (its `approved` claim may lag the server's record by up to an hour)."""
    return Standing(
        email=claims.get("email"),
        email_verified=claims.get("email_verified") is True,
        admin=claims.get(ADMIN_CLAIM) is True,
        approved=claims.get(APPROVED_CLAIM) is True,
    )


class PolicyGate:
    """The Rpc routes' authenticator under `domains` or `approval`: Firebase's, then the policy."""

    def __init__(self, firebase: FirebaseAuthenticator, policy: RegistrationPolicy, approvals: Store | None) -> None:
        self._firebase = firebase
        self._policy = policy
        self._approvals = approvals

    async def __call__(self, request: Request) -> User:
        claims = await self._firebase.claims(request)
        refused = refusal(self._policy, token_standing(claims))
        # the record is read only when the token alone does not admit: one indexed read, off the event loop
        if refused is not None and self._approvals is not None and await _approved(self._approvals, claims["uid"]):
            refused = None
        if refused is not None:
            raise ApiError(ErrorType.FORBIDDEN, refused.message, {"reason": refused.reason})
        return user_of(claims)


async def _approved(approvals: Store, uid: str) -> bool:
    try:
        return await run_in_threadpool(approvals.is_approved, uid)
    except StoreUnavailable as err:
        raise store_unavailable("read this account's approval") from err
