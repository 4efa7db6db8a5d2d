#pragma once
// A metric family of one sample, for figures computed at scrape time (runtime and process_*).

#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "syncmon/text_writer.h"

namespace syncmon::api {

inline prometheus::MetricFamily single_sample_family(std::string name, std::string_view help,
                                                     prometheus::MetricType type, double value,
                                                     std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::MetricFamily family{std::move(name), escape_help_text(help), type, {}};
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  return family;
}

}  // namespace syncmon::api
