"""
# The account page

`GET /account`, served by the Discovery server itself whenever auth is Firebase: researchers sign
up (under `RegistrationPolicy`), sign in and out, reset their password, copy or download the
`.env` block their client needs and see their own usage; operators (custom claim `admin`, set by
`python -m discovery_server.admin grant-admin EMAIL`) see every account with its usage and
approve, disable or re-enable it. routes.py lists the routes; the page's script is built from
Discovery/Server/account_page (npm, with the Firebase JS SDK bundled in) into static/.
"""

from .config import POLICIES, AccountConfig, RegistrationPolicy
from .routes import install_account

__all__ = ["AccountConfig", "install_account", "POLICIES", "RegistrationPolicy"]
