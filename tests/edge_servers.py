"""The clinic server's edge for the tests: Caddy (HTTPS) and coturn (TURN), from Debian's packages, run from
the project's own deploy/Caddyfile and deploy/turnserver.conf on free loopback ports.

``Caddy.start(site, upstream_port, data, log, upload_port)`` runs ``caddy run`` with the shipped Caddyfile (its
settings through the environment variables the file documents; ``/_calfcheck/upload`` to ``upload_port``), bound
to 127.0.0.1 with the admin endpoint off; Caddy's internal CA keeps its root certificate under ``data``
(``root_cert``). ``trust_in_nss(home, cert)`` makes an NSS certificate database in ``home`` trusting that root, as
Chromium on Linux reads it from ``$HOME/.pki/nssdb``.
``Coturn.start(folder, secret)`` runs ``turnserver`` on the shipped turnserver.conf with the lines a test must
change (ports, loopback only, the secret, loopback peers allowed: the app is on this machine) replaced.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import time
from pathlib import Path

from tests.conftest import ROOT
from tests.streamlit_app import free_port

DEPLOY = ROOT / "deploy"


def _wait(check, what: str, log: Path, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start: {log.read_text()[-2000:] if log.exists() else 'no log'}")


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _udp_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


class Caddy:
    def __init__(self, proc: subprocess.Popen, port: int, data: Path) -> None:
        self.proc, self.port, self.data = proc, port, data

    @property
    def root_cert(self) -> Path:
        return self.data / "caddy" / "pki" / "authorities" / "local" / "root.crt"

    @classmethod
    def start(cls, host: str, upstream_port: int, data: Path, log: Path, upload_port: int | None = None) -> Caddy:
        port = free_port()
        env = {
            **os.environ,
            "CALFCHECK_SITE": f"https://{host}:{port}",
            "CALFCHECK_TLS": "internal",
            "CALFCHECK_PORT": str(upstream_port),
            "CALFCHECK_UPLOAD_PORT": str(upload_port or free_port()),  # none: a port nobody listens on
            "CALFCHECK_HTTPS_PORT": str(port),
            "CALFCHECK_HTTP_PORT": str(free_port()),
            "CALFCHECK_BIND": "127.0.0.1",
            "CALFCHECK_CADDY_ADMIN": "off",
            "XDG_DATA_HOME": str(data),
            "XDG_CONFIG_HOME": str(data / "config"),
            "HOME": str(data),
        }
        args = ["caddy", "run", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"]
        proc = subprocess.Popen(args, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        caddy = cls(proc, port, data)
        try:
            _wait(lambda: _accepts(port) and caddy.root_cert.exists(), "caddy", log)
        except RuntimeError:
            proc.kill()
            raise
        return caddy

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


def trust_in_nss(home: Path, cert: Path) -> None:
    """Chromium on Linux trusts the CAs in ``$HOME/.pki/nssdb``: a fresh database there, trusting ``cert``
    for websites (``C,,``) and nothing else."""
    db = home / ".pki" / "nssdb"
    db.mkdir(parents=True, exist_ok=True)
    subprocess.run(["certutil", "-d", f"sql:{db}", "-N", "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        ["certutil", "-d", f"sql:{db}", "-A", "-t", "C,,", "-n", "calfcheck-test-caddy", "-i", str(cert)],
        check=True,
        capture_output=True,
    )


class Coturn:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path) -> None:
        self.proc, self.port, self.log = proc, port, log

    @classmethod
    def start(cls, folder: Path, secret: str) -> Coturn:
        port = free_port()
        low = random.randrange(50_000, 60_000, 100)  # relay ports of this run (two runs at once must not share)
        changes = {
            "listening-port": str(port),
            "listening-ip": "127.0.0.1",
            "relay-ip": "127.0.0.1",
            "static-auth-secret": secret,
            "realm": "calfcheck.test",
            "min-port": str(low),
            "max-port": str(low + 99),
            "log-file": str(folder / "turn.log"),
            "pidfile": str(folder / "turn.pid"),
            "userdb": str(folder / "turndb"),  # not Debian's /var/lib/turn (use-auth-secret needs no users)
        }
        shipped = (DEPLOY / "turnserver.conf").read_text().splitlines()
        kept = [line for line in shipped if line.split("=", 1)[0].strip() not in changes]
        conf = folder / "turnserver.conf"
        conf.write_text("\n".join([*kept, *(f"{k}={v}" for k, v in changes.items()), "allow-loopback-peers", ""]))
        conf.chmod(0o600)  # it holds the secret
        log = folder / "turn.log"
        proc = subprocess.Popen(
            ["turnserver", "-c", str(conf)], stdout=(folder / "turn.out").open("w"), stderr=subprocess.STDOUT
        )
        try:
            _wait(lambda: _udp_taken(port), "coturn", log)
        except RuntimeError:
            proc.kill()
            raise
        return cls(proc, port, log)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)
