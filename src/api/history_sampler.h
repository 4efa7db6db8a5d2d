#pragma once
// Closes the LocalHistory's interval every history.resolution, on a thread of its own, until
// destroyed.

#include <condition_variable>
#include <mutex>
#include <thread>

#include "syncmon/clock.h"
#include "syncmon/local_history.h"

namespace syncmon::api {

class HistorySampler {
 public:
  HistorySampler(LocalHistory& history, const Clock& clock, Duration resolution);
  ~HistorySampler();
  HistorySampler(const HistorySampler&) = delete;
  HistorySampler& operator=(const HistorySampler&) = delete;

 private:
  void run();

  LocalHistory& history_;
  const Clock& clock_;
  const Duration resolution_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace syncmon::api
