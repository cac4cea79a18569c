#include "lsm/page_warmer.h"

#include <pthread.h>
#include <sched.h>

namespace embodb::lsm {

PageWarmer::~PageWarmer() {
  {
    std::lock_guard l(mutex_);
    stop_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PageWarmer::Add(std::shared_ptr<const sstable::Table> table) {
  std::lock_guard l(mutex_);
  if (stop_) return;
  queue_.push_back(std::move(table));
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  cv_.notify_one();
}

void PageWarmer::Clear() {
  std::unique_lock l(mutex_);
  queue_.clear();
  cv_.wait(l, [this] { return !busy_; });
}

void PageWarmer::Run() {
  // Idle priority: warming runs on CPU time nothing else wants, never in the
  // way of the reads it speeds up (a best effort; refused, it runs as is).
  sched_param param{};
  pthread_setschedparam(pthread_self(), SCHED_IDLE, &param);
  std::unique_lock l(mutex_);
  while (true) {
    cv_.wait(l, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    std::shared_ptr<const sstable::Table> table = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    l.unlock();
    table->MapCachedPages();
    table.reset();  // may close the table, outside the lock
    l.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace embodb::lsm
