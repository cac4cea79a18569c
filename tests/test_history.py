"""History: connect(history=...), table.as_of(time) and db.snapshot(as_of=time)."""

import datetime as dt
import gc
import time

import numpy as np
import pytest

import embodb
from embodb._time import duration_micros, epoch_micros
from embodb.errors import InvalidInputError


def _pause():
    time.sleep(0.003)  # past the clock's millisecond resolution


def _moment():
    """A time after every write so far and before every later one."""
    _pause()
    t = time.time()
    _pause()
    return t


@pytest.fixture
def hdb(db_path):
    with embodb.connect(db_path, history="1h") as d:
        yield d


def _frames(db):
    t = db.create_table("frames", {"id": "int64", "label": "string", "x": "float64"}, primary_key="id")
    t.insert({"id": np.arange(10), "label": ["a"] * 10, "x": np.arange(10.0)})
    return t


def test_as_of_reads_each_past_state(hdb):
    t = _frames(hdb)
    t1 = _moment()
    t.update({"label": "b"}, where="id < 5")
    t2 = _moment()
    t.delete(where="id >= 8")
    t.insert({"id": [20], "label": ["c"], "x": [1.5]})
    t3 = _moment()

    assert len(t.as_of(t1)) == 10
    assert t.as_of(t1).where("label = 'b'").count() == 0
    assert t.as_of(t2).where("label = 'b'").count() == 5
    assert sorted(t.as_of(t2).to_numpy()["id"].tolist()) == list(range(10))
    assert sorted(t.as_of(t3).to_numpy()["id"].tolist()) == [0, 1, 2, 3, 4, 5, 6, 7, 20]
    assert t.as_of(t1).get(3)["label"] == "a"
    assert t.as_of(t2).get(9) is not None and t.as_of(t3).get(9) is None
    # The same state through a snapshot of the whole database.
    with hdb.snapshot(as_of=t2) as snap:
        assert snap["frames"].where("label = 'b'").count() == 5


def test_every_time_format_names_the_same_moment(hdb):
    t = _frames(hdb)
    t1 = _moment()
    t.delete(where="id < 3")
    when = dt.datetime.fromtimestamp(t1, dt.timezone.utc)
    forms = [
        t1,
        when,
        when.replace(tzinfo=None),  # naive: UTC
        when.astimezone(dt.timezone(dt.timedelta(hours=2))),
        when.isoformat(),
        when.replace(tzinfo=None).isoformat() + "Z",
        np.datetime64(int(t1 * 1e6), "us"),
    ]
    pd = pytest.importorskip("pandas")
    forms.append(pd.Timestamp(when))
    for form in forms:
        assert len(t.as_of(form)) == 10, form


def test_history_survives_reopen_and_compaction(db_path):
    with embodb.connect(db_path, history="1h") as db:
        t = _frames(db)
        t1 = _moment()
        t.update({"x": -1.0}, where="id = 1")
        db.compact()
    with embodb.connect(db_path, history="1h") as db:
        assert db["frames"].as_of(t1).get(1)["x"] == 1.0
        assert db["frames"].get(1)["x"] == -1.0
        db.compact()
        assert db["frames"].as_of(t1).get(1)["x"] == 1.0


def test_index_created_later_is_not_used_for_earlier_states(db_path):
    with embodb.connect(db_path, history="1h") as db:
        t = _frames(db)
        t1 = _moment()
        t.create_index("label")
        t.insert({"id": [30], "label": ["a"], "x": [0.0]})
        old = t.as_of(t1).where("label = 'a'")
        assert "index" not in old.explain()
        assert old.count() == 10
        assert "index" in t.where("label = 'a'").explain()
    with embodb.connect(db_path, history="1h") as db:
        # Index creation times are not stored: states before this open scan.
        old = db["frames"].as_of(t1).where("label = 'a'")
        assert "index" not in old.explain()
        assert old.count() == 10
        assert db["frames"].where("label = 'a'").count() == 11


def test_views_of_the_past_are_read_only(hdb):
    t = _frames(hdb)
    old = t.as_of(_moment())
    with pytest.raises(InvalidInputError, match="read-only"):
        old.insert({"id": [99], "label": ["z"], "x": [0.0]})
    with pytest.raises(InvalidInputError, match="read-only"):
        old.delete(where="id = 1")
    assert len(t) == 10


def test_a_view_pins_its_state_while_it_lives(db):
    t = _frames(db)  # no history: only the snapshot keeps old versions
    old = db.snapshot()["frames"]  # the snapshot object itself is dropped at once
    gc.collect()
    t.delete(where="id >= 0")
    db.compact()
    assert len(old) == 10
    assert len(t) == 0


def test_times_outside_the_window_are_refused(hdb):
    t = _frames(hdb)
    with pytest.raises(InvalidInputError, match="future"):
        t.as_of(time.time() + 60)
    with pytest.raises(InvalidInputError, match="history window"):
        t.as_of(time.time() - 2 * 3600)
    with pytest.raises(InvalidInputError, match="before history began"):
        t.as_of(time.time() - 600)  # inside the window, but before the database existed


def test_as_of_needs_history(db):
    db.create_table("t", {"a": "int64"})
    with pytest.raises(InvalidInputError, match="history is off"):
        db["t"].as_of(time.time())
    with pytest.raises(InvalidInputError, match="history is off"):
        db.snapshot(as_of=time.time())


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-40", [1], None, float("nan"), True, np.datetime64("NaT")])
def test_bad_times_are_refused(hdb, bad):
    t = _frames(hdb)
    with pytest.raises(InvalidInputError):
        t.as_of(bad) if bad is not None else epoch_micros(bad)


def test_durations():
    assert duration_micros("1h") == 3600 * 10**6
    assert duration_micros("1h30m") == 5400 * 10**6
    assert duration_micros(" 2 d ") == 2 * 86400 * 10**6
    assert duration_micros("250ms") == 250_000
    assert duration_micros(1.5) == 1_500_000
    assert duration_micros(dt.timedelta(minutes=2)) == 120 * 10**6
    assert duration_micros(None) == 0
    for bad in ["", "1 hour", "h", "-1h", -5, float("inf"), "1h x", [1], True]:
        with pytest.raises(InvalidInputError):
            duration_micros(bad)


def test_connect_refuses_bad_history(db_path):
    with pytest.raises(InvalidInputError, match="history"):
        embodb.connect(db_path, history="forever")


def test_a_time_between_two_quick_writes_sees_the_first(hdb):
    t = _frames(hdb)
    t.insert({"id": [100], "label": ["x"], "x": [0.0]})
    t1 = time.time()
    t.insert({"id": [101], "label": ["y"], "x": [0.0]})
    # t1 may share the microsecond of the second write's start: then either
    # state is right. Never a state without the first write.
    n = len(t.as_of(t1))
    assert n in (11, 12)
