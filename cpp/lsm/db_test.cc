#include "lsm/db.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "env/fault_injection_env.h"
#include "lsm/filename.h"
#include "testing/db_fixture.h"
#include "testing/test_util.h"

namespace embodb::lsm {

TEST_F(DBTest, PutGetDelete) {
  Open();
  EXPECT_EQ("NOT_FOUND", Get("a"));
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(Put("b", "2"));
  EXPECT_EQ("1", Get("a"));
  ASSERT_OK(Put("a", "3"));
  EXPECT_EQ("3", Get("a"));
  ASSERT_OK(Delete("a"));
  EXPECT_EQ("NOT_FOUND", Get("a"));
  EXPECT_EQ("2", Get("b"));
  ASSERT_OK(Put("", "empty key"));
  EXPECT_EQ("empty key", Get(""));
}

TEST_F(DBTest, ReadsSurviveFlushCompactionAndReopen) {
  Open();
  std::map<std::string, std::string> model;
  Random rnd(7);
  for (int i = 0; i < 20000; i++) {
    std::string k = Key(static_cast<int>(rnd.Uniform(5000)));
    if (rnd.OneIn(5)) {
      ASSERT_OK(Delete(k));
      model.erase(k);
    } else {
      std::string v = testing::RandomBytes(&rnd, rnd.Uniform(100));
      ASSERT_OK(Put(k, v));
      model[k] = v;
    }
  }
  EXPECT_GT(TotalTableFiles(), 0);  // small write buffer: flushes happened
  EXPECT_EQ(model, Scan());
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ(model, Scan());
  for (int i = 0; i < 5000; i += 37) {
    auto it = model.find(Key(i));
    EXPECT_EQ(it == model.end() ? "NOT_FOUND" : it->second, Get(Key(i)));
  }
  Reopen();
  EXPECT_EQ(model, Scan());
  auto stats = db_->GetStats();
  EXPECT_GT(stats.levels[1].files + stats.levels[2].files + stats.levels[3].files, 0);
}

TEST_F(DBTest, IteratorBothDirectionsMatchesModel) {
  Open();
  std::map<std::string, std::string> model;
  Random rnd(11);
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 3000; i++) {
      std::string k = Key(static_cast<int>(rnd.Uniform(1000)));
      if (rnd.OneIn(3)) {
        ASSERT_OK(Delete(k));
        model.erase(k);
      } else {
        ASSERT_OK(Put(k, std::to_string(i)));
        model[k] = std::to_string(i);
      }
    }
    if (round == 1) ASSERT_OK(db_->Flush());
  }
  auto it = db_->NewIterator(ReadOptions());
  // Backward from the end.
  auto mit = model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++mit) {
    ASSERT_TRUE(mit != model.rend());
    ASSERT_EQ(mit->first, it->key());
    ASSERT_EQ(mit->second, it->value());
  }
  EXPECT_TRUE(mit == model.rend());
  // Random seeks with direction changes.
  for (int i = 0; i < 500; i++) {
    std::string target = Key(static_cast<int>(rnd.Uniform(1100)));
    it->Seek(target);
    auto m = model.lower_bound(target);
    ASSERT_EQ(m != model.end(), it->Valid());
    if (m == model.end()) continue;
    ASSERT_EQ(m->first, it->key());
    if (m != model.begin()) {
      it->Prev();
      --m;
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(m->first, it->key());
      it->Next();
      ++m;
      ASSERT_EQ(m->first, it->key());
    }
  }
  it->SeekForPrev(Key(500));
  auto m = model.upper_bound(Key(500));
  ASSERT_TRUE(m != model.begin());
  --m;
  EXPECT_EQ(m->first, it->key());
}

