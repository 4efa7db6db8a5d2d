#pragma once
// The series store: a concurrent hash index from (family, label values) to the series' atomics.
//
// Thread safety: every member may be called from any thread at any time.
// - find() is lock-free: it reads a published table and never waits.
// - find_or_create() takes the mutex of one of 64 shards, and only when the series is missing.
// - for_each() is lock-free and sees every series whose creation finished before it started.
// Series are never freed before the index itself, and neither are the tables that a grown shard
// retired: a reader still probing an old table reads valid memory and at worst misses a new
// series, which find_or_create() then finds under the shard mutex. The retired tables together
// are smaller than the current one, so keeping them costs at most one more table's worth.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "syncmon/families.h"

namespace syncmon {

// Label values of a series, in the family's label order, joined by this byte. Label values are
// valid UTF-8, which never contains 0xFF, so the encoding is unambiguous.
inline constexpr char kLabelSeparator = '\xff';

// The first two label values of an encoding (the second empty when there is none): the entity
// ids of provider (provider, connection) and connection (connection, resource) series.
inline std::pair<std::string_view, std::string_view> first_two_labels(std::string_view encoded) {
  const auto separator = encoded.find(kLabelSeparator);
  if (separator == std::string_view::npos) {
    return {encoded, {}};
  }
  const std::string_view rest = encoded.substr(separator + 1);
  return {encoded.substr(0, separator), rest.substr(0, rest.find(kLabelSeparator))};
}

class Series {
 public:
  Series(Family family, std::string encoded_labels, std::uint64_t hash, std::size_t bucket_count);

  Family family() const { return family_; }
  std::string_view encoded_labels() const { return encoded_labels_; }
  std::uint64_t hash() const { return hash_; }
  std::size_t bucket_count() const { return bucket_count_; }

  // Counter value, or the newest unix time in ms for a kLatestTimestamp family.
  std::atomic<std::uint64_t>& value() { return value_; }
  const std::atomic<std::uint64_t>& value() const { return value_; }
  // Histograms: non-cumulative bucket counts (+Inf last) and the sum of observations.
  std::atomic<std::uint64_t>& bucket(std::size_t i) { return buckets_[i]; }
  const std::atomic<std::uint64_t>& bucket(std::size_t i) const { return buckets_[i]; }
  std::atomic<double>& sum() { return sum_; }
  const std::atomic<double>& sum() const { return sum_; }

  // Changed since the last snapshot took it; new series start out changed.
  void mark_changed() { changed_.store(true, std::memory_order_relaxed); }
  bool take_changed() const { return changed_.exchange(false, std::memory_order_relaxed); }

 private:
  // Ordered so that the small members share the last word: 72 bytes, jemalloc's 80-byte class
  // (88 and the 96-byte class in declaration order), for each of up to millions of series.
  const std::string encoded_labels_;
  const std::uint64_t hash_;
  std::atomic<std::uint64_t> value_{0};
  std::atomic<double> sum_{0.0};
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  const std::uint32_t bucket_count_;
  const Family family_;
  mutable std::atomic<bool> changed_{true};
};

class SeriesIndex {
 public:
  static constexpr std::size_t kShardCount = 64;

  SeriesIndex();
  ~SeriesIndex();
  SeriesIndex(const SeriesIndex&) = delete;
  SeriesIndex& operator=(const SeriesIndex&) = delete;

  static std::uint64_t hash_of(Family family, std::string_view encoded_labels);

  Series* find(Family family, std::string_view encoded_labels, std::uint64_t hash) const;
  // The series, and whether this call created it (false: it existed, perhaps since a moment ago).
  std::pair<Series*, bool> find_or_create(Family family, std::string_view encoded_labels,
                                          std::uint64_t hash, std::size_t bucket_count);
  void for_each(const std::function<void(const Series&)>& visit) const;

 private:
  struct Table;
  struct Shard;

  static Series* probe(const Table& table, Family family, std::string_view encoded_labels,
                       std::uint64_t hash);
  Shard& shard_of(std::uint64_t hash) const;

  std::unique_ptr<Shard[]> shards_;
};

}  // namespace syncmon
