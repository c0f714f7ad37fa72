"""Loaded by every Python process started with this folder on PYTHONPATH (the privacy test's app).

It records every attempt to reach a host that is not this machine (a DNS lookup of a remote name or a
connect to a non-loopback address) in the file named by ``CALFCHECK_CONNECT_LOG``, then lets the call
go on (inside the test's network namespace it fails at once).
"""

import ipaddress
import os
import socket

_LOG = os.environ.get("CALFCHECK_CONNECT_LOG")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "", None}


def _is_local(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback or str(host) in ("0.0.0.0", "::")
    except ValueError:
        return False


def _record(kind: str, host) -> None:
    if _LOG and not _is_local(host):
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()} {kind} {host}\n")


if _LOG:
    _connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def connect(self, address):
        if isinstance(address, tuple):
            _record("connect", address[0])
        return _connect(self, address)

    def connect_ex(self, address):
        if isinstance(address, tuple):
            _record("connect", address[0])
        return _connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        _record("lookup", host)
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
