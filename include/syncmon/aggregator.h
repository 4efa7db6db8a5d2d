#pragma once
// Aggregates validated pushes into the series store: counters add, histograms merge bucket by
// bucket, job timestamps only move forward.
//
// Thread safety: apply() may run on many threads at once and takes no lock when every series the
// batch names already exists (the hot path: atomic adds only). Creating a series takes one shard
// mutex of the SeriesIndex. Readers (exposition) never block writers. A reader sees each atomic
// on its own: a scrape racing a push may see part of that push, never a torn value, and the
// next scrape sees all of it.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "syncmon/api_error.h"
#include "syncmon/buckets.h"
#include "syncmon/push_batch.h"
#include "syncmon/push_parser.h"
#include "syncmon/series_index.h"

namespace syncmon {

struct AggregatorConfig {
  std::vector<double> provider_response_time_bounds = default_provider_response_time_bounds();
  std::vector<double> connection_operation_time_bounds = default_connection_operation_time_bounds();
  std::size_t max_series = 1'000'000;
  std::size_t max_label_value_length = 256;
};

class Aggregator {
 public:
  explicit Aggregator(const AggregatorConfig& config);

  // What the push parser validates against; valid for the aggregator's lifetime.
  PushSchema push_schema() const;
  const BucketLayout& layout_of(Family family) const;

  // Applies the whole batch, or nothing and a 429 naming the family when the series it would
  // create do not fit under max_series.
  std::optional<ApiError> apply(const PushBatch& batch);

  // Series that exist (a histogram or a counter with one label set is one series).
  std::size_t series_count() const { return created_series_.load(std::memory_order_relaxed); }
  std::size_t max_series() const { return max_series_; }
  const SeriesIndex& index() const { return index_; }

 private:
  struct Update;
  void collect_updates(const PushBatch& batch, std::vector<Update>& updates,
                       std::vector<std::string>& keys) const;
  std::optional<ApiError> create_missing(std::vector<Update*>& missing, const std::vector<std::string>& keys);

  const BucketLayout provider_layout_;
  const BucketLayout connection_layout_;
  const std::size_t max_series_;
  const std::size_t max_label_value_length_;
  SeriesIndex index_;
  // Series created plus those reserved by pushes that are creating them right now.
  std::atomic<std::size_t> reserved_series_{0};
  std::atomic<std::size_t> created_series_{0};
};

}  // namespace syncmon
