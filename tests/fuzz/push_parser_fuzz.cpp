// Feeds arbitrary bytes to the native push parser (batch and both webhooks) and applies whatever
// it accepts. Any crash, sanitizer report or broken invariant is a finding.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "syncmon/aggregator.h"
#include "syncmon/push_parser.h"

namespace {

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

void check_histogram(const syncmon::HistogramDelta& histogram, const syncmon::BucketLayout& layout) {
  require(histogram.bucket_counts.size() == layout.bucket_count());
  require(std::isfinite(histogram.sum) && histogram.sum >= 0);
}

void check_batch(const syncmon::PushBatch& batch, const syncmon::Aggregator& aggregator) {
  for (const auto& entry : batch.providers) {
    require(!entry.provider.empty());
    require(entry.counters[1] + entry.counters[2] + entry.counters[3] <= entry.counters[0]);
    if (entry.response_time) {
      check_histogram(*entry.response_time, aggregator.layout_of(syncmon::Family::kProviderResponseTime));
    }
  }
  for (const auto& entry : batch.connections) {
    require(!entry.connection.empty() && !entry.resource.empty());
    for (const auto& timing : entry.timings) {
      if (timing) {
        check_histogram(*timing, aggregator.layout_of(syncmon::Family::kConnectionGetTime));
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static syncmon::Aggregator aggregator([] {
    syncmon::AggregatorConfig config;
    config.max_series = 20'000;
    return config;
  }());
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const syncmon::PushSchema schema = aggregator.push_schema();
  for (auto batch : {syncmon::parse_push(body, schema), syncmon::parse_provider_webhook(body, "p", schema),
                     syncmon::parse_connection_webhook(body, "c", schema)}) {
    if (batch) {
      check_batch(*batch, aggregator);
      if (auto error = aggregator.apply(*batch)) {
        require(error->status == 429);
      }
    } else {
      require(batch.error().status == 400 && !batch.error().message.empty() && !batch.error().path.empty());
    }
  }
  return 0;
}
