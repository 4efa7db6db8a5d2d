#pragma once
// The groups as the Pushgateway shows them on /metrics: families sorted by name, metrics sorted
// as Go's client library sorts them, numbers formatted as Go formats them, and per group
// push_time_seconds and push_failure_time_seconds.

#include <memory>
#include <string>
#include <vector>

#include "syncmon/metric_group.h"

namespace syncmon {

void append_groups_text(std::string& out, const std::vector<std::shared_ptr<const MetricGroup>>& groups);

}  // namespace syncmon
