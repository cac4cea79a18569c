// KvSpace: the user's key-value store (db.kv) inside the LSM, as the kKv key
// space. Keys are stored as kKv || user_key; scans never leave the space.
// Thread-safe (the DB is).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/db.h"

namespace embodb::catalog {

struct ScanRange {
  std::optional<std::string> start;   // inclusive
  std::optional<std::string> end;     // exclusive
  std::optional<std::string> prefix;  // every key starting with it
  bool reverse = false;
};

class KvScan {
 public:
  KvScan(std::unique_ptr<lsm::Iterator> iter, std::string lower, std::optional<std::string> upper, bool reverse);
  // The next entry, or false at the end (check status()).
  bool Next(std::string_view* key, std::string_view* value);
  Status status() const { return iter_->status(); }

 private:
  std::unique_ptr<lsm::Iterator> iter_;
  const std::string lower_;                  // encoded, inclusive
  const std::optional<std::string> upper_;   // encoded, exclusive
  const bool reverse_;
  bool started_ = false;
  bool done_ = false;
};

class KvSpace {
 public:
  explicit KvSpace(lsm::DB* db) : db_(db) {}

  static std::string EncodeKey(std::string_view user_key);
  static void AddPut(lsm::WriteBatch* batch, std::string_view key, std::string_view value);
  static void AddDelete(lsm::WriteBatch* batch, std::string_view key);

  Status Put(const lsm::WriteOptions& options, std::string_view key, std::string_view value);
  Status Delete(const lsm::WriteOptions& options, std::string_view key);
  // NotFound when missing.
  Status Get(const lsm::ReadOptions& options, std::string_view key, std::string* value);
  void MultiGet(const lsm::ReadOptions& options, const std::vector<std::string_view>& keys,
                std::vector<std::string>* values, std::vector<Status>* statuses);
  std::unique_ptr<KvScan> NewScan(const lsm::ReadOptions& options, const ScanRange& range);

 private:
  lsm::DB* db_;
};

}  // namespace embodb::catalog
