// PageWarmer: a background thread that maps in the cached pages of tables as
// they are opened (sstable::Table::MapCachedPages). The first touch of a page
// of a mapped table costs a minor page fault even when the OS caches it:
// several microseconds on a virtual machine, more than the rest of a point
// lookup. Warming a 64 MiB table takes a few milliseconds, off the reader's
// path and off the TBB threads that parallel reads use.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "lsm/sstable/table.h"

namespace embodb::lsm {

class PageWarmer {
 public:
  PageWarmer() = default;
  // Stops after the table being warmed; the others are not warmed.
  ~PageWarmer();
  PageWarmer(const PageWarmer&) = delete;
  PageWarmer& operator=(const PageWarmer&) = delete;

  // Queues the table (kept open until it is warmed). The thread starts with
  // the first table.
  void Add(std::shared_ptr<const sstable::Table> table);
  // Drops the queued tables and waits for the one being warmed.
  void Clear();

 private:
  void Run();

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<const sstable::Table>> queue_;
  bool stop_ = false;
  bool busy_ = false;  // a table is being warmed
  std::thread thread_;
};

}  // namespace embodb::lsm
