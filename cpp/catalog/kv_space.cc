#include "catalog/kv_space.h"

#include <algorithm>

#include "table/keyspace.h"

namespace embodb::catalog {

static constexpr char kKvPrefix = static_cast<char>(table::KeySpace::kKv);

std::string KvSpace::EncodeKey(std::string_view user_key) {
  std::string k;
  k.reserve(user_key.size() + 1);
  k.push_back(kKvPrefix);
  k.append(user_key.data(), user_key.size());
  return k;
}

void KvSpace::AddPut(lsm::WriteBatch* batch, std::string_view key, std::string_view value) {
  batch->Put(EncodeKey(key), value);
}

void KvSpace::AddDelete(lsm::WriteBatch* batch, std::string_view key) { batch->Delete(EncodeKey(key)); }

Status KvSpace::Put(const lsm::WriteOptions& options, std::string_view key, std::string_view value) {
  return db_->Put(options, EncodeKey(key), value);
}

Status KvSpace::Delete(const lsm::WriteOptions& options, std::string_view key) {
  return db_->Delete(options, EncodeKey(key));
}

Status KvSpace::Get(const lsm::ReadOptions& options, std::string_view key, std::string* value) {
  return db_->Get(options, EncodeKey(key), value);
}

void KvSpace::MultiGet(const lsm::ReadOptions& options, const std::vector<std::string_view>& keys,
                       std::vector<std::string>* values, std::vector<Status>* statuses) {
  // All encoded keys in one buffer: no allocation per key.
  size_t total = 0;
  for (auto k : keys) total += k.size() + 1;
  std::string buffer;
  buffer.reserve(total);
  for (auto k : keys) {
    buffer.push_back(kKvPrefix);
    buffer.append(k.data(), k.size());
  }
  std::vector<std::string_view> views;
  views.reserve(keys.size());
  size_t offset = 0;
  for (auto k : keys) {
    views.emplace_back(buffer.data() + offset, k.size() + 1);
    offset += k.size() + 1;
  }
  db_->MultiGet(options, views, values, statuses);
}

std::unique_ptr<KvScan> KvSpace::NewScan(const lsm::ReadOptions& options, const ScanRange& range) {
  std::string lower = EncodeKey(range.start.value_or(""));
  std::optional<std::string> upper;
  if (range.end) upper = EncodeKey(*range.end);
  if (range.prefix) {
    std::string p = EncodeKey(*range.prefix);
    lower = std::max(lower, p);
    // The first key after every key with this prefix.
    std::string next = p;
    while (!next.empty() && static_cast<uint8_t>(next.back()) == 0xff) next.pop_back();
    if (!next.empty()) {
      next.back() = static_cast<char>(static_cast<uint8_t>(next.back()) + 1);
      if (!upper || next < *upper) upper = next;
    }
  }
  const std::string space_end(1, static_cast<char>(kKvPrefix + 1));
  if (!upper || space_end < *upper) upper = space_end;
  return std::make_unique<KvScan>(db_->NewIterator(options), std::move(lower), std::move(upper), range.reverse);
}

KvScan::KvScan(std::unique_ptr<lsm::Iterator> iter, std::string lower, std::optional<std::string> upper,
               bool reverse)
    : iter_(std::move(iter)), lower_(std::move(lower)), upper_(std::move(upper)), reverse_(reverse) {}

bool KvScan::Next(std::string_view* key, std::string_view* value) {
  if (done_) return false;
  if (!started_) {
    started_ = true;
    if (reverse_) {
      if (upper_) {
        iter_->Seek(*upper_);
        if (iter_->Valid()) {
          iter_->Prev();
        } else {
          iter_->SeekToLast();
        }
      } else {
        iter_->SeekToLast();
      }
    } else {
      iter_->Seek(lower_);
    }
  } else if (iter_->Valid()) {
    if (reverse_) {
      iter_->Prev();
    } else {
      iter_->Next();
    }
  }
  if (!iter_->Valid()) {
    done_ = true;
    return false;
  }
  const std::string_view k = iter_->key();
  if (k < std::string_view(lower_) || (upper_ && k >= std::string_view(*upper_))) {
    done_ = true;
    return false;
  }
  *key = k.substr(1);
  *value = iter_->value();
  if (!iter_->status().ok()) done_ = true;
  return !done_;
}

}  // namespace embodb::catalog
