#pragma once
// Presents the aggregated domain series to prometheus-cpp as metric families, so that its text
// serializer (and any registry composition) can expose them.
//
// Thread safety: Collect() may run concurrently with pushes and with other Collect() calls.

#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "syncmon/aggregator.h"

namespace syncmon {

class DomainCollectable final : public prometheus::Collectable {
 public:
  explicit DomainCollectable(const Aggregator& aggregator) : aggregator_(aggregator) {}

  // Families with at least one series, in the order of families.h; series sorted by labels so
  // that the same state always serializes to the same bytes.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const Aggregator& aggregator_;
};

}  // namespace syncmon
