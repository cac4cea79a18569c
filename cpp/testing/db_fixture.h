// DBTest: a database on an in-memory, fault-injecting Env with small
// buffers, and helpers to write, read, scan and lose power.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "env/fault_injection_env.h"
#include "lsm/db.h"
#include "testing/test_util.h"

namespace embodb::lsm {

class DBTest : public ::testing::Test {
 protected:
  DBTest() : fault_env_(mem_env_.get()) {
    options_.env = &fault_env_;
    options_.write_buffer_size = 256 << 10;
    options_.target_file_size = 256 << 10;
    options_.max_bytes_for_level_base = 1 << 20;
    options_.min_blob_size = 1024;
    options_.durability = Durability::kOff;
  }

  // Flushed tables stay in L0 until CompactAll: no trigger compacts them.
  void KeepTablesInL0() {
    options_.l0_compaction_trigger = 100;
    options_.l0_slowdown_trigger = 100;
    options_.l0_stop_trigger = 100;
  }

  void Open() {
    db_.reset();
    auto db = DB::Open(options_, dbname_);
    ASSERT_OK(db.status());
    db_ = std::move(db).value();
  }
  void Reopen() {
    ASSERT_OK(db_->Close());
    Open();
  }
  // Simulates power loss: nothing reaches the disk after this, then unsynced
  // data vanishes, then the database is reopened.
  void PowerLossAndReopen() {
    fault_env_.SetActive(false);
    db_.reset();
    fault_env_.DropUnsyncedData();
    fault_env_.SetActive(true);
    Open();
  }
  Status Put(std::string_view k, std::string_view v, Durability d = Durability::kOff) {
    WriteOptions wo;
    wo.durability = d;
    return db_->Put(wo, k, v);
  }
  Status Delete(std::string_view k) { return db_->Delete(WriteOptions(), k); }
  std::string Get(std::string_view k, std::optional<SequenceNumber> snap = std::nullopt) {
    ReadOptions ro;
    ro.snapshot = snap;
    std::string v;
    Status s = db_->Get(ro, k, &v);
    if (s.IsNotFound()) return "NOT_FOUND";
    if (!s.ok()) return "ERROR: " + s.ToString();
    return v;
  }
  std::map<std::string, std::string> Scan(std::optional<SequenceNumber> snap = std::nullopt) {
    ReadOptions ro;
    ro.snapshot = snap;
    auto it = db_->NewIterator(ro);
    std::map<std::string, std::string> out;
    for (it->SeekToFirst(); it->Valid(); it->Next()) out[std::string(it->key())] = std::string(it->value());
    EXPECT_OK(it->status());
    return out;
  }
  int TotalTableFiles() {
    auto s = db_->GetStats();
    int n = 0;
    for (const auto& l : s.levels) n += l.files;
    return n;
  }

  std::unique_ptr<Env> mem_env_ = NewMemEnv();
  FaultInjectionEnv fault_env_;
  Options options_;
  std::string dbname_ = "/db";
  std::unique_ptr<DB> db_;
};

inline std::string Key(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%08d", i);
  return buf;
}

}  // namespace embodb::lsm
