#include "syncmon/aggregator.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace syncmon {

struct Aggregator::Update {
  Family family;
  std::size_t key;  // index into the batch's encoded label keys
  std::uint64_t hash = 0;
  std::uint64_t amount = 0;                    // counters, timestamps
  const HistogramDelta* histogram = nullptr;  // histograms
  Series* series = nullptr;
};

Aggregator::Aggregator(const AggregatorConfig& config)
    : provider_layout_(config.provider_response_time_bounds),
      connection_layout_(config.connection_operation_time_bounds),
      max_series_(config.max_series),
      max_label_value_length_(config.max_label_value_length) {}

PushSchema Aggregator::push_schema() const {
  return PushSchema{&provider_layout_, &connection_layout_, max_label_value_length_};
}

const BucketLayout& Aggregator::layout_of(Family family) const {
  return family == Family::kProviderResponseTime ? provider_layout_ : connection_layout_;
}

void Aggregator::collect_updates(const PushBatch& batch, std::vector<Update>& updates,
                                 std::vector<std::string>& keys) const {
  const auto encode = [&keys](std::string_view first, std::string_view second) {
    std::string& key = keys.emplace_back();
    key.reserve(first.size() + second.size() + 1);
    key.append(first);
    key.push_back(kLabelSeparator);
    key.append(second);
    return keys.size() - 1;
  };
  for (const auto& entry : batch.providers) {
    const std::size_t key = encode(entry.provider, entry.connection);
    for (std::size_t i = 0; i < kProviderCounterFamilies.size(); ++i) {
      updates.push_back({kProviderCounterFamilies[i], key, 0, entry.counters[i], nullptr, nullptr});
    }
    if (entry.response_time) {
      updates.push_back({Family::kProviderResponseTime, key, 0, 0, &*entry.response_time, nullptr});
    }
  }
  for (const auto& entry : batch.connections) {
    const std::size_t key = encode(entry.connection, entry.resource);
    for (std::size_t i = 0; i < kConnectionTimingFamilies.size(); ++i) {
      if (entry.timings[i]) {
        updates.push_back({kConnectionTimingFamilies[i], key, 0, 0, &*entry.timings[i], nullptr});
      }
    }
  }
  if (!batch.job.empty()) {
    keys.push_back(batch.job);
    const std::size_t key = keys.size() - 1;
    updates.push_back({Family::kJobPushesTotal, key, 0, 1, nullptr, nullptr});
    updates.push_back({Family::kJobLastPushTimestamp, key, 0,
                       static_cast<std::uint64_t>(std::max<std::int64_t>(batch.received_at_unix_ms, 0)),
                       nullptr, nullptr});
  }
}

std::optional<ApiError> Aggregator::create_missing(std::vector<Update*>& missing,
                                                   const std::vector<std::string>& keys) {
  // The first series the batch names that is missing; the 429 names its family.
  const Family first_missing_family = missing.front()->family;
  const auto same_series = [&keys](const Update* a, const Update* b) {
    return a->hash == b->hash && a->family == b->family && keys[a->key] == keys[b->key];
  };
  std::sort(missing.begin(), missing.end(), [&keys](const Update* a, const Update* b) {
    return std::tie(a->hash, a->family, keys[a->key]) < std::tie(b->hash, b->family, keys[b->key]);
  });
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < missing.size(); ++i) {
    distinct += (i == 0 || !same_series(missing[i - 1], missing[i])) ? 1 : 0;
  }

  // Reserve room before creating anything, so that a batch that does not fit changes nothing.
  const std::size_t before = reserved_series_.fetch_add(distinct, std::memory_order_relaxed);
  if (before + distinct > max_series_) {
    reserved_series_.fetch_sub(distinct, std::memory_order_relaxed);
    const std::string_view family = family_info(first_missing_family).name;
    return ApiError{429,
                    fmt::format("the push would create {} new series ({} among them), beyond the limit "
                                "of {} series (limits.max_series)",
                                distinct, family, max_series_),
                    std::string(family), "series_limit"};
  }
  for (std::size_t i = 0; i < missing.size(); ++i) {
    Update& update = *missing[i];
    if (i > 0 && same_series(missing[i - 1], &update)) {
      update.series = missing[i - 1]->series;
      continue;
    }
    const std::size_t buckets = family_info(update.family).kind == ValueKind::kHistogram
                                    ? layout_of(update.family).bucket_count()
                                    : 0;
    auto [series, created] = index_.find_or_create(update.family, keys[update.key], update.hash, buckets);
    update.series = series;
    if (created) {
      created_series_.fetch_add(1, std::memory_order_relaxed);
    } else {
      // A concurrent push created it between our lookup and now.
      reserved_series_.fetch_sub(1, std::memory_order_relaxed);
    }
  }
  return std::nullopt;
}

std::optional<ApiError> Aggregator::apply(const PushBatch& batch) {
  std::vector<Update> updates;
  std::vector<std::string> keys;
  updates.reserve(batch.providers.size() * 5 + batch.connections.size() * 5 + 2);
  keys.reserve(batch.providers.size() + batch.connections.size() + 1);
  collect_updates(batch, updates, keys);

  // 1. Resolve existing series without a lock; gather what is missing, each series once even
  // when the batch names it twice.
  std::vector<Update*> missing;
  for (auto& update : updates) {
    update.hash = SeriesIndex::hash_of(update.family, keys[update.key]);
    update.series = index_.find(update.family, keys[update.key], update.hash);
    if (update.series == nullptr) {
      missing.push_back(&update);
    }
  }
  if (!missing.empty()) {
    if (auto error = create_missing(missing, keys)) {
      return error;
    }
  }

  // 3. Apply. Nothing below can fail.
  for (const auto& update : updates) {
    Series& series = *update.series;
    switch (family_info(update.family).kind) {
      case ValueKind::kCounter:
        series.value().fetch_add(update.amount, std::memory_order_relaxed);
        break;
      case ValueKind::kLatestTimestamp: {
        std::uint64_t seen = series.value().load(std::memory_order_relaxed);
        while (seen < update.amount &&
               !series.value().compare_exchange_weak(seen, update.amount, std::memory_order_relaxed)) {
        }
        break;
      }
      case ValueKind::kHistogram: {
        const auto& counts = update.histogram->bucket_counts;
        for (std::size_t i = 0; i < counts.size(); ++i) {
          if (counts[i] != 0) {
            series.bucket(i).fetch_add(counts[i], std::memory_order_relaxed);
          }
        }
        if (update.histogram->sum != 0) {
          series.sum().fetch_add(update.histogram->sum, std::memory_order_relaxed);
        }
        break;
      }
    }
  }
  return std::nullopt;
}

}  // namespace syncmon
