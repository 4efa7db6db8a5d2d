#pragma once
// Shared fixtures for the core unit tests.

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "syncmon/aggregator.h"
#include "syncmon/push_parser.h"

namespace syncmon::testing {

// An aggregator with the SPEC's default buckets and limits, unless told otherwise.
inline AggregatorConfig default_aggregator_config(std::size_t max_series = 1'000'000) {
  AggregatorConfig config;
  config.max_series = max_series;
  return config;
}

inline Expected<PushBatch, ApiError> parse(const Aggregator& aggregator, std::string_view body) {
  return parse_push(body, aggregator.push_schema());
}

// Parses and applies; fails the test on any error.
inline void push_ok(Aggregator& aggregator, std::string_view body, std::int64_t at_ms = 1'000'000) {
  auto batch = parse(aggregator, body);
  if (!batch) {
    throw std::runtime_error("unexpected parse error: " + batch.error().message);
  }
  batch->received_at_unix_ms = at_ms;
  if (auto error = aggregator.apply(*batch)) {
    throw std::runtime_error("unexpected apply error: " + error->message);
  }
}

// A file of the source tree (SYNCMON_SOURCE_DIR, set by CMake or the environment).
inline std::string read_source_file(const std::string& relative) {
  const char* from_env = std::getenv("SYNCMON_SOURCE_DIR");
  const std::string root = from_env != nullptr ? from_env : SYNCMON_SOURCE_DIR;
  std::ifstream in(root + "/" + relative, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot open " + root + "/" + relative);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline const Series* find_series(const Aggregator& aggregator, Family family, std::string_view first,
                                 std::string_view second = {}, bool has_second = true) {
  std::string key(first);
  if (has_second) {
    key.push_back(kLabelSeparator);
    key.append(second);
  }
  return aggregator.index().find(family, key, SeriesIndex::hash_of(family, key));
}

}  // namespace syncmon::testing
