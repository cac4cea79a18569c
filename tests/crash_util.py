"""Shared by the crash tests: run a writer process and kill it with SIGKILL."""

import os
import signal
import subprocess
import sys
import time


def run_and_kill(writer: str, path: str, round_no: int, seed: int, run_seconds: float) -> list[str]:
    """Starts `python writer path round seed ack_file`, kills it after
    run_seconds, and returns the lines it acknowledged in full."""
    ack_file = f"{path}.acks"
    err_file = f"{path}.stderr"
    with open(err_file, "w") as err:
        proc = subprocess.Popen(
            [sys.executable, writer, path, str(round_no), str(seed), ack_file],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        time.sleep(run_seconds)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with open(err_file) as err:
        errors = err.read()
    assert "Traceback" not in errors, errors
    if not os.path.exists(ack_file):
        return []  # killed before it got going
    with open(ack_file) as f:
        lines = f.readlines()
    # A line cut short by the kill was never acknowledged in full.
    return [line.rstrip("\n") for line in lines if line.endswith("\n")]
