#include "syncmon/aggregator.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace syncmon {
namespace {

void add_to(Series& series, ValueKind kind, std::uint64_t amount, const HistogramDelta* histogram) {
  switch (kind) {
    case ValueKind::kCounter:
      series.value().fetch_add(amount, std::memory_order_relaxed);
      break;
    case ValueKind::kLatestTimestamp: {
      std::uint64_t seen = series.value().load(std::memory_order_relaxed);
      while (seen < amount && !series.value().compare_exchange_weak(seen, amount, std::memory_order_relaxed)) {
      }
      break;
    }
    case ValueKind::kHistogram: {
      const auto& counts = histogram->bucket_counts;
      for (std::size_t i = 0; i < counts.size(); ++i) {
        if (counts[i] != 0) {
          series.bucket(i).fetch_add(counts[i], std::memory_order_relaxed);
        }
      }
      if (histogram->sum != 0) {
        series.sum().fetch_add(histogram->sum, std::memory_order_relaxed);
      }
      break;
    }
  }
  series.mark_changed();
}

}  // namespace

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

std::size_t Aggregator::bucket_count_of(Family family) const {
  return family_info(family).kind == ValueKind::kHistogram ? layout_of(family).bucket_count() : 0;
}

Expected<Aggregator::Prepared, ApiError> Aggregator::prepare(PushBatch batch) {
  return prepare(std::move(batch), /*enforce_limit=*/true);
}

Expected<Aggregator::Prepared, ApiError> Aggregator::prepare(PushBatch batch, bool enforce_limit) {
  Prepared prepared;
  prepared.batch_ = std::move(batch);
  const PushBatch& pushed = prepared.batch_;
  auto& keys = prepared.keys_;
  auto& updates = prepared.updates_;
  keys.reserve(pushed.providers.size() + pushed.connections.size() + 1);
  updates.reserve(pushed.providers.size() * 5 + pushed.connections.size() * 5 + 2);
  const auto encode = [&keys](std::string_view first, std::string_view second) {
    std::string& key = keys.emplace_back();
    key.reserve(first.size() + second.size() + 1);
    key.append(first);
    key.push_back(kLabelSeparator);
    key.append(second);
    return keys.size() - 1;
  };
  using Update = Prepared::Update;
  for (const auto& entry : pushed.providers) {
    const std::size_t key = encode(entry.provider, entry.connection);
    for (std::size_t i = 0; i < kProviderCounterFamilies.size(); ++i) {
      updates.push_back(Update{kProviderCounterFamilies[i], key, 0, entry.counters[i], nullptr, nullptr});
    }
    if (entry.response_time) {
      updates.push_back(Update{Family::kProviderResponseTime, key, 0, 0, &*entry.response_time, nullptr});
    }
  }
  for (const auto& entry : pushed.connections) {
    const std::size_t key = encode(entry.connection, entry.resource);
    for (std::size_t i = 0; i < kConnectionTimingFamilies.size(); ++i) {
      if (entry.timings[i]) {
        updates.push_back(Update{kConnectionTimingFamilies[i], key, 0, 0, &*entry.timings[i], nullptr});
      }
    }
  }
  if (!pushed.job.empty()) {
    keys.push_back(pushed.job);
    const std::size_t key = keys.size() - 1;
    updates.push_back(Update{Family::kJobPushesTotal, key, 0, 1, nullptr, nullptr});
    updates.push_back(Update{Family::kJobLastPushTimestamp, key, 0,
                             static_cast<std::uint64_t>(std::max<std::int64_t>(pushed.received_at_unix_ms, 0)), nullptr,
                             nullptr});
  }

  // Resolve existing series without a lock; gather the missing ones, each series once even when
  // the batch names it twice.
  auto& missing = prepared.missing_;
  for (auto& update : updates) {
    update.hash = SeriesIndex::hash_of(update.family, keys[update.key]);
    update.series = index_.find(update.family, keys[update.key], update.hash);
    if (update.series == nullptr) {
      missing.push_back(&update);
    }
  }
  if (missing.empty()) {
    return prepared;
  }
  // The 429 names the family of the first missing series in the batch's own order.
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
  const std::size_t before = reserved_series_.fetch_add(distinct, std::memory_order_relaxed);
  if (enforce_limit && before + distinct > max_series_) {
    reserved_series_.fetch_sub(distinct, std::memory_order_relaxed);
    const std::string_view family = family_info(first_missing_family).name;
    return unexpected(ApiError{429,
                               fmt::format("the push would create {} new series ({} among them), beyond the "
                                           "limit of {} series (limits.max_series)",
                                           distinct, family, max_series_),
                               std::string(family), "series_limit"});
  }
  prepared.reserved_ = distinct;
  return prepared;
}

