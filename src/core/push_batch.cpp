#include "syncmon/push_batch.h"

#include <numeric>

namespace syncmon {

std::uint64_t HistogramDelta::count() const {
  return std::accumulate(bucket_counts.begin(), bucket_counts.end(), std::uint64_t{0});
}

std::uint64_t PushBatch::observation_count() const {
  std::uint64_t total = 0;
  for (const auto& entry : providers) {
    if (entry.response_time) {
      total += entry.response_time->count();
    }
  }
  for (const auto& entry : connections) {
    for (const auto& timing : entry.timings) {
      if (timing) {
        total += timing->count();
      }
    }
  }
  return total;
}

}  // namespace syncmon
