#pragma once
// A validated push: the unit that is parsed, (later) journalled, and applied whole.
// Observations are already bucketed against the configured layouts and converted to seconds.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace syncmon {

struct HistogramDelta {
  // Non-cumulative counts per bucket of the family's layout, the +Inf bucket last.
  std::vector<std::uint64_t> bucket_counts;
  double sum = 0;  // seconds

  std::uint64_t count() const;
};

struct ProviderEntry {
  std::string provider;
  std::string connection;  // empty: not pushed, the exported series has no connection label
  // request_total, request_success, request_error_400, request_error_500
  // (kProviderCounterFamilies order); an omitted field adds 0.
  std::array<std::uint64_t, 4> counters{};
  std::optional<HistogramDelta> response_time;
};

struct ConnectionEntry {
  std::string connection;
  std::string resource;
  // index, get, create, update, delete (kConnectionTimingFamilies order).
  std::array<std::optional<HistogramDelta>, 5> timings;
};

struct PushBatch {
  std::string job;  // empty: the push named no job
  std::vector<ProviderEntry> providers;
  std::vector<ConnectionEntry> connections;
  std::int64_t received_at_unix_ms = 0;

  // Observations carried by every histogram of the batch.
  std::uint64_t observation_count() const;
};

}  // namespace syncmon