TEST_F(DBTest, MultiGetFindsKeysAcrossMoreTablesThanItPins) {
  // More tables than a run of lookups keeps open (TablePins), overlapping
  // in L0 or cut small by compactions, so that lookups go back and forth.
  KeepTablesInL0();
  options_.target_file_size = 64 << 10;
  Open();
  std::map<std::string, std::string> model;
  for (int t = 0; t < 40; t++) {
    for (int i = t * 100; i < t * 100 + 150; i++) {
      const std::string v = "t" + std::to_string(t) + "-" + std::to_string(i) + std::string(900, 'v');
      ASSERT_OK(Put(Key(i), v));
      model[Key(i)] = v;
    }
    ASSERT_OK(db_->Flush());
  }
  int tables = 0;
  for (const auto& level : db_->GetStats().levels) tables += level.files;
  EXPECT_GT(tables, 16);
  std::vector<std::string> owned;
  for (int i = 0; i < 2000; i++) owned.push_back(Key((i * 7919) % 4100));
  std::vector<std::string_view> keys(owned.begin(), owned.end());
  std::vector<std::string> values;
  std::vector<Status> statuses;
  db_->MultiGet(ReadOptions(), keys, &values, &statuses);
  for (size_t i = 0; i < keys.size(); i++) {
    auto it = model.find(owned[i]);
    if (it == model.end()) {
      EXPECT_TRUE(statuses[i].IsNotFound()) << owned[i];
    } else {
      ASSERT_OK(statuses[i]);
      EXPECT_EQ(it->second, values[i]) << owned[i];
    }
  }
}

// MultiGet sorts its keys by the 8 bytes after their common prefix first:
// keys that tie there (longer shared parts, a key and its extension by 0x00,
// the empty key) and keys given twice still find their own values.
TEST_F(DBTest, MultiGetFindsKeysThatTieInTheirFirstBytes) {
  Open();
  std::map<std::string, std::string> model;
  Random rnd(5);
  const std::string base = "prefix/";
  std::vector<std::string> stored = {"", std::string(1, '\0'), base, base + std::string(1, '\0'), base + "a"};
  for (int i = 0; i < 300; i++) {
    std::string k = base + std::string(rnd.Uniform(12), 'x') + testing::RandomBytes(&rnd, rnd.Uniform(4));
    stored.push_back(k);
  }
  for (size_t i = 0; i < stored.size(); i++) {
    if (i % 3 == 0) continue;  // some are never written
    const std::string v = "v" + std::to_string(i);
    ASSERT_OK(Put(stored[i], v));
    model[stored[i]] = v;
    if (i == stored.size() / 2) ASSERT_OK(db_->Flush());  // half in a table, half in the memtable
  }
  std::vector<std::string> owned;
  for (int i = 0; i < 900; i++) owned.push_back(stored[rnd.Uniform(static_cast<uint32_t>(stored.size()))]);
  const std::vector<std::string_view> keys(owned.begin(), owned.end());
  std::vector<std::string> values;
  std::vector<Status> statuses;
  db_->MultiGet(ReadOptions(), keys, &values, &statuses);
  for (size_t i = 0; i < keys.size(); i++) {
    auto it = model.find(owned[i]);
    if (it == model.end()) {
      EXPECT_TRUE(statuses[i].IsNotFound()) << i;
    } else {
      ASSERT_OK(statuses[i]);
      EXPECT_EQ(it->second, values[i]) << i;
    }
  }
}

