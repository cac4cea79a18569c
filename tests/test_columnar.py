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
