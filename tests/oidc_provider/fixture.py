"""A real OpenID Connect provider on 127.0.0.1 for the sign-in tests (not a mock).

It is panva's `oidc-provider` from the npm registry (pinned in package-lock.json), run by
`provider.js` with Node.js. The first run installs it with `npm ci`. Outside CI, a missing
Node.js or a failed install skips the tests with the reason; with CI=true they fail.
"""

import fcntl
import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

HERE = Path(__file__).resolve().parent
CLIENT_ID = "stretch"
CLIENT_SECRET = "stretch-test-secret"
ENABLE_HINT = (
    "install Node.js 20+ and npm (e.g. `apt-get install -y nodejs npm`) and run "
    "`npm ci` in tests/oidc_provider to enable the OpenID Connect sign-in tests"
)

ACCOUNTS = {
    "sub-nora": {
        "password": "nora-pass",
        "claims": {
            "email": "nora@testco.example",
            "email_verified": True,
            "name": "Nora Newcomer",
            "given_name": "Nora",
            "family_name": "Newcomer",
            "preferred_username": "nora",
            "department": "Platform",
        },
    },
    "sub-alice": {
        "password": "alice-pass",
        "claims": {
            "email": "alice@testco.example",
            "email_verified": True,
            "name": "Alice Provider",
            "preferred_username": "alice.p",
            "department": "Platform",
        },
    },
    "sub-mallory": {
        "password": "mallory-pass",
        "claims": {
            "email": "alice@testco.example",
            "email_verified": False,
            "name": "Mallory",
            "preferred_username": "alice",
            "department": "Sales",
        },
    },
}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs the OpenID Connect test provider: {reason}")
    pytest.skip(f"{reason}: {ENABLE_HINT}")


def _ensure_installed() -> None:
    if not shutil.which("node") or not shutil.which("npm"):
        _unavailable("Node.js or npm not found")
    version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    if not re.fullmatch(r"v(\d+)\..*", version) or int(version[1:].split(".")[0]) < 20:
        _unavailable(f"the test provider needs Node.js 20 or newer (found {version or 'none'})")
    marker = HERE / "node_modules" / "oidc-provider" / "package.json"
    if marker.exists():
        return
    # `./dev test` runs the SQLite and PostgreSQL suites side by side: one installs, the other
    # waits for it.
    with open(HERE / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return
        try:
            result = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=HERE,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            _unavailable(f"`npm ci` in tests/oidc_provider failed ({error})")
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            _unavailable(f"`npm ci` in tests/oidc_provider failed: {' / '.join(tail)}")


class RunningProvider:
    """The running provider: its issuer, its one client and its accounts."""

    client_id = CLIENT_ID
    client_secret = CLIENT_SECRET

    def __init__(self, issuer: str, accounts_file: Path, process: subprocess.Popen):
        self.issuer = issuer
        self.accounts_file = accounts_file
        self.process = process
        self.reset_accounts()

    def reset_accounts(self) -> None:
        self.write_accounts(ACCOUNTS)

    def write_accounts(self, accounts: dict) -> None:
        temporary = self.accounts_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(accounts))
        temporary.replace(self.accounts_file)

    def set_claims(self, sub: str, **claims) -> None:
        """Change a person's claims at the provider (read again at their next sign-in)."""
        accounts = json.loads(self.accounts_file.read_text())
        accounts[sub]["claims"].update(claims)
        self.write_accounts(accounts)

    def authorize(
        self, authorization_url: str, login: str, password: str, *, decline: bool = False
    ) -> str:
        """Go through the provider's pages as a person would: sign in, allow (or deny), and
        return the URL the provider sends the browser back to (Stretch's callback)."""
        http = requests.Session()
        url = authorization_url
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.issuer))
        for _step in range(20):
            if not url.startswith(origin):
                return url
            response = http.get(url, allow_redirects=False, timeout=10)
            while response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                if not url.startswith(origin):
                    return url
                response = http.get(url, allow_redirects=False, timeout=10)
            html = response.text
            if 'name="password"' in html:
                action = _form_action(html, "login")
                response = http.post(
                    urljoin(url, action),
                    data={"login": login, "password": password},
                    allow_redirects=False,
                    timeout=10,
                )
            elif "/confirm" in html:
                action = _form_action(html, "abort" if decline else "confirm")
                response = http.post(urljoin(url, action), allow_redirects=False, timeout=10)
            else:
                raise AssertionError(f"unexpected provider page {response.status_code}: {html}")
            if not response.is_redirect:
                raise AssertionError(
                    f"the provider refused ({response.status_code}): {response.text}"
                )
            url = urljoin(url, response.headers["Location"])
        raise AssertionError("the provider kept redirecting")


def _form_action(html: str, ending: str) -> str:
    for action in re.findall(r'action="([^"]+)"', html):
        if action.endswith(ending):
            return unescape(action)
    raise AssertionError(f"no form ending in {ending!r} in {html}")


@contextmanager
def running_provider(folder: Path, redirect_uris: list[str]) -> Iterator[RunningProvider]:
    """Install (once), start the provider on a free 127.0.0.1 port, wait for its discovery
    document, and stop it afterwards."""
    _ensure_installed()
    accounts_file = folder / "accounts.json"
    accounts_file.write_text(json.dumps(ACCOUNTS))
    env = {
        **os.environ,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": ",".join(redirect_uris),
        "OIDC_ACCOUNTS_FILE": str(accounts_file),
        "OIDC_PORT": "0",
        "NODE_ENV": "test",
    }
    log = folder / "provider.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            ["node", str(HERE / "provider.js")],
            cwd=HERE,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
        )
    try:
        issuer = _wait_for_issuer(process, log)
        _wait_for_discovery(issuer, process, log)
        yield RunningProvider(issuer, accounts_file, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def _wait_for_issuer(process: subprocess.Popen, log: Path) -> str:
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        lines.append(process.stdout.readline())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=30)
    line = lines[0].strip() if lines else ""
    if not line.startswith("listening "):
        process.kill()
        _unavailable(f"the test provider did not start: {log.read_text()[-2000:]}")
    return line.removeprefix("listening ")


def _wait_for_discovery(issuer: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
            if response.status_code == 200 and response.json().get("issuer") == issuer:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    _unavailable(
        f"the test provider's discovery document never answered: {log.read_text()[-2000:]}"
    )
