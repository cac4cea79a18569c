// ChangeList: changes a transaction's writer announces along with its
// writes, for the commit observer (txn_manager.h). The table writer
// (table/table_writer.h) announces every row it puts or deletes, with the
// row's primary key and its encoded value, so that the change feed
// (catalog/change_feed.h) learns a commit's row changes without parsing the
// batch back and without encoding a row a second time.
//
// The transaction keeps the lists until it ends; a rollback drops them with
// the writes.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace embodb::txn {

struct Change {
  bool deleted = false;
  std::string_view key;    // as the writer names it (a row's encoded primary key)
  std::string_view value;  // what was written (an encoded row); empty when deleted
};

struct ChangeList {
  uint32_t owner = 0;           // what the keys belong to (a table id)
  std::vector<Change> changes;  // in the order written: the last change of a key wins
  std::shared_ptr<const void> storage;  // holds what the views point into
};

using ChangeLists = std::vector<std::shared_ptr<const ChangeList>>;

}  // namespace embodb::txn