TEST_F(DBTest, MultiGetAgreesWithTheModelAtEverySnapshot) {
  // Versions of the same keys in the memtable, in overlapping L0 files and
  // in deeper levels, read at several snapshots: each table takes its keys in
  // windows that mix hits, misses, deletions and versions too new to see.
  KeepTablesInL0();
  options_.write_buffer_size = 64 << 10;
  Open();
  std::map<std::string, std::string> model;
  std::vector<std::pair<SequenceNumber, std::map<std::string, std::string>>> snapshots;
  Random rnd(11);
  for (int round = 0; round < 6; round++) {
    for (int i = 0; i < 3000; i++) {
      const std::string k = Key(static_cast<int>(rnd.Uniform(4000)));
      if (rnd.OneIn(4)) {
        ASSERT_OK(Delete(k));
        model.erase(k);
      } else {
        // Some values go to blob files.
        const std::string v = testing::RandomBytes(&rnd, rnd.OneIn(20) ? 1500 : rnd.Uniform(300));
        ASSERT_OK(Put(k, v));
        model[k] = v;
      }
    }
    if (round == 2) ASSERT_OK(db_->CompactAll());
    snapshots.emplace_back(db_->GetSnapshot(), model);
  }
  int levels_used = 0;
  for (const auto& level : db_->GetStats().levels) levels_used += level.files > 0;
  EXPECT_GE(levels_used, 2);
  std::vector<std::string> owned;
  for (int i = 0; i < 4500; i++) owned.push_back(Key(static_cast<int>(rnd.Uniform(4500))));
  const std::vector<std::string_view> keys(owned.begin(), owned.end());
  snapshots.emplace_back(0, model);  // 0: read the latest state
  for (const auto& [snapshot, expected] : snapshots) {
    ReadOptions options;
    if (snapshot != 0) options.snapshot = snapshot;
    std::vector<std::string> values;
    std::vector<Status> statuses;
    db_->MultiGet(options, keys, &values, &statuses);
    for (size_t i = 0; i < keys.size(); i++) {
      auto it = expected.find(owned[i]);
      if (it == expected.end()) {
        ASSERT_TRUE(statuses[i].IsNotFound()) << owned[i] << " at " << snapshot << ": " << statuses[i].ToString();
      } else {
        ASSERT_OK(statuses[i]);
        ASSERT_EQ(it->second, values[i]) << owned[i] << " at " << snapshot;
      }
    }
  }
  for (const auto& entry : snapshots) {
    if (entry.first != 0) db_->ReleaseSnapshot(entry.first);
  }
}

TEST_F(DBTest, SnapshotsSeeTheirPointInTime) {
  Open();
  ASSERT_OK(Put("k", "v1"));
  SequenceNumber s1 = db_->GetSnapshot();
  ASSERT_OK(Put("k", "v2"));
  ASSERT_OK(Delete("gone"));
  SequenceNumber s2 = db_->GetSnapshot();
  ASSERT_OK(Delete("k"));
  for (int i = 0; i < 3000; i++) ASSERT_OK(Put(Key(i), std::string(100, 'x')));
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ("v1", Get("k", s1));
  EXPECT_EQ("v2", Get("k", s2));
  EXPECT_EQ("NOT_FOUND", Get("k"));
  EXPECT_EQ(1u, Scan(s1).size());
  db_->ReleaseSnapshot(s1);
  db_->ReleaseSnapshot(s2);
  ASSERT_OK(db_->CompactAll());
  EXPECT_EQ("NOT_FOUND", Get("k"));
}

TEST_F(DBTest, WriteBatchIsAtomicAndOrdered) {
  Open();
  WriteBatch b;
  b.Put("a", "1");
  b.Put("b", "2");
  b.Delete("a");
  b.Put("c", "3");
  ASSERT_OK(db_->Write(WriteOptions(), &b));
  EXPECT_EQ("NOT_FOUND", Get("a"));
  EXPECT_EQ("2", Get("b"));
  EXPECT_EQ("3", Get("c"));
}

TEST_F(DBTest, LargeValuesGoToBlobFilesAndSurvive) {
  Open();
  std::map<std::string, std::string> model;
  Random rnd(3);
  for (int i = 0; i < 200; i++) {
    std::string v = testing::RandomBytes(&rnd, 1000 + rnd.Uniform(20000));
    ASSERT_OK(Put(Key(i), v));
    model[Key(i)] = v;
  }
  ASSERT_OK(db_->Flush());
  EXPECT_GT(db_->GetStats().blob_files, 0);
  EXPECT_EQ(model, Scan());
  EXPECT_EQ(model[Key(17)], Get(Key(17)));
  Reopen();
  EXPECT_EQ(model, Scan());
}

