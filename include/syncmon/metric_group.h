#pragma once
// Pushgateway-compatible groups (SPEC 3.2): metric families pushed in the text format under a
// grouping key, as the Pushgateway keeps and shows them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncmon {

enum class MetricKind : std::uint8_t { kCounter, kGauge, kSummary, kUntyped, kHistogram };

std::string_view kind_name(MetricKind kind);  // "counter", ... as in a TYPE line

struct LabelPair {
  std::string name;
  std::string value;
  auto operator<=>(const LabelPair&) const = default;
};

// Labels are kept sorted by name. Names mostly differ in their first byte, which is compared
// inline before the library's compare (a call per comparison, thousands per push).
inline bool label_name_less(std::string_view a, std::string_view b) {
  if (!a.empty() && !b.empty() && a.front() != b.front()) {
    return static_cast<unsigned char>(a.front()) < static_cast<unsigned char>(b.front());
  }
  return a < b;
}
inline bool label_less(const LabelPair& a, const LabelPair& b) { return label_name_less(a.name, b.name); }

struct Quantile {
  double quantile = 0;
  double value = 0;
};

struct Bucket {
  double upper_bound = 0;
  std::uint64_t cumulative_count = 0;
};

struct PushedMetric {
  std::vector<LabelPair> labels;  // sorted by name once the grouping key is merged in
  double value = 0;               // counter, gauge, untyped
  std::uint64_t count = 0;        // summary, histogram
  double sum = 0;                 // summary, histogram
  std::vector<Quantile> quantiles;  // summary, in pushed order
  std::vector<Bucket> buckets;      // histogram, in pushed order
};

struct PushedFamily {
  std::string name;
  std::optional<std::string> help;  // absent: the push had no HELP line
  MetricKind kind = MetricKind::kUntyped;
  std::vector<PushedMetric> metrics;
};

// The labels that name a group, sorted by name; `job` is always among them.
using GroupingKey = std::vector<LabelPair>;

// One group: what was pushed under one grouping key. Immutable once published.
struct MetricGroup {
  GroupingKey key;
  std::vector<PushedFamily> families;  // sorted by name
  double push_time_seconds = 0;
  double push_failure_time_seconds = 0;
};

// A canonical byte string for a grouping key, for maps and storage.
std::string grouping_key_id(const GroupingKey& key);

// The Pushgateway's rule: grouping labels replace pushed labels of the same name, the others are
// added, `instance=""` is added when no instance label is present, labels end sorted by name.
void merge_grouping_labels(PushedMetric& metric, const GroupingKey& key);

// The labels a group's push_time_seconds and push_failure_time_seconds carry.
std::vector<LabelPair> group_series_labels(const GroupingKey& key);

}  // namespace syncmon
