// Block: a parsed, immutable data or index block (see block_builder.h for the
// layout). Shared by shared_ptr between the block cache and iterators.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lsm/iterator.h"

namespace embodb::lsm::sstable {

// How keys inside a block are ordered.
enum class KeyOrder { kInternal, kBytewise };

class Block {
 public:
  // Takes the decompressed block contents. A malformed trailer makes every
  // iterator report Corruption.
  explicit Block(std::string contents);

  size_t size() const { return data_.size(); }
  // `self` must be this block; the iterator keeps it alive.
  static std::unique_ptr<Iterator> NewIterator(std::shared_ptr<const Block> self, KeyOrder order);

 private:
  class Iter;
  std::string data_;
  uint32_t restart_offset_ = 0;
  uint32_t num_restarts_ = 0;
  bool malformed_ = false;
};

}  // namespace embodb::lsm::sstable
