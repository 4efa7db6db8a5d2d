#pragma once
// The standard process_* metrics (CPU, memory, file descriptors, start time) read from /proc,
// named as the Prometheus client libraries name them.
//
// Thread safety: Collect() may run concurrently with itself.

#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace syncmon::api {

class ProcessCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace syncmon::api
