// The database object behind embodb.Database: owns the engine, refuses calls
// after close, and is shared (by shared_ptr) with the scans and batches that
// must not outlive it.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "catalog/kv_space.h"
#include "columnar/row_block_codec.h"
#include "lsm/db.h"
#include "index/derived_indexes.h"
#include "timeseries/series_write.h"
#include "txn/txn_manager.h"

namespace embodb::bindings {

// How many times this process is a fork() child of a process that had
// databases open (pthread_atfork bumps it in the child). A handle opened
// under another count belongs to an ancestor: its threads, locks and files
// are not this process's, so the child may not use it (as SQLite documents
// for its connections) and must not close it either.
uint64_t ForkGeneration();

struct DbHandle {
  ~DbHandle();
  const uint64_t fork_generation = ForkGeneration();
  std::unique_ptr<Env> mem_env;  // for ":memory:" databases
  std::unique_ptr<catalog::FeedTrim> feed_trim;  // the db's compaction filter: outlives it
  // The tables' definitions by id, and the codec of the db's columnar
  // blocks that reads them: outlive the db.
  std::unique_ptr<table::TableDefsById> table_defs;
  std::unique_ptr<columnar::RowBlockCodec> row_codec;
  std::unique_ptr<lsm::DB> db;
  std::unique_ptr<catalog::KvSpace> kv;
  std::unique_ptr<txn::TxnManager> txns;
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<index::DerivedIndexes> indexes;  // destroyed before the catalog
  timeseries::HeadCounts series_heads;
  std::atomic<bool> closed{false};

  // DatabaseClosedError unless open in this process.
  lsm::DB& Db() const;
  // Open, and opened by this process (not inherited through fork()).
  bool Usable() const { return !closed.load() && fork_generation == ForkGeneration(); }
  catalog::Catalog& Catalog() const {
    Db();
    return *catalog;
  }
  index::DerivedIndexes& Indexes() const {
    Db();
    return *indexes;
  }
};
using HandlePtr = std::shared_ptr<DbHandle>;

// "sync" | "group" | "periodic" | "off"; InvalidInputError otherwise.
lsm::Durability ParseDurability(const std::string& s);
lsm::WriteOptions MakeWriteOptions(const std::optional<std::string>& durability);
lsm::ReadOptions MakeReadOptions(std::optional<uint64_t> snapshot);

void RegisterDatabase(pybind11::module_& m);
void RegisterKv(pybind11::module_& m);
void RegisterTables(pybind11::module_& m);
void RegisterVectors(pybind11::module_& m);
void RegisterSpatial(pybind11::module_& m);
void RegisterIndexes(pybind11::module_& m);
void RegisterCodecs(pybind11::module_& m);  // for tests
void RegisterTimeSeries(pybind11::module_& m);

}  // namespace embodb::bindings
