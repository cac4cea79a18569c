// The change feed: how indexes kept in memory (vector, spatial, text) stay
// consistent with their table across writes and crashes.
//
// Every commit that writes rows of a table with derived indexes also writes,
// in the same atomic batch, one feed record per row write, numbered per table
// in commit order (docs/format/table.md, "Change feed"):
//
//   kFeed | table id (BE32) | feed number (BE64)  ->  op (1 byte) | primary key
//   kFeed | table id (BE32)                       ->  fixed64 last number used
//
// A consumer (an in-memory index) receives the changes of its table before the
// write returns. It persists its state on its own, after SyncBeforeCheckpoint
// (its files record the feed number they cover), and then calls
// Checkpointed; records that every consumer of
// the table has covered are dropped by compaction. On open, the consumer
// loads its files and Attach replays the records after the number they cover,
// with the rows as they are now (replaying a change twice is harmless: the
// consumer gets the row's current state, or that it is gone).
//
// To build a new consumer: note LastNumber, scan the table, then Attach with
// that number; the writes made meanwhile are replayed.
//
// Thread safety: thread-safe. Apply and replay run under the commit lock, so
// a consumer sees one change batch at a time, in feed order.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "lsm/options.h"
#include "txn/txn_manager.h"

namespace embodb::table {
struct TableDef;
}

namespace embodb::catalog {

struct FeedEvent {
  uint64_t number = 0;   // the table's feed number of this change
  bool deleted = false;  // the row is gone; otherwise `row` is its encoded value
  std::string_view key;  // the encoded primary key (table/key_codec.h)
  std::string_view row;  // the encoded row (table/row_codec.h)
};

class FeedConsumer {
 public:
  virtual ~FeedConsumer() = default;
  // Changes of the table, in feed order. Called under the commit lock, after
  // the write committed and before it returns; the views last for the call.
  virtual void Apply(const std::vector<FeedEvent>& events) = 0;
  // Bracket every commit that writes the table (before its rows become
  // visible, until after its Apply, whether or not it succeeded) and every
  // replay: a consumer that takes its write lock here lets its readers see
  // exactly the table's latest state (no row visible that it has not
  // applied). Not called under any lock of the feed.
  virtual void BeginCommit() {}
  virtual void EndCommit() {}
};

// Tells compaction which feed records every consumer has covered. Created
// before the database opens (it goes into lsm::Options).
class FeedTrim final : public lsm::CompactionFilter {
 public:
  void Set(uint32_t table_id, uint64_t covered);
  void Forget(uint32_t table_id);
  bool Drop(std::string_view user_key) const override;

 private:
  mutable std::mutex mu_;
  std::map<uint32_t, uint64_t> covered_;
};

std::string FeedKey(uint32_t table_id, uint64_t number);
std::string FeedPrefix(uint32_t table_id);

class ChangeFeed final : public txn::CommitObserver {
 public:
  // trim may be null (records are then never dropped).
  ChangeFeed(txn::TxnManager* txns, FeedTrim* trim) : txns_(txns), trim_(trim) {}

  // The table's last feed number (0 when it has none).
  uint64_t LastNumber(uint32_t table_id);
  // Replays the table's records after `covered` to c, then sends it every
  // new change. InvalidArgument when the table has no derived index.
  Status Attach(uint32_t table_id, FeedConsumer* c, uint64_t covered);
  // Once it returns, c gets no more calls. Must not be called from Apply.
  void Detach(FeedConsumer* c);
  // Makes every change applied so far durable. A consumer calls it before it
  // persists its state, so that the state never holds a change that a power
  // loss could take back (the feed numbers would then be used again).
  Status SyncBeforeCheckpoint() { return txns_->db()->SyncWal(); }
  // c's persisted state covers the feed through `covered`.
  void Checkpointed(FeedConsumer* c, uint64_t covered);

  // From the catalog, under the commit lock: a table's definition was loaded
  // or changed (it keeps a feed while it has derived indexes), or dropped.
  Status OnTableDef(const table::TableDef& def);
  void OnTableDropped(uint32_t table_id);

  // CommitObserver: the row changes come as the table writer announced them
  // (table/table_writer.h); the batch is not parsed back.
  void BeforeWrite(const txn::ChangeLists& announced, lsm::WriteBatch* batch) override;
  void AfterWrite(const txn::ChangeLists& announced, const Status& status) override;

 private:
  struct TableFeed {
    uint64_t next = 1;  // the next feed number
    size_t declared = 0;  // derived indexes in the catalog
    std::map<FeedConsumer*, uint64_t> consumers;  // -> the number it covers
    uint64_t first_of_commit = 0;  // the first number of the commit in flight
  };
  // REQUIRES: mu_ held. Appends to the batch a feed record for every row
  // change announced for a table with a feed.
  void AppendRecords(const txn::ChangeLists& announced, lsm::WriteBatch* batch);
  // Sends the changes of a committed write to the consumers.
  void SendChanges(const txn::ChangeLists& announced);
  // REQUIRES: mu_ held.
  void UpdateTrim(uint32_t table_id, const TableFeed& f);
  Status Replay(uint32_t table_id, FeedConsumer* c, uint64_t covered);

  txn::TxnManager* const txns_;
  FeedTrim* const trim_;
  // Consumers given BeginCommit for the commit in flight (commits are
  // serialized, so one list serves).
  std::vector<FeedConsumer*> begun_;
  std::mutex mu_;
  std::map<uint32_t, TableFeed> tables_;  // tables with derived indexes
};

}  // namespace embodb::catalog
