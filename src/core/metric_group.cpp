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
  // Runs for every pushed series, so it merges two sorted lists in place instead of searching and
  // sorting: each name is compared a handful of times and the vector grows at most once.
  static const LabelPair kEmptyInstance{"instance", ""};
  auto& labels = metric.labels;
  if (!std::is_sorted(labels.begin(), labels.end(), label_less)) {
    std::sort(labels.begin(), labels.end(), label_less);
  }
  const std::size_t pushed = labels.size();
  const auto pushed_label = [&](std::string_view name) -> LabelPair* {
    auto it = std::lower_bound(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(pushed), name,
                               [](const LabelPair& label, std::string_view wanted) {
                                 return label_name_less(label.name, wanted);
                               });
    return it != labels.begin() + static_cast<std::ptrdiff_t>(pushed) && it->name == name ? &*it : nullptr;
  };
  thread_local std::vector<const LabelPair*> additions;  // sorted by name, none among the pushed
  additions.clear();
  bool has_instance = pushed_label("instance") != nullptr;
  for (const auto& grouping : key) {
    if (LabelPair* same = pushed_label(grouping.name)) {
      same->value = grouping.value;
      continue;
    }
    if (!has_instance && label_name_less(kEmptyInstance.name, grouping.name)) {
      additions.push_back(&kEmptyInstance);
      has_instance = true;
    }
    has_instance = has_instance || grouping.name == kEmptyInstance.name;
    additions.push_back(&grouping);
  }
  if (!has_instance) {
    additions.push_back(&kEmptyInstance);
  }
  if (additions.empty()) {
    return;
  }
  labels.resize(pushed + additions.size());
  // From the back, so that nothing is overwritten before it has moved.
  std::size_t from = pushed;
  std::size_t next_addition = additions.size();
  std::size_t to = labels.size();
  while (next_addition > 0) {
    if (from > 0 && label_less(*additions[next_addition - 1], labels[from - 1])) {
      labels[--to] = std::move(labels[--from]);
    } else {
      labels[--to] = *additions[--next_addition];
    }
  }
}

std::vector<LabelPair> group_series_labels(const GroupingKey& key) {
  PushedMetric metric;
  merge_grouping_labels(metric, key);
  return metric.labels;
}

}  // namespace syncmon