TEST_F(DBTest, BlobGarbageIsCollected) {
  options_.write_buffer_size = 4 << 20;  // one flush, so one blob file, per round
  options_.blob_file_merge_size = 0;     // this test is about garbage, not merging
  Open();
  for (int round = 0; round < 4; round++) {
    for (int i = 0; i < 100; i++) ASSERT_OK(Put(Key(i), std::string(5000, static_cast<char>('a' + round))));
    ASSERT_OK(db_->Flush());
  }
  ASSERT_OK(db_->CompactAll());
  ASSERT_OK(db_->CompactAll());
  auto stats = db_->GetStats();
  // Only the newest round's blobs are live; older blob files are gone.
  EXPECT_EQ(1, stats.blob_files);
  EXPECT_EQ(std::string(5000, 'd'), Get(Key(42)));
  std::vector<std::string> children;
  ASSERT_OK(fault_env_.GetChildren(dbname_, &children));
  int blob_files_on_disk = 0;
  for (const auto& c : children) blob_files_on_disk += c.find(".blob") != std::string::npos;
  EXPECT_EQ(1, blob_files_on_disk);
  // Deleting 60% of the keys: the first compaction drops their references and
  // learns the garbage; the second relocates the live 40% out of the file.
  for (int i = 0; i < 60; i++) ASSERT_OK(Delete(Key(i)));
  ASSERT_OK(db_->CompactAll());
  EXPECT_GT(db_->GetStats().blob_garbage_bytes, 0u);
  ASSERT_OK(db_->CompactAll());
  stats = db_->GetStats();
  EXPECT_GT(stats.blobs_relocated, 0u);
  EXPECT_EQ(1, stats.blob_files);
  EXPECT_EQ(0u, stats.blob_garbage_bytes);
  EXPECT_EQ(std::string(5000, 'd'), Get(Key(99)));
  EXPECT_EQ("NOT_FOUND", Get(Key(5)));
}

TEST_F(DBTest, SyncedWritesSurvivePowerLoss) {
  Open();
  for (int i = 0; i < 100; i++) ASSERT_OK(Put(Key(i), "synced", Durability::kSync));
  for (int i = 100; i < 200; i++) ASSERT_OK(Put(Key(i), "unsynced", Durability::kOff));
  PowerLossAndReopen();
  for (int i = 0; i < 100; i++) ASSERT_EQ("synced", Get(Key(i))) << i;
  // Unsynced writes may or may not survive, but never partially: each is whole.
  for (int i = 100; i < 200; i++) {
    std::string v = Get(Key(i));
    ASSERT_TRUE(v == "unsynced" || v == "NOT_FOUND") << v;
  }
  // And the database keeps working after recovery.
  ASSERT_OK(Put("after", "x", Durability::kSync));
  PowerLossAndReopen();
  EXPECT_EQ("x", Get("after"));
  EXPECT_EQ("synced", Get(Key(5)));
}

TEST_F(DBTest, PowerLossAcrossFlushesAndCompactions) {
  Open();
  std::map<std::string, std::string> synced;
  Random rnd(99);
  for (int round = 0; round < 6; round++) {
    for (int i = 0; i < 3000; i++) {
      std::string k = Key(static_cast<int>(rnd.Uniform(4000)));
      std::string v = std::to_string(round) + ":" + std::to_string(i) + std::string(rnd.Uniform(300), 'v');
      ASSERT_OK(Put(k, v, Durability::kSync));
      synced[k] = v;
    }
    PowerLossAndReopen();
    ASSERT_EQ(synced, Scan()) << "round " << round;
  }
  // The rounds wrote several write buffers each: tables were flushed and
  // compacted out of L0 between the power losses.
  auto stats = db_->GetStats();
  int deeper = 0;
  for (int level = 1; level < kNumLevels; level++) deeper += stats.levels[level].files;
  EXPECT_GT(deeper, 0);
}

TEST_F(DBTest, FailedSyncIsReportedAndNothingIsAcknowledged) {
  Open();
  ASSERT_OK(Put("a", "1", Durability::kSync));
  fault_env_.FailNthSync(1);
  Status s = Put("b", "2", Durability::kSync);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  // The database refuses further writes rather than guess what is durable.
  EXPECT_FALSE(Put("c", "3", Durability::kSync).ok());
  EXPECT_EQ("1", Get("a"));
  db_.reset();
  Open();
  EXPECT_EQ("1", Get("a"));
  ASSERT_OK(Put("c", "3", Durability::kSync));
}

