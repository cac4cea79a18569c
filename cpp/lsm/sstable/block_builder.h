// BlockBuilder writes a block of sorted key/value entries with prefix-compressed
// keys (docs/format/sstable.md):
//   entry   := varint32 shared | varint32 non_shared | varint32 value_len
//              | key[shared..] | value
//   trailer := fixed32 restart_offset * num_restarts | fixed32 num_restarts
// Every `restart_interval` entries the full key is stored (a restart point), so
// readers can binary-search the restarts. An entry also restarts when the
// entries since the last restart fill `restart_bytes`: with large values, the
// few bytes prefix compression would save are not worth a lookup's walk over
// every entry before its own, each one a cache miss.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace embodb::lsm::sstable {

class BlockBuilder {
 public:
  explicit BlockBuilder(int restart_interval, size_t restart_bytes = SIZE_MAX);

  // REQUIRES: key > every key added since the last Reset().
  void Add(std::string_view key, std::string_view value);
  // The finished block; valid until Reset().
  std::string_view Finish();
  void Reset();
  size_t CurrentSizeEstimate() const;
  bool empty() const { return buffer_.empty(); }

 private:
  const int restart_interval_;
  const size_t restart_bytes_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace embodb::lsm::sstable
