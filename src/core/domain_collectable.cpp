#include "syncmon/domain_collectable.h"

#include <algorithm>
#include <array>

#include "syncmon/text_writer.h"

namespace syncmon {
namespace {

prometheus::MetricType metric_type(ValueKind kind) {
  switch (kind) {
    case ValueKind::kCounter:
      return prometheus::MetricType::Counter;
    case ValueKind::kHistogram:
      return prometheus::MetricType::Histogram;
    case ValueKind::kLatestTimestamp:
      return prometheus::MetricType::Gauge;
  }
  return prometheus::MetricType::Untyped;
}

// Decodes the separator-joined label values; an empty value means the label was not pushed.
std::vector<prometheus::ClientMetric::Label> decode_labels(const Series& series, LabelScheme scheme) {
  std::vector<prometheus::ClientMetric::Label> labels;
  const auto names = label_names(scheme);
  std::string_view rest = series.encoded_labels();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::size_t end = rest.find(kLabelSeparator);
    const std::string_view value = rest.substr(0, end);
    if (!value.empty()) {
      labels.push_back({std::string(names[i]), std::string(value)});
    }
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  }
  return labels;
}

}  // namespace

std::vector<prometheus::MetricFamily> DomainCollectable::Collect() const {
  std::array<std::vector<const Series*>, kFamilyCount> by_family;
  aggregator_.index().for_each(
      [&by_family](const Series& series) { by_family[static_cast<std::size_t>(series.family())].push_back(&series); });

  std::vector<prometheus::MetricFamily> families;
  for (const FamilyInfo& info : all_families()) {
    auto& members = by_family[static_cast<std::size_t>(info.family)];
    if (members.empty()) {
      continue;
    }
    std::sort(members.begin(), members.end(), [](const Series* a, const Series* b) {
      return a->encoded_labels() < b->encoded_labels();
    });
    prometheus::MetricFamily& family = families.emplace_back();
    family.name = std::string(info.name);
    family.help = escape_help_text(info.help);
    family.type = metric_type(info.kind);
    family.metric.reserve(members.size());
    for (const Series* series : members) {
      prometheus::ClientMetric& metric = family.metric.emplace_back();
      metric.label = decode_labels(*series, info.labels);
      switch (info.kind) {
        case ValueKind::kCounter:
          metric.counter.value = static_cast<double>(series->value().load(std::memory_order_relaxed));
          break;
        case ValueKind::kLatestTimestamp:
          metric.gauge.value = static_cast<double>(series->value().load(std::memory_order_relaxed)) / 1000.0;
          break;
        case ValueKind::kHistogram: {
          const auto bounds = aggregator_.layout_of(info.family).upper_bounds();
          auto& histogram = metric.histogram;
          std::uint64_t cumulative = 0;
          histogram.bucket.reserve(bounds.size());
          for (std::size_t i = 0; i < bounds.size(); ++i) {
            cumulative += series->bucket(i).load(std::memory_order_relaxed);
            histogram.bucket.push_back({cumulative, bounds[i]});
          }
          // The count is derived from the buckets so that a scrape racing a push still shows a
          // consistent histogram (+Inf equal to _count).
          cumulative += series->bucket(bounds.size()).load(std::memory_order_relaxed);
          histogram.sample_count = cumulative;
          histogram.sample_sum = series->sum().load(std::memory_order_relaxed);
          break;
        }
      }
    }
  }
  return families;
}

}  // namespace syncmon
