"""Logging in to a clinic server in the browser tests: the app's ``[auth]`` secrets pointing at the test's
OpenID Connect provider (oidc-provider-mock), and a person's login through that provider's page.

``auth_secrets(path, base, idp, extra)`` writes the secrets file Streamlit reads with ``--secrets.files``
(``base`` is the address the browser uses: the provider sends it back to ``base``/oauth2callback; ``extra``
is more TOML, such as a ``[calfcheck]`` section). ``log_in(page, base, sub)`` logs in the provider's
predefined user ``sub`` and waits until the app has run for them.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.streamlit_app import wait_until_settled


def auth_secrets(path: Path, base: str, idp: str, extra: str = "") -> Path:
    path.write_text(
        f"""[auth]
redirect_uri = "{base}/oauth2callback"
cookie_secret = "a-long-random-cookie-secret-for-the-tests-only-{path.stem}"
client_id = "calfcheck"
client_secret = "calfcheck-secret"
server_metadata_url = "{idp}/.well-known/openid-configuration"
{extra}"""
    )
    return path


def log_in(page, base: str, sub: str) -> None:
    page.goto(base)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name=sub, exact=True).click()  # the provider's page: a predefined user
    page.wait_for_url(re.compile(re.escape(base) + r"/?(\w+)?(\?.*)?$"), timeout=60_000)
    page.get_by_role("button", name="Log in").wait_for(state="detached", timeout=60_000)
    wait_until_settled(page)
