"""Crash test for time series: a child appends batches (to the head, sealed
into chunks, late ones overwriting chunks) with sync durability and is
killed with SIGKILL at a random moment. After reopening, every acknowledged
append is there, the one in flight is there whole or not at all, and every
sample reads back as the last write of it."""

import os
import random
import sys

import numpy as np

import embodb

sys.path.insert(0, os.path.dirname(__file__))
from crash_util import run_and_kill  # noqa: E402
from timeseries_crash_writer import batch_samples  # noqa: E402

WRITER = os.path.join(os.path.dirname(__file__), "timeseries_crash_writer.py")


def apply(model, b):
    data = batch_samples(b)
    for ts, robot, v in zip(data["ts"].tolist(), data["robot"], data["v"].tolist()):
        model[(robot, ts)] = (v, b)


def observed(path):
    with embodb.connect(path) as db:
        if "imu" not in db:
            return {}
        got = db["imu"].range().to_numpy()
    return {(r, int(t)): (v, int(b)) for r, t, v, b in
            zip(got["robot"], got["ts"].view(np.int64), got["v"], got["batch"])}


def test_sigkill_keeps_appends_whole(tmp_path):
    path = str(tmp_path / "db")
    rng = random.Random(7)
    model = {}
    acknowledged = 0
    for round_no in range(6):
        lines = run_and_kill(WRITER, path, round_no, rng.randrange(1 << 30), rng.uniform(0.8, 1.6))
        batches = [int(line.split()[1]) for line in lines]
        acknowledged += len(batches)
        for b in batches:
            apply(model, b)
        got = observed(path)
        if got != model:  # the append in flight landed: whole
            in_flight = (batches[-1] + 1) if batches else round_no * 100_000
            apply(model, in_flight)
            assert got == model, "an acknowledged append is missing, or the one in flight is partial"
    assert acknowledged > 30, "the writer acknowledged too little to test anything"
