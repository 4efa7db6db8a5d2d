#include "api/history_sampler.h"

#include <sys/resource.h>
#include <unistd.h>

namespace syncmon::api {

HistorySampler::HistorySampler(LocalHistory& history, const Clock& clock, Duration resolution)
    : history_(history), clock_(clock), resolution_(resolution) {
  thread_ = std::thread([this] { run(); });
}

HistorySampler::~HistorySampler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void HistorySampler::run() {
  // After a burst of new entities a sample takes a noticeable slice of a core; the io threads
  // come first. The lowest nice level still gets its share on a busy machine.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
  auto next = std::chrono::steady_clock::now() + resolution_;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_until(lock, next, [this] { return stopping_; })) {
    lock.unlock();
    history_.sample(clock_.now_unix_ms());
    lock.lock();
    next = std::max(next + resolution_, std::chrono::steady_clock::now());
  }
}

}  // namespace syncmon::api
