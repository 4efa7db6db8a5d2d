#include "syncmon/metric_group.h"

#include <algorithm>

namespace syncmon {

std::string_view kind_name(MetricKind kind) {
  switch (kind) {
    case MetricKind::kCounter:
      return "counter";
    case MetricKind::kGauge:
      return "gauge";
    case MetricKind::kSummary:
      return "summary";
    case MetricKind::kUntyped:
      return "untyped";
    case MetricKind::kHistogram:
      return "histogram";
  }
  return "untyped";
}

std::string grouping_key_id(const GroupingKey& key) {
  // Label names cannot contain 0xFF or 0xFE and values are UTF-8, which never does.
  std::string id;
  for (const auto& label : key) {
    id += label.name;
    id += '\xfe';
    id += label.value;
    id += '\xff';
  }
  return id;
}

void merge_grouping_labels(PushedMetric& metric, const GroupingKey& key) {
  for (const auto& grouping : key) {
    auto it = std::find_if(metric.labels.begin(), metric.labels.end(),
                           [&](const LabelPair& label) { return label.name == grouping.name; });
    if (it != metric.labels.end()) {
      it->value = grouping.value;
    } else {
      metric.labels.push_back(grouping);
    }
  }
  if (std::none_of(metric.labels.begin(), metric.labels.end(),
                   [](const LabelPair& label) { return label.name == "instance"; })) {
    metric.labels.push_back({"instance", ""});
  }
  std::sort(metric.labels.begin(), metric.labels.end(),
            [](const LabelPair& a, const LabelPair& b) { return a.name < b.name; });
}

std::vector<LabelPair> group_series_labels(const GroupingKey& key) {
  PushedMetric metric;
  merge_grouping_labels(metric, key);
  return metric.labels;
}

}  // namespace syncmon
