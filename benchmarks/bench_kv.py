"""Key-value benchmark: embodb against sqlite3, RocksDB (rocksdict) and LMDB,
all in one run on the same data, printing ratios (embodb / peer throughput;
above 1 means embodb is faster).

    python benchmarks/bench_kv.py [--n 1000000] [--only fill,read,...]

Workloads (16-byte keys, 100-byte values, batches of 1,000 unless noted):
  fill_seq, fill_random   batched writes; embodb durability="group", sqlite
                          synchronous=NORMAL, rocksdict default WAL, LMDB sync=False
  read_random             get_many of 1,000 random keys after compaction
                          (sqlite: one SELECT ... IN (...) per batch)
  scan                    range scans of 10,000 keys from random starts
  sync_commits            durable single-key commits with 1 and 4 threads
                          (embodb "sync", sqlite FULL, rocksdict sync=True, LMDB sync)
  values_64k              5,000 values of 64 KiB: write in batches of 10, read all
  compaction              full compaction of the random fill, 1 vs 2 TBB threads
  wal_replay              reopen after SIGKILL left 256 MiB of WAL to replay
  memory                  resident memory while writing 10M keys under a budget
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import embodb

try:
    import rocksdict
except ImportError:  # pragma: no cover
    rocksdict = None
try:
    import lmdb
except ImportError:  # pragma: no cover
    lmdb = None

BATCH = 1000
RESULTS: dict = {}


def now() -> float:
    return time.perf_counter()


def make_values(n: int, size: int, seed: int) -> list[bytes]:
    """Half-compressible values, like LevelDB's db_bench."""
    rng = random.Random(seed)
    pool = bytes(rng.getrandbits(8) for _ in range(size // 2 + 4096))
    out = []
    for i in range(n):
        off = (i * 7919) % 4096
        out.append(pool[off:off + size // 2] + bytes(size - size // 2))
    return out


# ---------------------------------------------------------------- engines

class Embodb:
    name = "embodb"

    def __init__(self, path, durability="group", **opts):
        self.db = embodb.connect(path, durability=durability, **opts)
        self.kv = self.db.kv

    def write_batch(self, keys, values):
        self.kv.put_many(keys, values)

    def get_many(self, keys):
        return self.kv.get_many(keys)

    def scan(self, start, n):
        return sum(1 for _ in itertools.islice(self.kv.scan(start=start), n))

    def put_durable(self, key, value):
        self.kv.put(key, value, durability="sync")

    def compact(self):
        self.db.compact()

    def close(self):
        self.db.close()


class Sqlite:
    name = "sqlite3"

    def __init__(self, path, synchronous="NORMAL"):
        self.path = path + ".sqlite"
        self.synchronous = synchronous
        self.con = self._connect()
        self.con.execute("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID")
        self.con.commit()
        self.local = threading.local()

    def _connect(self):
        con = sqlite3.connect(self.path, check_same_thread=False, timeout=60, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute(f"PRAGMA synchronous={self.synchronous}")
        return con

    def write_batch(self, keys, values):
        self.con.execute("BEGIN")
        self.con.executemany("INSERT OR REPLACE INTO kv VALUES (?, ?)", zip(keys, values))
        self.con.execute("COMMIT")

    def get_many(self, keys):
        q = "SELECT k, v FROM kv WHERE k IN (%s)" % ",".join("?" * len(keys))
        return self.con.execute(q, keys).fetchall()

    def scan(self, start, n):
        return len(self.con.execute("SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT ?", (start, n)).fetchall())

    def put_durable(self, key, value):
        con = getattr(self.local, "con", None)
        if con is None:
            con = self.local.con = self._connect()
        con.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", (key, value))

    def compact(self):
        pass

    def close(self):
        self.con.close()


class Rocks:
    name = "rocksdict"

    def __init__(self, path):
        opts = rocksdict.Options(raw_mode=True)
        opts.create_if_missing(True)
        self.db = rocksdict.Rdict(path + ".rocks", options=opts)
        self.sync_opt = rocksdict.WriteOptions()
        self.sync_opt.sync = True

    def write_batch(self, keys, values):
        wb = rocksdict.WriteBatch(raw_mode=True)
        for k, v in zip(keys, values):
            wb.put(k, v)
        self.db.write(wb)

    def get_many(self, keys):
        return self.db.get(keys)

    def scan(self, start, n):
        return sum(1 for _ in itertools.islice(self.db.items(from_key=start), n))

    def put_durable(self, key, value):
        self.db.put(key, value, self.sync_opt)

    def compact(self):
        self.db.compact_range(None, None)

    def close(self):
        self.db.close()


class Lmdb:
    name = "lmdb"

    def __init__(self, path, sync=False):
        self.env = lmdb.open(path + ".lmdb", map_size=64 << 30, sync=sync, metasync=sync,
                             writemap=False, max_spare_txns=8, lock=True)

    def write_batch(self, keys, values):
        with self.env.begin(write=True) as txn:
            txn.cursor().putmulti(zip(keys, values))

    def get_many(self, keys):
        with self.env.begin() as txn:
            return list(txn.cursor().getmulti(keys))

    def scan(self, start, n):
        with self.env.begin() as txn:
            cur = txn.cursor()
            cur.set_range(start)
            return sum(1 for _ in itertools.islice(cur.iternext(), n))

    def put_durable(self, key, value):
        with self.env.begin(write=True) as txn:
            txn.put(key, value)

    def compact(self):
        pass

    def close(self):
        self.env.close()


def engines(tmp, durable=False):
    out = [Embodb(os.path.join(tmp, "embodb"), durability="sync" if durable else "group"),
           Sqlite(os.path.join(tmp, "sqlite"), "FULL" if durable else "NORMAL")]
    if rocksdict:
        out.append(Rocks(os.path.join(tmp, "rocks")))
    if lmdb:
        out.append(Lmdb(os.path.join(tmp, "lmdb"), sync=durable))
    return out


# ---------------------------------------------------------------- reporting

def report(workload, unit, results):
    """results: {engine: ops per second}. Prints ratios embodb/peer."""
    base = results.get("embodb")
    print(f"\n{workload} ({unit}/s)")
    for name, rate in results.items():
        ratio = "" if name == "embodb" or not rate else f"  embodb/{name} = {base / rate:5.2f}x"
        print(f"  {name:<10} {rate:14,.0f}{ratio}")
    RESULTS[workload] = {"unit": unit, "rates": results}


# ---------------------------------------------------------------- workloads

def fill(dbs, keys, values) -> dict:
    """Writes keys/values into every engine in batches; keys per second each."""
    rates = {}
    for db in dbs:
        t = now()
        for i in range(0, len(keys), BATCH):
            db.write_batch(keys[i:i + BATCH], values[i:i + BATCH])
        rates[db.name] = len(keys) / (now() - t)
    return rates


def bench_fills_reads_scans(tmp, n, only):
    keys_seq = [b"%016d" % i for i in range(n)]
    keys_rand = keys_seq[:]
    random.Random(1).shuffle(keys_rand)
    values = make_values(n, 100, 2)
    if "fill" in only:
        dbs = engines(os.path.join(tmp, "fill_seq"))
        report("fill_seq (batches of 1,000)", "keys", fill(dbs, keys_seq, values))
        for db in dbs:
            db.close()

    # The random fill also builds the databases that reads and scans use.
    dbs = engines(os.path.join(tmp, "fill_random"))
    rates = fill(dbs, keys_rand, values)
    if "fill" in only:
        report("fill_random (batches of 1,000)", "keys", rates)

    for db in dbs:
        db.compact()
    rng = random.Random(3)
    if "read" in only:
        rounds = max(20, min(300, n // 3000))
        batches = [rng.sample(keys_seq, BATCH) for _ in range(rounds)]
        rates = {}
        for db in dbs:
            db.get_many(batches[0])  # warm up
            t = now()
            for b in batches:
                got = db.get_many(b)
            rates[db.name] = rounds * BATCH / (now() - t)
            assert len(got) == BATCH
        report("read_random after compaction (get_many of 1,000)", "keys", rates)
    if "scan" in only:
        starts = [keys_seq[rng.randrange(max(1, n - 10000))] for _ in range(30)]
        rates = {}
        for db in dbs:
            t = now()
            total = sum(db.scan(s, 10000) for s in starts)
            rates[db.name] = total / (now() - t)
        report("scan (10,000 keys from random starts)", "keys", rates)
    for db in dbs:
        db.close()


def bench_sync_commits(tmp, per_thread, rounds=3):
    """Durable commits with 1 and 4 threads. The fsync latency of this disk
    drifts over seconds, so the 1- and 4-thread runs alternate for `rounds`
    rounds and each rate is the median of its rounds."""
    dbs = engines(os.path.join(tmp, "sync"), durable=True)
    value = b"v" * 100
    samples = {1: {db.name: [] for db in dbs}, 4: {db.name: [] for db in dbs}}
    for r in range(rounds):
        for threads in (1, 4):
            for db in dbs:
                def work(t, db=db, r=r, threads=threads):
                    for i in range(per_thread):
                        db.put_durable(b"r%d-t%d-%d-%08d" % (r, threads, t, i), value)
                ths = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
                start = now()
                for th in ths:
                    th.start()
                for th in ths:
                    th.join()
                samples[threads][db.name].append(threads * per_thread / (now() - start))
    results = {}
    for threads in (1, 4):
        results[threads] = {name: statistics.median(v) for name, v in samples[threads].items()}
        report(f"sync_commits, {threads} thread{'s' if threads > 1 else ''} (median of {rounds} rounds)",
               "commits", results[threads])
    print("\n  4 threads / 1 thread (group commit), median rates; per round:")
    for name in results[1]:
        per_round = ", ".join(f"{f / o:.2f}x" for o, f in zip(samples[1][name], samples[4][name]))
        print(f"  {name:<10} {results[4][name] / results[1][name]:5.2f}x   ({per_round})")
    RESULTS["sync_commits_scaling"] = {k: results[4][k] / results[1][k] for k in results[1]}
    for db in dbs:
        db.close()


def bench_values_64k(tmp, count):
    rng = random.Random(4)
    values = [rng.randbytes(64 << 10) for _ in range(50)]
    keys = [b"blob%08d" % i for i in range(count)]
    dbs = engines(os.path.join(tmp, "v64k"))
    wrates, rrates = {}, {}
    order = keys[:]
    rng.shuffle(order)
    for db in dbs:
        t = now()
        for i in range(0, count, 10):
            db.write_batch(keys[i:i + 10], [values[j % 50] for j in range(i, i + 10)])
        wrates[db.name] = count * (64 << 10) / (now() - t) / 1e6
        t = now()
        for i in range(0, count, 100):
            got = db.get_many(order[i:i + 100])
        rrates[db.name] = count * (64 << 10) / (now() - t) / 1e6
        assert got
    report("values_64k write (batches of 10)", "MB", wrates)
    report("values_64k random read (get_many of 100)", "MB", rrates)
    for db in dbs:
        db.close()


def bench_compaction(tmp, n):
    keys = [b"%016d" % i for i in range(n)]
    random.Random(5).shuffle(keys)
    values = make_values(n, 100, 6)
    times = {}
    for threads in (1, 2):
        # A large write buffer keeps the fill to a few L0 files, so both runs
        # compact the same data in one full compaction.
        db = embodb.connect(os.path.join(tmp, f"compact{threads}"), durability="off",
                            compaction_threads=threads, write_buffer_size=48 << 20)
        for i in range(0, n, BATCH):
            db.kv.put_many(keys[i:i + BATCH], values[i:i + BATCH])
        db.flush()
        t = now()
        db.compact()
        times[threads] = now() - t
        db.close()
    print(f"\ncompaction of {n:,} random keys: 1 thread {times[1]:.2f} s, 2 threads {times[2]:.2f} s, "
          f"2/1 = {times[2] / times[1]:.2f}")
    RESULTS["compaction"] = {"seconds_1_thread": times[1], "seconds_2_threads": times[2],
                             "ratio": times[2] / times[1]}


WAL_CHILD = r"""
import os, sys, embodb
path, target = sys.argv[1], int(sys.argv[2])
db = embodb.connect(path, durability="group", write_buffer_size=1 << 30)
def wal_bytes():
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path) if f.endswith(".log"))
i, val = 0, bytes(range(256)) * 4
while i % 100000 or wal_bytes() < target:
    keys = [b"%016d" % j for j in range(i, i + 1000)]
    db.kv.put_many(keys, [val[:100]] * 1000)
    i += 1000
db.sync()
print(i, flush=True)
sys.stdin.read()
"""


def bench_wal_replay(tmp, megabytes):
    path = os.path.join(tmp, "wal_replay")
    with subprocess.Popen([sys.executable, "-c", WAL_CHILD, path, str(megabytes << 20)],
                          stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True) as child:
        count = int(child.stdout.readline())
        child.send_signal(signal.SIGKILL)
        child.wait()
    wal = sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path) if f.endswith(".log"))
    t = now()
    db = embodb.connect(path, write_buffer_size=1 << 30)
    elapsed = now() - t
    assert db.kv.get(b"%016d" % (count - 1)) is not None
    db.close()
    print(f"\nwal_replay: reopen after SIGKILL with {wal / 2**20:.0f} MiB of WAL "
          f"({count:,} keys): {elapsed:.2f} s")
    RESULTS["wal_replay"] = {"wal_mib": wal / 2**20, "seconds": elapsed}


MEM_CHILD = r"""
import os, sys, threading, time, embodb
path, n, budget = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
base = rss()
peak = [0]
stop = threading.Event()
def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.02)
th = threading.Thread(target=sample); th.start()
db = embodb.connect(path, durability="off", memory_budget=budget)
val = bytes(100)
t = time.perf_counter()
for i in range(0, n, 1000):
    db.kv.put_many([b"%016d" % ((j * 2654435761) % n) for j in range(i, i + 1000)], [val] * 1000)
db.close()
stop.set(); th.join()
print(base, peak[0], time.perf_counter() - t)
"""


def bench_memory(tmp, n, budget_mb):
    out = subprocess.run([sys.executable, "-c", MEM_CHILD, os.path.join(tmp, "memory"), str(n),
                          str(budget_mb << 20)], capture_output=True, text=True, check=True).stdout
    base, peak, secs = out.split()
    base, peak = int(base), int(peak)
    grown = (peak - base) / 2**20
    print(f"\nmemory: {n:,} keys with memory_budget={budget_mb} MiB in {float(secs):.1f} s: "
          f"peak RSS {peak / 2**20:.0f} MiB, {grown:.0f} MiB above the interpreter's {base / 2**20:.0f} MiB "
          f"(limit: budget + 64 = {budget_mb + 64} MiB)")
    RESULTS["memory"] = {"keys": n, "budget_mib": budget_mb, "growth_mib": grown}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="keys for fills, reads, scans, compaction")
    parser.add_argument("--sync-commits", type=int, default=2000, help="durable commits per thread")
    parser.add_argument("--blobs", type=int, default=5000, help="64 KiB values")
    parser.add_argument("--wal-mib", type=int, default=256)
    parser.add_argument("--memory-keys", type=int, default=10_000_000)
    parser.add_argument("--memory-budget-mib", type=int, default=256)
    parser.add_argument("--only", default="fill,read,scan,sync,v64k,compaction,wal,memory")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--dir", help="work directory (default: a temporary one)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    tmp = args.dir or tempfile.mkdtemp(prefix="embodb_bench_")
    os.makedirs(tmp, exist_ok=True)
    print(f"embodb {embodb.__version__}; peers: sqlite3 {sqlite3.sqlite_version}, "
          f"rocksdict {'yes' if rocksdict else 'missing'}, lmdb {lmdb.version() if lmdb else 'missing'}; "
          f"{os.cpu_count()} CPUs; n = {args.n:,}")
    try:
        if only & {"fill", "read", "scan"}:
            bench_fills_reads_scans(tmp, args.n, only)
        if "sync" in only:
            bench_sync_commits(tmp, args.sync_commits)
        if "v64k" in only:
            bench_values_64k(tmp, args.blobs)
        if "compaction" in only:
            bench_compaction(tmp, args.n)
        if "wal" in only:
            bench_wal_replay(tmp, args.wal_mib)
        if "memory" in only:
            bench_memory(tmp, args.memory_keys, args.memory_budget_mib)
    finally:
        if not args.dir:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(RESULTS, f, indent=2)


if __name__ == "__main__":
    main()
