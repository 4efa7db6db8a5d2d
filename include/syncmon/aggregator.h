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
#include "syncmon/apply_gate.h"
#include "syncmon/expected.h"
#include "syncmon/group_store.h"
#include "syncmon/buckets.h"
#include "syncmon/push_batch.h"
#include "syncmon/push_parser.h"
#include "syncmon/series_index.h"

namespace syncmon {

// The values of one series, as a snapshot stores them.
struct SeriesState {
  Family family;
  std::string encoded_labels;
  std::uint64_t value = 0;              // counters and timestamps
  double sum = 0;                       // histograms
  std::vector<std::uint64_t> buckets;  // histograms: non-cumulative, +Inf last
};

struct AggregatorConfig {
  std::vector<double> provider_response_time_bounds = default_provider_response_time_bounds();
  std::vector<double> connection_operation_time_bounds = default_connection_operation_time_bounds();
  std::size_t max_series = 1'000'000;
  std::size_t max_label_value_length = 256;
};

class Aggregator final : public SeriesBudget {
 public:
  explicit Aggregator(const AggregatorConfig& config);

  // What the push parser validates against; valid for the aggregator's lifetime.
  PushSchema push_schema() const;
  const BucketLayout& layout_of(Family family) const;

  // A batch whose series have been looked up and whose new series have room reserved under
  // max_series; commit() then cannot fail. Owns the batch.
  class Prepared;

  // Checks that the batch fits (a 429 naming the family when the series it would create exceed
  // max_series) and reserves room for it. Changes nothing visible.
  Expected<Prepared, ApiError> prepare(PushBatch batch);
  // Applies a prepared batch whole.
  void commit(Prepared& prepared);
  // Gives back the room a prepared batch reserved, applying nothing.
  void abandon(Prepared& prepared);
  // prepare() and commit() in one go.
  std::optional<ApiError> apply(PushBatch batch);
  // Applies a batch that was accepted before (journal replay): no limit, it was checked then.
  void replay(PushBatch batch);

  // Copies the series changed since the last call (every series with `everything`), closing the
  // apply gate for the copy so that no batch is half in it.
  std::vector<SeriesState> take_changed(bool everything);
  // Sets a series to the stored values (recovery). False when the state does not fit the layout.
  bool restore(const SeriesState& state);

  // The budget under limits.max_series that the Pushgateway-compatible groups share.
  bool reserve_series(std::size_t count, bool force = false) override;
  void release_series(std::size_t count) override;

  // Series that exist (a histogram or a counter with one label set is one series).
  std::size_t series_count() const { return created_series_.load(std::memory_order_relaxed); }
  std::size_t max_series() const { return max_series_; }
  const SeriesIndex& index() const { return index_; }

 private:
  Expected<Prepared, ApiError> prepare(PushBatch batch, bool enforce_limit);
  std::size_t bucket_count_of(Family family) const;
  void create_missing(Prepared& prepared);

  const BucketLayout provider_layout_;
  const BucketLayout connection_layout_;
  const std::size_t max_series_;
  const std::size_t max_label_value_length_;
  SeriesIndex index_;
  ApplyGate gate_;
  // Series created plus those reserved by pushes that are creating them right now.
  std::atomic<std::size_t> reserved_series_{0};
  std::atomic<std::size_t> created_series_{0};
};

class Aggregator::Prepared {
 public:
  const PushBatch& batch() const { return batch_; }
  PushBatch& batch() { return batch_; }

 private:
  friend class Aggregator;
  struct Update {
    Family family;
    std::size_t key;  // index into keys
    std::uint64_t hash = 0;
    std::uint64_t amount = 0;                    // counters, timestamps
    const HistogramDelta* histogram = nullptr;  // histograms; points into batch_ (stable on move)
    Series* series = nullptr;
  };

  PushBatch batch_;
  std::vector<std::string> keys_;  // encoded label values, one per entry (and the job)
  std::vector<Update> updates_;
  std::vector<Update*> missing_;  // updates whose series did not exist, each series once
  std::size_t reserved_ = 0;      // series reserved under max_series and not yet created
};

}  // namespace syncmon
