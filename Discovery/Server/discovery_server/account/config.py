"""
# Account page settings

`AccountConfig` is `Config.account`: the Firebase project's public web config the page signs
in with, and who may register. Both are public facts about the deployment (a Firebase Web API
key identifies the project; it grants nothing by itself), so the page is told them at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Policy = Literal["closed", "open", "domains", "approval"]
POLICIES: tuple[Policy, ...] = ("closed", "open", "domains", "approval")


@dataclass(frozen=True)
class RegistrationPolicy:
    """Who may make an account on the page (accounts are made by the server, never by the browser).

    - `closed`: nobody; the administrator makes accounts (Firebase console or firebase-admin).
    - `open`: anyone with an email address.
    - `domains`: addresses at one of `domains` (`uni.edu` also admits `cs.uni.edu`), and only once the
      address is verified (the page sends the link): anyone can type someone else's address.
    - `approval`: anyone may register, but calls nothing until an operator approves the account.

    The server enforces `domains` and `approval` on every call, not only at sign-up, so an
    account made some other way (the console, Firebase's REST API) is held to the same rule;
    an operator's approval admits an account under either, and operators (claim `admin`) always pass.
    """

    policy: Policy = "closed"
    domains: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"registration policy {self.policy!r} is not one of: {', '.join(POLICIES)}")
        domains = tuple(d.strip().lower().lstrip("@") for d in self.domains if d.strip())
        object.__setattr__(self, "domains", domains)
        if self.policy == "domains" and not domains:
            raise ValueError("the `domains` registration policy needs at least one email domain (--registration-domains uni.edu,lab.org)")
        if self.policy != "domains" and domains:
            raise ValueError(f"registration domains are only used by the `domains` policy, not by {self.policy!r}")

    def admits_address(self, email: str) -> bool:
        """Whether `email` is at one of the policy's domains (or a subdomain of one)."""
        domain = email.rpartition("@")[2].lower()
        return any(domain == d or domain.endswith("." + d) for d in self.domains)

    def describe(self) -> str:
        """What the page tells a visitor about registering."""
        return {
            "closed": "Accounts on this server are made by its administrator: ask them for one.",
            "open": "Anyone may register with an email address and a password.",
            "domains": f"Registration is open to email addresses at {', '.join(self.domains)}; "
            "the address must be verified before the account can call the server.",
            "approval": "Anyone may register; an operator approves each new account before it can call the server.",
        }[self.policy]


@dataclass(frozen=True)
class AccountConfig:
    """The account page (`GET /account`), served whenever auth is `FirebaseAuth`.

    `web_api_key` is the project's Web API key (console > Project settings > General), which the
    page's Firebase SDK and the `.env` it offers need; without it the page says so instead of
    signing anyone in. `auth_domain` defaults to `<project>.firebaseapp.com`.
    """

    web_api_key: str | None = None
    auth_domain: str | None = None
    registration: RegistrationPolicy = RegistrationPolicy()
