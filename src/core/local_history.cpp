#include "syncmon/local_history.h"

#include <algorithm>
#include <mutex>
#include <numeric>

namespace syncmon {
namespace {

// A series' keys in the history, from its family and encoded label values.
std::vector<HistoryKey> keys_of(const Series& series) {
  const FamilyInfo& info = family_info(series.family());
  const auto [first, second] = first_two_labels(series.encoded_labels());
  switch (info.labels) {
    case LabelScheme::kProvider:
      if (second.empty()) {
        return {{series.family(), EntityKind::kProvider, std::string(first), ""}};
      }
      return {{series.family(), EntityKind::kProvider, std::string(first), ""},
              {series.family(), EntityKind::kConnection, std::string(second), ""}};
    case LabelScheme::kConnectionResource:
      return {{series.family(), EntityKind::kConnection, std::string(first), std::string(second)}};
    case LabelScheme::kJob:
      return {};
  }
  return {};
}

Totals read_totals(const Series& series) {
  Totals totals;
  if (family_info(series.family()).kind == ValueKind::kHistogram) {
    totals.counts.resize(series.bucket_count());
    for (std::size_t i = 0; i < totals.counts.size(); ++i) {
      totals.counts[i] = series.bucket(i).load(std::memory_order_relaxed);
    }
    totals.sum = series.sum().load(std::memory_order_relaxed);
  } else {
    totals.counts = {series.value().load(std::memory_order_relaxed)};
  }
  return totals;
}

Totals difference(const Totals& now, const Totals& before) {
  Totals delta;
  delta.counts.resize(now.counts.size());
  for (std::size_t i = 0; i < now.counts.size(); ++i) {
    const std::uint64_t previous = i < before.counts.size() ? before.counts[i] : 0;
    delta.counts[i] = now.counts[i] >= previous ? now.counts[i] - previous : 0;
  }
  delta.sum = std::max(0.0, now.sum - before.sum);
  return delta;
}

}  // namespace

void Totals::add(const Totals& other) {
  if (counts.size() < other.counts.size()) {
    counts.resize(other.counts.size());
  }
  for (std::size_t i = 0; i < other.counts.size(); ++i) {
    counts[i] += other.counts[i];
  }
  sum += other.sum;
}

std::uint64_t Totals::count() const { return std::accumulate(counts.begin(), counts.end(), std::uint64_t{0}); }

LocalHistory::LocalHistory(Duration retention, std::size_t max_bytes) : retention_(retention), max_bytes_(max_bytes) {}

std::size_t LocalHistory::record_bytes(const Totals& totals) {
  return sizeof(Record) + totals.counts.size() * sizeof(std::uint64_t);
}

void LocalHistory::sample(const SeriesIndex& index, std::int64_t now_ms) {
  // Summing happens outside the lock; readers wait only for the short merge below.
  std::map<HistoryKey, Totals> current;
  index.for_each([&current](const Series& series) {
    for (auto& key : keys_of(series)) {
      current[std::move(key)].add(read_totals(series));
    }
  });
  std::unique_lock lock(mutex_);
  for (auto& [key, totals] : current) {
    auto [it, created] = tracks_.try_emplace(key);
    Track& track = it->second;
    if (baseline_taken_) {
      Totals delta = difference(totals, track.cumulative);
      if (!delta.empty()) {
        bytes_ += record_bytes(delta);
        track.records.push_back({now_ms, std::move(delta)});
        last_change_[{key.entity, key.id}] = now_ms;
      }
    }
    track.cumulative = std::move(totals);
  }
  if (!baseline_taken_) {
    baseline_taken_ = true;
    covered_since_ms_ = now_ms;
  }
  trim(now_ms);
}

void LocalHistory::trim(std::int64_t now_ms) {
  std::int64_t keep_after = now_ms - retention_.count();
  // Over budget: move the horizon forward until the records after it fit.
  for (;;) {
    for (auto& [key, track] : tracks_) {
      while (!track.records.empty() && track.records.front().at_ms <= keep_after) {
        bytes_ -= record_bytes(track.records.front().delta);
        track.records.pop_front();
      }
    }
    if (bytes_ <= max_bytes_ || keep_after >= now_ms) {
      break;
    }
    keep_after += std::max<std::int64_t>(1000, (now_ms - keep_after) / 10);
  }
  covered_since_ms_ = std::max(covered_since_ms_, keep_after);
}

template <typename Visit>
void LocalHistory::for_each_track(Family family, EntityKind entity, const std::string& id, const std::string* resource,
                                  Visit visit) const {
  const HistoryKey first{family, entity, id, resource != nullptr ? *resource : std::string()};
  for (auto it = tracks_.lower_bound(first); it != tracks_.end(); ++it) {
    const HistoryKey& key = it->first;
    if (key.family != family || key.entity != entity || key.id != id) {
      break;
    }
    if (resource != nullptr && key.resource != *resource) {
      break;
    }
    visit(it->second);
  }
}

std::vector<Totals> LocalHistory::steps(Family family, EntityKind entity, const std::string& id,
                                        const std::string& resource, std::int64_t start_ms, std::int64_t end_ms,
                                        std::int64_t step_ms) const {
  const std::size_t count = end_ms >= start_ms ? static_cast<std::size_t>((end_ms - start_ms) / step_ms) + 1 : 0;
  std::vector<Totals> out(count);
  std::shared_lock lock(mutex_);
  for_each_track(family, entity, id, resource.empty() ? nullptr : &resource, [&](const Track& track) {
    // Records are in time order: skip to the first that falls in the first step.
    auto record = std::lower_bound(track.records.begin(), track.records.end(), start_ms - step_ms + 1,
                                   [](const Record& r, std::int64_t at) { return r.at_ms < at; });
    for (; record != track.records.end() && record->at_ms <= end_ms; ++record) {
      // The step whose (t-step, t] holds the record.
      const std::int64_t offset = record->at_ms - start_ms;
      const std::size_t at = offset <= 0 ? 0 : static_cast<std::size_t>((offset + step_ms - 1) / step_ms);
      if (at < out.size()) {
        out[at].add(record->delta);
      }
    }
  });
  return out;
}

Totals LocalHistory::total(Family family, EntityKind entity, const std::string& id, std::int64_t from_ms,
                           std::int64_t to_ms) const {
  Totals out;
  std::shared_lock lock(mutex_);
  for_each_track(family, entity, id, nullptr, [&](const Track& track) {
    for (const auto& record : track.records) {
      if (record.at_ms > from_ms && record.at_ms <= to_ms) {
        out.add(record.delta);
      }
    }
  });
  return out;
}

std::int64_t LocalHistory::covered_since_ms() const {
  std::shared_lock lock(mutex_);
  return covered_since_ms_;
}

std::optional<std::int64_t> LocalHistory::last_change_ms(EntityKind entity, const std::string& id) const {
  std::shared_lock lock(mutex_);
  const auto it = last_change_.find({entity, id});
  return it != last_change_.end() ? std::optional(it->second) : std::nullopt;
}

std::size_t LocalHistory::bytes() const {
  std::shared_lock lock(mutex_);
  return bytes_;
}

std::optional<double> bucket_quantile(double q, std::span<const double> bounds, const std::vector<std::uint64_t>& counts) {
  const std::uint64_t total = std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
  if (total == 0 || counts.size() != bounds.size() + 1) {
    return std::nullopt;
  }
  const double rank = q * static_cast<double>(total);
  std::uint64_t below = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const std::uint64_t through = below + counts[i];
    if (static_cast<double>(through) >= rank && counts[i] > 0) {
      if (i == bounds.size()) {
        return bounds.empty() ? std::nullopt : std::optional(bounds.back());
      }
      // Like Prometheus: the first bucket starts at 0 when its bound is positive.
      const double lower = i == 0 ? std::min(0.0, bounds[0]) : bounds[i - 1];
      const double upper = bounds[i];
      const double within = (rank - static_cast<double>(below)) / static_cast<double>(counts[i]);
      return lower + (upper - lower) * within;
    }
    below = through;
  }
  return bounds.empty() ? std::nullopt : std::optional(bounds.back());
}

}  // namespace syncmon
