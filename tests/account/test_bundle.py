"""The committed page (discovery_server/account/static) is exactly what its sources build to.

The bundle is committed so that a server installs with pip alone (no Node.js on a server); this
test rebuilds it from Discovery/Server/account_page with the locked esbuild and Firebase SDK
(`npm ci` in scripts/install_dev.sh) and fails when someone changed a source without `npm run build`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "Discovery" / "Server" / "account_page"
STATIC = PAGE.parent / "discovery_server" / "account" / "static"


def test_committed_bundle_is_what_the_sources_build(tmp_path: Path) -> None:
    if not (PAGE / "node_modules" / "esbuild").is_dir() or shutil.which("node") is None:
        pytest.fail(f"the account page's build tools are not installed: run scripts/install_dev.sh (npm ci in {PAGE})")
    subprocess.run(["node", "build.mjs", str(tmp_path)], cwd=PAGE, check=True, timeout=120)
    built = sorted(p.name for p in tmp_path.iterdir())
    assert built == sorted(p.name for p in STATIC.iterdir()) == ["account.css", "account.js", "index.html"]
    stale = [name for name in built if (tmp_path / name).read_bytes() != (STATIC / name).read_bytes()]
    assert stale == [], f"{stale} differ from their sources: run `npm run build` in {PAGE} and commit the result"


def test_the_page_loads_nothing_from_elsewhere() -> None:
    """No CDN at run time: the page names only its own two assets (the CSP would block anything else)."""
    html = (STATIC / "index.html").read_text()
    assert 'src="/account/static/account.js"' in html and 'href="/account/static/account.css"' in html
    assert "http://" not in html and "https://" not in html and "<script>" not in html
