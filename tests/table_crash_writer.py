"""Child process of test_table_crash.py: commits transactions on a table with
secondary indexes, with durability="sync", and reports each acknowledged
commit in ACK_FILE until it is killed.

The table has an HNSW index on its vectors too (an update moves them), a
spatial index on its points and one over its point clouds placed by a pose
(pos and ori: an update of pos moves the cloud's points).

Usage: python table_crash_writer.py DB_PATH ROUND SEED ACK_FILE
Each transaction writes one group: "G <group>" after inserting group_size(group)
rows whose column grp is the group, labelled "new-<group>"; "U <group> <label>" after relabelling
every row of a group; "D <group>" after deleting a group. A line is written
only after commit returned. In odd rounds, transactions of 8 KiB or more are
written straight into tables (bulk ingestion) instead of through the WAL.
"""

import random
import sys

import numpy as np

import embodb


def group_size(group: int) -> int:
    """How many rows a group has: derived from the group, so the checker knows it."""
    return random.Random(group).randint(1, 200)


def main() -> None:
    path, round_no, seed, ack_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    ingest = 8 << 10 if round_no % 2 else 32 << 20
    db = embodb.connect(path, durability="sync", write_buffer_size=128 << 10, target_file_size=128 << 10,
                        min_ingest_batch_size=ingest)
    if "t" not in db:
        t = db.create_table("t", {"grp": "int64", "label": "string", "emb": embodb.vector(8), "pos": embodb.point3(),
                                  "ori": embodb.vector(4), "cloud": embodb.pointcloud(3)})
        t.create_index("grp")
        t.create_index("label")
    if not any(ix.kind == "hnsw" for ix in db["t"].indexes):  # a kill may have come before it
        db["t"].create_index("emb", "hnsw", m=8, ef_construction=32)
    if not any(ix.kind == "spatial" and ix.column == "pos" for ix in db["t"].indexes):
        db["t"].create_index("pos", "spatial")
    if not any(ix.kind == "spatial" and ix.column == "cloud" for ix in db["t"].indexes):
        db["t"].create_index("cloud", "spatial", pose=("pos", "ori"))
    out = open(ack_file, "w", buffering=1)
    groups = []
    g = round_no * 1_000_000
    while True:
        action = rng.random()
        with db.transaction() as tx:
            t = tx["t"]
            if action < 0.7 or not groups:
                n = group_size(g)
                t.insert({"grp": np.full(n, g), "label": [f"new-{g}"] * n,
                          "emb": np.random.default_rng(g).random((n, 8), dtype=np.float32),
                          "pos": np.random.default_rng(g + 1).random((n, 3), dtype=np.float32) * 100,
                          "ori": np.tile(np.float32([0, 0, 0.6, 0.8]), (n, 1)),
                          "cloud": [np.random.default_rng(g + 2).random((4, 3), dtype=np.float32)] * n})
                line = f"G {g}"
                groups.append(g)
                g += 1
            elif action < 0.85:
                target = rng.choice(groups)
                label = f"re-{target}-{rng.randrange(1000)}"
                t.update({"label": label, "emb": np.full(8, target % 97, np.float32),
                          "pos": np.full(3, target % 89, np.float32)}, where=f"grp = {target}")
                line = f"U {target} {label}"
            else:
                target = groups.pop(rng.randrange(len(groups)))
                t.delete(where=f"grp = {target}")
                line = f"D {target}"
        out.write(line + "\n")


if __name__ == "__main__":
    main()
