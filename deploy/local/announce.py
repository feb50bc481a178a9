"""The last process of `make run`: wait until the system answers, seed demo data, print where it is.

It then stays idle, because honcho stops every process as soon as one of them exits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

DEMO_USERS = {
    "alice": "11111111-1111-4111-8111-111111111111",
    "bob": "22222222-2222-4222-8222-222222222222",
}


def wait_healthy(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False


def token(user: str, role: str | None = None) -> str:
    command = [sys.executable, "-m", "gateway", "token", "--user", user]
    if role:
        command += ["--role", role]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def main() -> int:
    port = os.environ.get("PORT", "8001")
    base = f"http://127.0.0.1:{port}"
    if not wait_healthy(f"{base}/api/v1/health", timeout=120):
        print(f"the gateway at {base} did not become healthy in 120 s; see the logs above")
        return 1
    # A failed seed is reported, not fatal: honcho would stop the whole system if this exited.
    seeded = subprocess.run([sys.executable, "-m", "catalog", "seed"], check=False)
    if seeded.returncode != 0:
        print(
            f"the demo seed failed (exit code {seeded.returncode}; its error is above); "
            "the system is running without it. Fix the cause and run `make seed` again.",
            flush=True,
        )
    alice = token(DEMO_USERS["alice"])
    admin = token(DEMO_USERS["bob"], "admin")
    print(
        "\n"
        "Ticketing is running.\n"
        f"  API         {base}/api/v1\n"
        f"  Swagger UI  {base}/api/docs\n"
        f"  Health      {base}/api/v1/health\n"
        f"  Metrics     {base}/metrics\n"
        f"  Demo user alice ({DEMO_USERS['alice']}):\n"
        f"    export TOKEN={alice}\n"
        f"  Admin token (bob, role admin):\n"
        f"    export ADMIN_TOKEN={admin}\n"
        "\n"
        f"Open the storefront and buy a ticket: {base}/\n"
        "  (sign in with one click as alice or bob, or as sam to check tickets in at the door)\n"
        "Press Ctrl-C to stop everything.\n",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