TEST_F(DBTest, DiskFullIsAnIOError) {
  Open();
  ASSERT_OK(Put("a", "1", Durability::kSync));
  fault_env_.SetDiskFull(true);
  Status s = Put("b", std::string(100000, 'x'), Durability::kSync);
  EXPECT_TRUE(s.IsIOError());
  EXPECT_EQ(ENOSPC, s.sys_errno());
  fault_env_.SetDiskFull(false);
  db_.reset();
  Open();
  EXPECT_EQ("1", Get("a"));
  EXPECT_EQ("NOT_FOUND", Get("b"));
}

TEST_F(DBTest, SecondOpenIsLocked) {
  Open();
  auto second = DB::Open(options_, dbname_);
  EXPECT_TRUE(second.status().IsLocked()) << second.status().ToString();
  ASSERT_OK(db_->Close());
  auto third = DB::Open(options_, dbname_);
  EXPECT_OK(third.status());
}

TEST_F(DBTest, ClosedDatabaseRefusesCalls) {
  Open();
  ASSERT_OK(db_->Close());
  EXPECT_TRUE(Put("a", "b").IsAborted());
  std::string v;
  EXPECT_TRUE(db_->Get(ReadOptions(), "a", &v).IsAborted());
  ASSERT_OK(db_->Close());
}

TEST_F(DBTest, CorruptTableIsReportedNotMisread) {
  Open();
  for (int i = 0; i < 2000; i++) ASSERT_OK(Put(Key(i), "value" + std::to_string(i)));
  ASSERT_OK(db_->CompactAll());
  ASSERT_OK(db_->Close());
  db_.reset();
  std::vector<std::string> children;
  ASSERT_OK(mem_env_->GetChildren(dbname_, &children));
  for (const auto& c : children) {
    if (c.find(".sst") == std::string::npos) continue;
    std::string data;
    ASSERT_OK(ReadFileToString(mem_env_.get(), dbname_ + "/" + c, &data));
    data[data.size() / 3] ^= 0x40;
    ASSERT_OK(WriteStringToFile(mem_env_.get(), data, dbname_ + "/" + c, false));
  }
  Open();
  int corrupt = 0;
  for (int i = 0; i < 2000; i++) {
    std::string v = Get(Key(i));
    if (v.rfind("ERROR: Corruption", 0) == 0) {
      corrupt++;
    } else {
      ASSERT_EQ("value" + std::to_string(i), v);
    }
  }
  EXPECT_GT(corrupt, 0);
  auto it = db_->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  EXPECT_TRUE(it->status().IsCorruption());
}

TEST_F(DBTest, CorruptManifestFailsOpen) {
  Open();
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(Put("b", "2"));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Close());
  db_.reset();
  std::string current;
  ASSERT_OK(ReadFileToString(mem_env_.get(), CurrentFileName(dbname_), &current));
  const std::string manifest = dbname_ + "/" + current.substr(0, current.size() - 1);
  std::string data;
  ASSERT_OK(ReadFileToString(mem_env_.get(), manifest, &data));
  data[10] ^= 0x01;
  ASSERT_OK(WriteStringToFile(mem_env_.get(), data, manifest, false));
  auto db = DB::Open(options_, dbname_);
  EXPECT_TRUE(db.status().IsCorruption()) << db.status().ToString();
}

TEST_F(DBTest, MissingTableFailsOpen) {
  Open();
  ASSERT_OK(Put("a", "1"));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Close());
  db_.reset();
  std::vector<std::string> children;
  ASSERT_OK(mem_env_->GetChildren(dbname_, &children));
  for (const auto& c : children) {
    if (c.find(".sst") != std::string::npos) ASSERT_OK(mem_env_->RemoveFile(dbname_ + "/" + c));
  }
  auto db = DB::Open(options_, dbname_);
  EXPECT_TRUE(db.status().IsCorruption()) << db.status().ToString();
}

