#pragma once
// The aggregated domain series in the text format 0.0.4, written straight into the response
// string. prometheus-cpp's Collectable + TextSerializer path built a MetricFamily with a
// ClientMetric and label strings per series first, and took 1,053 ms for 1M series
// (bench/suite.py); this writes the same families without the intermediate objects.
//
// Series are ordered by label hash (then labels): the same state always gives the same bytes,
// without sorting a million strings. Numbers are formatted as Go's client library formats them,
// like the Pushgateway groups next to them.
//
// Thread safety: may run concurrently with pushes and with itself.

#include <string>

#include "syncmon/aggregator.h"
#include "syncmon/registry_labels.h"

namespace syncmon {

// `registry` adds partner/tenant/source_provider/target_provider where it knows the ids.
void append_domain_text(std::string& out, const Aggregator& aggregator, const RegistryLabels& registry = {});

}  // namespace syncmon
