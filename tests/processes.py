"""Stopping child processes in tests without trusting a busy machine to be quick."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str], *, grace: float = 30.0) -> int:
    """Terminate, wait ``grace`` seconds, then kill: returns the exit code, never raises a timeout.

    On a loaded 2-core machine a served Prefect flow or a web server may take longer than
    expected to wind down after SIGTERM; what a test checks is what it did, not how fast it
    left, so a slow exit ends with SIGKILL instead of failing the test.
    """
    if process.poll() is None:
        process.terminate()
        try:
            return process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()