// The manifest tracks WALs: one retired at a memtable switch, or the live
// one at close, is recorded with its size, so that its loss or truncation
// is reported at open instead of taken for a torn tail. A WAL the database
// no longer needs (its data in tables) is forgotten.
TEST_F(DBTest, LostOrTruncatedWalsAreReported) {
  KeepTablesInL0();
  Open();
  for (int i = 0; i < 3000; i++) ASSERT_OK(Put(Key(i), std::string(200, 'v')));  // several switches
  ASSERT_OK(db_->Close());
  db_.reset();
  std::vector<std::string> children;
  ASSERT_OK(mem_env_->GetChildren(dbname_, &children));
  std::vector<std::string> logs;
  for (const auto& c : children) {
    if (c.ends_with(".log")) logs.push_back(dbname_ + "/" + c);
  }
  std::sort(logs.begin(), logs.end());
  ASSERT_FALSE(logs.empty());
  const std::string newest = logs.back();  // the live WAL at close: not in tables yet
  std::string data;
  ASSERT_OK(ReadFileToString(mem_env_.get(), newest, &data));
  ASSERT_GT(data.size(), 100u);

  ASSERT_OK(WriteStringToFile(mem_env_.get(), data.substr(0, data.size() - 50), newest, true));
  auto db = DB::Open(options_, dbname_);
  EXPECT_TRUE(db.status().IsCorruption() && db.status().ToString().find("shorter") != std::string::npos)
      << db.status().ToString();

  ASSERT_OK(mem_env_->RemoveFile(newest));
  db = DB::Open(options_, dbname_);
  EXPECT_TRUE(db.status().IsCorruption() && db.status().ToString().find("missing") != std::string::npos)
      << db.status().ToString();

  ASSERT_OK(WriteStringToFile(mem_env_.get(), data, newest, true));
  Open();
  EXPECT_EQ(std::string(200, 'v'), Get(Key(2999)));
  // After a flush the old WALs are not needed: deleting them is harmless.
  ASSERT_OK(db_->Flush());
  Reopen();
  EXPECT_EQ(std::string(200, 'v'), Get(Key(2999)));
}

// A power loss leaves the live WAL with whatever was synced: its unsynced
// tail is gone, and that is not corruption (the WAL was never closed).
TEST_F(DBTest, UnsyncedTailOfTheLiveWalIsNotReported) {
  Open();
  ASSERT_OK(Put("a", "1", Durability::kSync));
  ASSERT_OK(Put("b", "2"));  // not synced
  PowerLossAndReopen();
  EXPECT_EQ("1", Get("a"));
  EXPECT_EQ("NOT_FOUND", Get("b"));
}

TEST_F(DBTest, ConcurrentWritersAndReaders) {
  options_.durability = Durability::kSync;
  Open();
  constexpr int kThreads = 4, kPerThread = 500;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; i++) {
        std::string k = "t" + std::to_string(t) + "_" + std::to_string(i);
        if (!Put(k, k, Durability::kSync).ok()) errors++;
        if (Get(k) != k) errors++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(0, errors.load());
  EXPECT_EQ(static_cast<size_t>(kThreads * kPerThread), Scan().size());
  // (Grouping is tested in tests/test_threads.py on a real disk: here syncs
  // are instant, so groups need not form.)
}

TEST_F(DBTest, ParallelCompactionMatchesSerial) {
  // The same data compacted with 1 and with 4 TBB threads reads back the same.
  std::map<std::string, std::string> model;
  Random rnd(5);
  for (int threads : {1, 4}) {
    options_.compaction_threads = threads;
    options_.write_buffer_size = 4 << 20;
    options_.target_file_size = 1 << 20;
    dbname_ = "/db_threads" + std::to_string(threads);
    Open();
    Random data_rnd(5);
    for (int i = 0; i < 60000; i++) {
      std::string k = Key(static_cast<int>(data_rnd.Uniform(40000)));
      std::string v(data_rnd.Uniform(200), static_cast<char>('a' + i % 26));
      ASSERT_OK(Put(k, v));
      if (threads == 1) model[k] = v;
    }
    ASSERT_OK(db_->CompactAll());
    EXPECT_EQ(model, Scan()) << threads;
    db_.reset();
  }
}