void Aggregator::create_missing(Prepared& prepared) {
  auto& missing = prepared.missing_;
  for (std::size_t i = 0; i < missing.size(); ++i) {
    Prepared::Update& update = *missing[i];
    // Another push may have created it since prepare().
    update.series = index_.find(update.family, prepared.keys_[update.key], update.hash);
    if (update.series != nullptr) {
      continue;
    }
    auto [series, created] = index_.find_or_create(update.family, prepared.keys_[update.key], update.hash,
                                                   bucket_count_of(update.family));
    update.series = series;
    if (created) {
      created_series_.fetch_add(1, std::memory_order_relaxed);
      --prepared.reserved_;
    }
  }
  // Room reserved for series that someone else created in the meantime goes back.
  reserved_series_.fetch_sub(prepared.reserved_, std::memory_order_relaxed);
  prepared.reserved_ = 0;
}

void Aggregator::commit(Prepared& prepared) {
  gate_.enter();
  if (!prepared.missing_.empty()) {
    create_missing(prepared);
  }
  for (const auto& update : prepared.updates_) {
    add_to(*update.series, family_info(update.family).kind, update.amount, update.histogram);
  }
  gate_.leave();
}

bool Aggregator::reserve_series(std::size_t count, bool force) {
  const std::size_t before = reserved_series_.fetch_add(count, std::memory_order_relaxed);
  if (!force && before + count > max_series_) {
    reserved_series_.fetch_sub(count, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void Aggregator::release_series(std::size_t count) { reserved_series_.fetch_sub(count, std::memory_order_relaxed); }

void Aggregator::abandon(Prepared& prepared) {
  reserved_series_.fetch_sub(prepared.reserved_, std::memory_order_relaxed);
  prepared.reserved_ = 0;
}

std::optional<ApiError> Aggregator::apply(PushBatch batch) {
  auto prepared = prepare(std::move(batch));
  if (!prepared) {
    return prepared.error();
  }
  commit(*prepared);
  return std::nullopt;
}

void Aggregator::replay(PushBatch batch) {
  // No limit: the batch was accepted once, and what was acknowledged must come back.
  auto prepared = prepare(std::move(batch), /*enforce_limit=*/false);
  commit(*prepared);
}

std::vector<SeriesState> Aggregator::take_changed(bool everything) {
  std::vector<SeriesState> changed;
  gate_.close();
  index_.for_each([&](const Series& series) {
    if (!series.take_changed() && !everything) {
      return;
    }
    SeriesState& state = changed.emplace_back();
    state.family = series.family();
    state.encoded_labels = std::string(series.encoded_labels());
    state.value = series.value().load(std::memory_order_relaxed);
    state.sum = series.sum().load(std::memory_order_relaxed);
    state.buckets.resize(series.bucket_count());
    for (std::size_t i = 0; i < series.bucket_count(); ++i) {
      state.buckets[i] = series.bucket(i).load(std::memory_order_relaxed);
    }
  });
  gate_.open();
  return changed;
}

bool Aggregator::restore(const SeriesState& state) {
  if (state.buckets.size() != bucket_count_of(state.family)) {
    return false;
  }
  const std::uint64_t hash = SeriesIndex::hash_of(state.family, state.encoded_labels);
  auto [series, created] = index_.find_or_create(state.family, state.encoded_labels, hash, state.buckets.size());
  if (created) {
    created_series_.fetch_add(1, std::memory_order_relaxed);
    reserved_series_.fetch_add(1, std::memory_order_relaxed);
  }
  series->value().store(state.value, std::memory_order_relaxed);
  series->sum().store(state.sum, std::memory_order_relaxed);
  for (std::size_t i = 0; i < state.buckets.size(); ++i) {
    series->bucket(i).store(state.buckets[i], std::memory_order_relaxed);
  }
  // Restored values are already stored; only later changes need the next snapshot.
  series->take_changed();
  return true;
}

}  // namespace syncmon
