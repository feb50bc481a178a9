"""The storefront in Debian's Chromium, driven by Playwright for Python, against the whole system
as processes (``tests/support/system.py``) with 20-second holds, so a hold's expiry is watched
inside a test. Screenshots land in ``test-artifacts/screenshots/`` (gitignored)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import own_database
from tests.support.system import SYSTEM_KEY, System

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
HOLD_SECONDS = 20
BROWSER_ENV = {
    "SEAT_HOLD_MINUTES": str(HOLD_SECONDS / 60),
    "GRPC_DEADLINE_SECONDS": "60",
    "UPSTREAM_DEADLINE_SECONDS": "30",
    "HEALTH_TIMEOUT_SECONDS": "5",
    "INVENTORY_DB_POOL_SIZE": "4",
    "CATALOG_DB_POOL_SIZE": "2",
    "DB_POOL_SIZE": "3",
    "RATE_LIMIT_PER_MINUTE": "0",
    "ACCESS_LOG": "false",
}
WAIT_MS = 20_000  # what a person would call "at once" on a loaded 2-core machine

if not os.path.exists(CHROMIUM):
    pytest.skip(
        f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)",
        allow_module_level=True,
    )


@pytest.fixture(scope="package")
def browser_database_url(postgres_server_url: str) -> Iterator[str]:
    with own_database(postgres_server_url, "ticketing_web") as url:
        yield url


@pytest.fixture(scope="package")
def system(
    browser_database_url: str,
    amqp_url: str,
    amqp_prefix: str,
    tmp_path_factory: pytest.TempPathFactory,
    pytestconfig: pytest.Config,
) -> Iterator[System]:
    running = System(
        database_url=browser_database_url,
        amqp_url=amqp_url,
        amqp_prefix=f"{amqp_prefix}web.",
        log_dir=tmp_path_factory.mktemp("browser-logs"),
        extra_env=BROWSER_ENV,
    )
    pytestconfig.stash[SYSTEM_KEY] = running
    try:
        running.start(timeout=120)
        seeded = subprocess.run(
            [sys.executable, "-m", "catalog", "seed"],
            env=running.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert seeded.returncode == 0, f"seed failed:\n{seeded.stdout}\n{seeded.stderr}"
        yield running
    finally:
        running.stop()
        del pytestconfig.stash[SYSTEM_KEY]


@pytest.fixture(scope="package")
def browser(system: System) -> Iterator[object]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
