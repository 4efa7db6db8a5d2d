#include "syncmon/group_exposition.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "syncmon/text_writer.h"

namespace syncmon {
namespace {

constexpr std::string_view kPushTimeHelp = "Last Unix time when changing this group in the Pushgateway succeeded.";
constexpr std::string_view kPushFailureTimeHelp = "Last Unix time when changing this group in the Pushgateway failed.";

struct FamilyView {
  std::string_view name;
  const std::string* help = nullptr;
  MetricKind kind = MetricKind::kUntyped;
  std::vector<const PushedMetric*> metrics;
};

// Go's client library: fewer labels first, then label values in label-name order.
bool go_metric_order(const PushedMetric* a, const PushedMetric* b) {
  if (a->labels.size() != b->labels.size()) {
    return a->labels.size() < b->labels.size();
  }
  for (std::size_t i = 0; i < a->labels.size(); ++i) {
    if (a->labels[i].value != b->labels[i].value) {
      return a->labels[i].value < b->labels[i].value;
    }
  }
  return false;
}

void append_series(std::string& out, std::string_view name, std::string_view suffix,
                   const std::vector<LabelPair>& labels, std::string_view extra_name, const std::string& extra_value) {
  out += name;
  out += suffix;
  if (!labels.empty() || !extra_name.empty()) {
    out += '{';
    bool first = true;
    for (const auto& label : labels) {
      out += first ? "" : ",";
      first = false;
      out += label.name;
      out += "=\"";
      append_escaped_label_value(out, label.value);
      out += '"';
    }
    if (!extra_name.empty()) {
      out += first ? "" : ",";
      out += extra_name;
      out += "=\"";
      out += extra_value;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
}

void append_sum_and_count(std::string& out, std::string_view name, const PushedMetric& metric) {
  append_series(out, name, "_sum", metric.labels, "", {});
  append_go_float(out, metric.sum);
  out += '\n';
  append_series(out, name, "_count", metric.labels, "", {});
  out += std::to_string(metric.count);
  out += '\n';
}

void append_family(std::string& out, const FamilyView& family) {
  if (family.help != nullptr) {
    out += "# HELP ";
    out += family.name;
    out += ' ';
    append_escaped_help(out, *family.help);
    out += '\n';
  }
  out += "# TYPE ";
  out += family.name;
  out += ' ';
  out += kind_name(family.kind);
  out += '\n';
  for (const PushedMetric* metric : family.metrics) {
    switch (family.kind) {
      case MetricKind::kCounter:
      case MetricKind::kGauge:
      case MetricKind::kUntyped:
        append_series(out, family.name, "", metric->labels, "", {});
        append_go_float(out, metric->value);
        out += '\n';
        break;
      case MetricKind::kSummary:
        for (const auto& quantile : metric->quantiles) {
          append_series(out, family.name, "", metric->labels, "quantile", go_float(quantile.quantile));
          append_go_float(out, quantile.value);
          out += '\n';
        }
        append_sum_and_count(out, family.name, *metric);
        break;
      case MetricKind::kHistogram: {
        bool infinity_seen = false;
        for (const auto& bucket : metric->buckets) {
          append_series(out, family.name, "_bucket", metric->labels, "le", go_float(bucket.upper_bound));
          out += std::to_string(bucket.cumulative_count);
          out += '\n';
          infinity_seen = infinity_seen || (std::isinf(bucket.upper_bound) && bucket.upper_bound > 0);
        }
        if (!infinity_seen) {
          append_series(out, family.name, "_bucket", metric->labels, "le", "+Inf");
          out += std::to_string(metric->count);
          out += '\n';
        }
        append_sum_and_count(out, family.name, *metric);
        break;
      }
    }
  }
}

}  // namespace

void append_groups_text(std::string& out, const std::vector<std::shared_ptr<const MetricGroup>>& groups) {
  if (groups.empty()) {
    return;
  }
  std::map<std::string_view, FamilyView> families;
  // push_time_seconds and push_failure_time_seconds are built per group; they live here.
  static const std::string push_time_help(kPushTimeHelp);
  static const std::string push_failure_help(kPushFailureTimeHelp);
  std::vector<PushedMetric> push_times;
  std::vector<PushedMetric> failure_times;
  push_times.reserve(groups.size());
  failure_times.reserve(groups.size());
  for (const auto& group : groups) {
    for (const auto& family : group->families) {
      FamilyView& view = families[family.name];
      view.name = family.name;
      view.kind = family.kind;
      if (view.help == nullptr && family.help) {
        view.help = &*family.help;
      }
      for (const auto& metric : family.metrics) {
        view.metrics.push_back(&metric);
      }
    }
    const auto labels = group_series_labels(group->key);
    push_times.push_back(PushedMetric{labels, group->push_time_seconds, 0, 0, {}, {}});
    failure_times.push_back(PushedMetric{labels, group->push_failure_time_seconds, 0, 0, {}, {}});
  }
  FamilyView& push_time = families["push_time_seconds"];
  push_time = FamilyView{"push_time_seconds", &push_time_help, MetricKind::kGauge, {}};
  FamilyView& failure_time = families["push_failure_time_seconds"];
  failure_time = FamilyView{"push_failure_time_seconds", &push_failure_help, MetricKind::kGauge, {}};
  for (std::size_t i = 0; i < groups.size(); ++i) {
    push_time.metrics.push_back(&push_times[i]);
    failure_time.metrics.push_back(&failure_times[i]);
  }
  for (auto& [name, family] : families) {
    std::stable_sort(family.metrics.begin(), family.metrics.end(), go_metric_order);
    append_family(out, family);
  }
}

}  // namespace syncmon
