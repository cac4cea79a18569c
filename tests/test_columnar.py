"""Tables after flush and compaction: rows stored column by column, read by
the columns a query needs, blocks skipped by their chunks' statistics, and
the same answers as before the layout changed."""
import numpy as np
import pytest

import embodb


@pytest.fixture
def frames(tmp_path):
    db = embodb.connect(str(tmp_path / "db"))
    t = db.create_table("frames", {"id": "int64", "ts": "timestamp", "episode": "int32", "speed": "float64",
                                   "label": "string"}, primary_key="id")
    n = 50_000
    rng = np.random.default_rng(3)
    data = {"id": np.arange(n), "ts": np.arange(n, dtype=np.int64) * 50_000_000, "episode": np.arange(n) // 1000,
            "speed": np.round(rng.random(n) * 3, 2), "label": [("cup", "mug", None)[i % 3] for i in range(n)]}
    t.insert(data)
    yield db, t, data
    db.close()


def test_answers_are_the_same_before_and_after_compaction(frames):
    db, t, data = frames
    queries = ["episode = 7", "speed < 0.05 AND label = 'mug'", "label IS NULL AND id >= 40000", "ts < 0",
               "episode IN (3, 49) OR speed > 2.98"]
    before = {q: t.where(q).to_numpy() for q in queries}
    db.flush()
    db.compact()
    for q in queries:
        after = t.where(q).to_numpy()
        for c in before[q]:
            np.testing.assert_array_equal(before[q][c], after[c], err_msg=q)


def test_explain_analyze_reports_chunks_read_and_skipped(frames):
    db, t, _ = frames
    db.flush()
    db.compact()
    q = t.where("episode = 7").select("speed")
    text = q.explain(analyze=True)
    assert "read episode for the filter, then speed for the rows that pass" in text
    read = int(text.split(" column chunks decoded")[0].split()[-1])
    skipped = int(text.split(" skipped;")[0].split()[-1])
    assert read >= 2 and skipped > 10 * read, text
    assert "0 rows read whole" in text
    assert len(q.to_numpy()["speed"]) == 1000

    full = t.query().select("speed").explain(analyze=True)
    assert ", 0 skipped;" in full and "0 skipped by their statistics" in full


def test_recent_writes_are_read_whole_and_merged(frames):
    db, t, data = frames
    db.flush()
    db.compact()
    t.update({"episode": 999}, where="id IN (5, 6)")
    t.delete(keys=[7])
    text = t.where("episode = 999").explain(analyze=True)
    assert "2 rows read whole" in text
    assert t.where("episode = 999").to_numpy()["id"].tolist() == [5, 6]
    assert t.where("episode = 0").count() == 997


@pytest.mark.parametrize("descending", [False, True])
def test_top_k_skips_blocks_yet_finds_the_same_rows(tmp_path, descending):
    db = embodb.connect(str(tmp_path / "db"))
    t = db.create_table("t", {"id": "int64", "v": "float64", "n": "int32"}, primary_key="id")
    n = 20_000
    rng = np.random.default_rng(5)
    v = np.round(rng.normal(size=n) * 100, 1) + np.arange(n) / 10  # rising, with noise and ties
    v[rng.integers(0, n, 50)] = np.nan
    nv = [None if i % 97 == 0 else int(x) for i, x in enumerate(rng.integers(-50, 50, n))]
    t.insert({"id": np.arange(n), "v": v, "n": nv})
    db.flush()
    db.compact()
    t.update({"v": -1e9 if descending else 1e9}, where="id = 19999")  # a newer version shadows a block's row
    t.update({"n": 10_000 if descending else -10_000}, where="id = 3")

    def reference(col, k):
        rows = t.select("id", col).to_list()
        present = [r for r in rows if r[col] is not None]
        nulls = [r for r in rows if r[col] is None]
        if col == "v":
            nan = [r for r in present if np.isnan(r[col])]
            num = [r for r in present if not np.isnan(r[col])]
            num.sort(key=lambda r: (-r[col] if descending else r[col], r["id"]))
            ordered = (nan + num) if descending else (num + nan)
        else:
            ordered = sorted(present, key=lambda r: (-r[col] if descending else r[col], r["id"]))
        return [r["id"] for r in (ordered + nulls)[:k]]

    for col in ("v", "n"):
        for k in (1, 3, 10, 100):
            q = t.query().order_by(col, descending=descending).limit(k)
            assert q.select("id").to_numpy()["id"].tolist() == reference(col, k), (col, k)


def test_counts_and_extremes_come_from_statistics_and_agree_with_decoding(tmp_path):
    db = embodb.connect(str(tmp_path / "db"))
    t = db.create_table("imu", {"id": "int64", "ts": "timestamp", "episode": "int32", "gx": "float64",
                                "n": "int16", "f": "float32"}, primary_key="id")
    n = 30_000
    rng = np.random.default_rng(9)
    gx = rng.normal(size=n)
    gx[[5, 20_000]] = np.nan
    t.insert({"id": np.arange(n), "ts": np.arange(n) * 10_000_000, "episode": np.arange(n) // 2500,
              "gx": gx, "n": [None if i % 7 == 0 else i % 1000 for i in range(n)],
              "f": rng.normal(size=n).astype(np.float32)})
    db.flush()
    db.compact()
    t.update({"gx": 99.0}, where="id = 12345")  # a newer version: its block is decoded
    aggs = dict(rows="count()", values="count(n)", lo="min(gx)", hi="max(gx)", nlo="min(n)", nhi="max(n)",
                flo="min(f)", fhi="max(f)", first_ts="min(ts)", last_ts="max(ts)")
    def run(where, keys):
        q = t.query() if where is None else t.query().where(where)
        if not keys:
            return q.agg(**aggs).to_list()
        named = {k[0]: k[1] for k in keys if isinstance(k, tuple)}
        return q.group_by(*[k for k in keys if isinstance(k, str)], **named).agg(**aggs).to_list()

    for keys in ([], ["episode"], [("sec", "time_bucket(ts, '10s')")]):
        fast, decoded = run(None, keys), run("id >= 0", keys)  # a filter: every block decoded
        assert len(fast) == len(decoded) > 0
        for a, b in zip(fast, decoded):
            for k in a:
                x, y = a[k], b[k]
                assert (x == y) or (isinstance(x, float) and np.isnan(x) and np.isnan(y)), (keys, k, x, y)
    whole = t.query().agg(hi="max(gx)", c="count()").to_list()[0]
    assert np.isnan(whole["hi"]) and whole["c"] == n  # NaN is above every number
    assert t.query().max("ts") == np.datetime64((n - 1) * 10_000_000, "ns")


def test_a_result_says_what_its_scan_read(frames):
    db, t, _ = frames
    db.flush()
    db.compact()
    res = t.where("episode = 7").select("speed").execute()
    s = res.read_stats
    assert s["filter_columns"] == ["episode"]
    assert s["chunks_read"] >= 2 and s["runs_skipped"] > 10 and s["rows_read_whole"] == 0
    assert len(res.to_numpy()["speed"]) == 1000
    assert t.query().order_by("id").limit(3).execute().read_stats is None  # a sorted query: no single scan