TEST(DBPosixTest, WriterQueueStress) {
  // Real fsyncs (so sync leaders wait for their peers), mixed durabilities,
  // flushes and batches from several threads at once: every write must land
  // exactly once and every writer must return.
  std::string dir = testing::TempDir("stress");
  Options options;
  options.write_buffer_size = 256 << 10;
  auto db = DB::Open(options, dir);
  ASSERT_OK(db.status());
  constexpr int kThreads = 6, kPerThread = 300;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      const Durability modes[] = {Durability::kSync, Durability::kGroup, Durability::kOff, Durability::kPeriodic};
      for (int i = 0; i < kPerThread; i++) {
        WriteOptions wo;
        wo.durability = modes[(t + i) % 4];
        WriteBatch b;
        b.Put("t" + std::to_string(t) + "_" + std::to_string(i), std::string(50 + i % 200, 'x'));
        if (i % 5 == 0) b.Delete("t" + std::to_string(t) + "_" + std::to_string(i - 1));
        if (!(*db)->Write(wo, &b).ok()) errors++;
        if (t == 0 && i % 50 == 0 && !(*db)->Flush().ok()) errors++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(0, errors.load());
  auto it = (*db)->NewIterator(ReadOptions());
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
  ASSERT_OK(it->status());
  // Every 5th write deleted the previous key of its thread (which existed).
  EXPECT_EQ(kThreads * (kPerThread - (kPerThread / 5 - 1)), n);
  it.reset();
  db->reset();
  std::filesystem::remove_all(dir);
}

TEST(DBPosixTest, LockRefusesSecondOpenerAndReopenWorks) {
  std::string dir = testing::TempDir("dbposix");
  Options options;
  options.durability = Durability::kSync;
  {
    auto db = DB::Open(options, dir);
    ASSERT_OK(db.status());
    ASSERT_OK((*db)->Put(WriteOptions(), "k", "v"));
    EXPECT_TRUE(DB::Open(options, dir).status().IsLocked());
  }
  auto db = DB::Open(options, dir);
  ASSERT_OK(db.status());
  std::string v;
  ASSERT_OK((*db)->Get(ReadOptions(), "k", &v));
  EXPECT_EQ("v", v);
  db->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace embodb::lsm

namespace embodb::lsm {

TEST_F(DBTest, SmallBlobFilesAreMerged) {
  options_.write_buffer_size = 64 << 10;  // every flush writes a small blob file
  KeepTablesInL0();  // and no compaction merges them before CompactAll
  Open();
  std::map<std::string, std::string> model;
  for (int i = 0; i < 300; i++) {
    std::string v(2000 + i, static_cast<char>('a' + i % 26));
    ASSERT_OK(Put(Key(i), v));
    model[Key(i)] = v;
  }
  ASSERT_OK(db_->Flush());
  EXPECT_GT(db_->GetStats().blob_files, 5);
  ASSERT_OK(db_->CompactAll());
  auto stats = db_->GetStats();
  EXPECT_EQ(1, stats.blob_files);
  EXPECT_EQ(model, Scan());
  std::vector<std::string> children;
  ASSERT_OK(fault_env_.GetChildren(dbname_, &children));
  int on_disk = 0;
  for (const auto& c : children) on_disk += c.find(".blob") != std::string::npos;
  EXPECT_EQ(1, on_disk);
}

TEST_F(DBTest, CompactionDeletesReplacedFilesAtOnce) {
  Open();
  for (int i = 0; i < 1000; i++) ASSERT_OK(Put(Key(i), "v"));
  ASSERT_OK(db_->Flush());
  for (int i = 0; i < 1000; i++) ASSERT_OK(Put(Key(i), "w"));
  ASSERT_OK(db_->CompactAll());
  std::vector<std::string> children;
  ASSERT_OK(fault_env_.GetChildren(dbname_, &children));
  int tables = 0;
  for (const auto& c : children) tables += c.find(".sst") != std::string::npos;
  EXPECT_EQ(TotalTableFiles(), tables);
}

TEST_F(DBTest, TinyWriteBufferWithLargeValuesMakesProgress) {
  options_.write_buffer_size = 64 << 10;  // a dozen values fill it
  Open();
  for (int i = 0; i < 50; i++) ASSERT_OK(Put(Key(i), std::string(5000, 'v')));
  EXPECT_EQ(std::string(5000, 'v'), Get(Key(49)));
}

}  // namespace embodb::lsm
