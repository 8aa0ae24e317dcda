"""
# Accounts, through firebase-admin

What the server does to Firebase accounts on behalf of the page and of operators: make one at
sign-up (the browser never creates accounts itself, so the registration policy cannot be
bypassed from the page), read an account's standing fresh from Firebase, list every account,
approve, disable and re-enable. Disabling takes effect on the account's next call because the
server looks each caller up (`check_revoked`, on by default) and Firebase refuses a disabled one.

All calls block (firebase-admin is synchronous): the routes run them in the thread pool.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any

import firebase_admin
from firebase_admin import auth, exceptions
from pydantic import Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from discovery_shared import ErrorType, FieldError, WireValidationError

from ..errors import ApiError, validation_error
from ..store import Store
from .config import RegistrationPolicy
from .standing import ADMIN_CLAIM, APPROVED_CLAIM, Refusal, Standing, refusal

log = logging.getLogger("discovery_server.account")


@pydantic_dataclass
class SignUp:
    """The body of `POST /account/signup`; Firebase checks the address's form and the password's length."""

    email: Annotated[str, Field(min_length=3, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=4096)]
    name: Annotated[str, Field(max_length=256)] | None = None


@dataclass(frozen=True)
class Account:
    """One Firebase account as an operator sees it."""

    uid: str
    email: str | None
    name: str | None
    disabled: bool
    standing: Standing
    refusal: Refusal | None
    created_ms: int | None  # epoch milliseconds, as Firebase keeps them


class Accounts:
    def __init__(self, app: firebase_admin.App, policy: RegistrationPolicy, approvals: Store | None) -> None:
        self._app = app
        self._policy = policy
        self._approvals = approvals

    @property
    def policy(self) -> RegistrationPolicy:
        return self._policy

    def sign_up(self, form: SignUp) -> str:
        """Make an account under the policy; its uid. Refusals are `ApiError`s the page shows as they are."""
        email, password, name = form.email.strip(), form.password, form.name
        if self._policy.policy == "closed":
            raise ApiError(ErrorType.FORBIDDEN, self._policy.describe(), {"reason": "registration_closed"})
        if self._policy.policy == "domains" and not self._policy.admits_address(email):
            raise ApiError(
                ErrorType.FORBIDDEN,
                f"this server registers email addresses at {', '.join(self._policy.domains)} only",
                {"reason": "email_domain"},
            )
        try:
            user = auth.create_user(email=email, password=password, display_name=name or None, app=self._app)
        except auth.EmailAlreadyExistsError:
            raise _field_error("email", "an account with this email address exists: sign in, or reset its password") from None
        except ValueError as err:  # firebase-admin's own argument checks: a malformed address, a short password
            field = "password" if "password" in str(err).lower() else "email"
            raise _field_error(field, str(err)) from None
        except exceptions.FirebaseError as err:
            raise _unavailable(err) from None
        log.info("account %s made for %s under the %s registration policy", user.uid, email, self._policy.policy)
        return str(user.uid)

    def get(self, uid: str) -> Account:
        """The account as Firebase has it now (not as a possibly hour-old token says)."""
        return self._account(self._record(uid), self._approved({uid}))

    def all(self) -> list[Account]:
        try:
            records = list(auth.list_users(app=self._app).iterate_all())
        except exceptions.FirebaseError as err:
            raise _unavailable(err) from None
        approved = self._approved({record.uid for record in records})
        return sorted((self._account(record, approved) for record in records), key=lambda a: (a.email or "", a.uid))

    def approve(self, uid: str, by: str) -> Account:
        """Record the approval in the store (every server sharing it admits the account from its next call) and
        set the `approved` claim (for servers of the same Firebase project with stores of their own)."""
        claims = self._record(uid).custom_claims or {}
        if self._approvals is not None:
            self._approvals.approve(uid, by)
        self._set_claims(uid, {**claims, APPROVED_CLAIM: True})
        log.info("account %s approved by %s", uid, by)
        return self.get(uid)

    def set_disabled(self, uid: str, disabled: bool, by: str) -> Account:
        if disabled and uid == by:
            raise ApiError(ErrorType.FORBIDDEN, "an operator cannot disable their own account here; another operator can", {"uid": uid})
        self.get(uid)  # a clear 404 for an unknown uid
        try:
            auth.update_user(uid, disabled=disabled, app=self._app)
        except exceptions.FirebaseError as err:
            raise _unavailable(err) from None
        log.info("account %s %s by %s", uid, "disabled" if disabled else "re-enabled", by)
        return self.get(uid)

    def _record(self, uid: str) -> auth.UserRecord:
        try:
            return auth.get_user(uid, app=self._app)
        except auth.UserNotFoundError:
            raise ApiError(ErrorType.NOT_FOUND, f"no account {uid!r} in this Firebase project", {"uid": uid}) from None
        except exceptions.FirebaseError as err:
            raise _unavailable(err) from None

    def _set_claims(self, uid: str, claims: dict[str, Any]) -> None:
        _set_claims(self._app, uid, claims)

    def _approved(self, uids: set[str]) -> set[str]:
        if self._approvals is None:
            return set()
        return uids & self._approvals.approved()

    def _account(self, record: auth.UserRecord, approved: set[str]) -> Account:
        claims = record.custom_claims or {}
        standing = Standing(
            email=record.email,
            email_verified=bool(record.email_verified),
            admin=claims.get(ADMIN_CLAIM) is True,
            approved=claims.get(APPROVED_CLAIM) is True or record.uid in approved,
        )
        return Account(
            uid=record.uid,
            email=record.email,
            name=record.display_name,
            disabled=bool(record.disabled),
            standing=standing,
            refusal=refusal(self._policy, standing),
            created_ms=record.user_metadata.creation_timestamp if record.user_metadata else None,
        )


def set_operator(app: firebase_admin.App, email: str, operator: bool) -> str:
    """Grant or revoke the operator claim `admin` (the `discovery_server.admin` command); the account's uid.

    The account's other custom claims (`approved`) are kept. The operator routes read the claim
    from Firebase on each request, so a grant or revocation counts at once there.
    """
    try:
        user = auth.get_user_by_email(email, app=app)
    except auth.UserNotFoundError:
        raise LookupError(f"no account with the email address {email!r} in this Firebase project") from None
    claims = {k: v for k, v in (user.custom_claims or {}).items() if k != ADMIN_CLAIM}
    _set_claims(app, user.uid, {**claims, ADMIN_CLAIM: True} if operator else claims)
    return str(user.uid)


def _set_claims(app: firebase_admin.App, uid: str, claims: dict[str, Any]) -> None:
    try:
        auth.set_custom_user_claims(uid, claims or None, app=app)
    except exceptions.FirebaseError as err:
        raise _unavailable(err) from None


def _field_error(field: str, message: str) -> ApiError:
    return validation_error(WireValidationError(SignUp, [FieldError(loc=(field,), msg=message, type="value_error")]))


def _unavailable(err: exceptions.FirebaseError) -> ApiError:
    log.error("Firebase refused an account operation: %s: %s", type(err).__name__, err)
    return ApiError(ErrorType.UNAVAILABLE, "Firebase could not be reached for this account operation; try again later")
