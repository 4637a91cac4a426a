"""Helpers for tests in a real browser: Debian's Chromium driven by Playwright, axe-core from npm."""
import os
import shutil
from pathlib import Path

import pytest

from conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def require_browser():
    """Skip, saying why, where this machine has no Chromium (CI installs Debian's package)."""
    if not chromium_path():
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped")
    if not AXE_JS.exists():
        pytest.skip("axe-core is not installed (npm ci); browser tests skipped")


def log_in(page, site, role="admin"):
    """Log the page in as the test account of that role (the `users` fixture makes them)."""
    page.goto(f"{site}/konto/login")
    page.fill("#email", f"{role}@test.example")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site}/")


def serious_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations of impact serious or critical on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe.from_file(str(AXE_JS)).run(page, options={
        "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} – " + ", ".join(n["target"][0] for n in v["nodes"][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
