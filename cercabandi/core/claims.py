"""Who holds a claim on a piece of work, and whether that holder is still alive.

A claim token names the host, the process and one piece of work in it
(``host:pid:nonce``). A claim held by a live process is work in progress; one whose
process has died is stuck and needs a person. On this host the answer comes from the
process table; for another host (workers on several machines) only the claim's age
can tell, so a claim older than ``CLAIM_LEASE`` counts as abandoned.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

CLAIM_LEASE = timedelta(minutes=30)

_in_flight: set[str] = set()  # the claims this process is working on now


def new_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def hold(token: str) -> None:
    _in_flight.add(token)


def release(token: str) -> None:
    _in_flight.discard(token)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def is_live(token: str | None, claimed_at: datetime | None, *, wall_now: datetime) -> bool:
    """Whether the holder of ``token`` may still be working on it (``wall_now``: the real clock)."""
    if not token:
        return False  # claims made before tokens existed: nobody can be holding them
    host, _, rest = token.partition(":")
    pid_text, _, _nonce = rest.partition(":")
    if host == socket.gethostname() and pid_text.isdigit():
        pid = int(pid_text)
        if pid == os.getpid():
            return token in _in_flight  # this process, but an earlier piece of work that died
        return _pid_alive(pid)
    return claimed_at is not None and wall_now - claimed_at < CLAIM_LEASE
