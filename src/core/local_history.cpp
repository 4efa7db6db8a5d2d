#include "syncmon/local_history.h"

#include <algorithm>
#include <numeric>

namespace syncmon {
namespace {

// Entity and map-node overhead, roughly, for the byte budget.
constexpr std::size_t kEntityOverhead = 128;

std::size_t index_of(EntityKind kind) { return kind == EntityKind::kProvider ? 0 : 1; }

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

std::size_t LocalHistory::PendingHash::operator()(const PendingKey& key) const {
  std::size_t hash = std::hash<std::string_view>{}(key.id);
  hash = hash * 31 + std::hash<std::string_view>{}(key.resource);
  return hash * 31 + static_cast<std::size_t>(key.family) * 2 + index_of(key.entity);
}

LocalHistory::LocalHistory(Duration retention, std::size_t max_bytes, std::int64_t started_at_ms)
    : retention_(retention), max_bytes_(max_bytes), covered_since_ms_(started_at_ms) {}

std::size_t LocalHistory::record_bytes(const Totals& totals) {
  return sizeof(Record) + sizeof(Stored) + totals.counts.size() * sizeof(std::uint64_t);
}

void LocalHistory::add_to(EntityKind entity, const std::string& id, Family family, const std::string& resource,
                          const std::vector<std::uint64_t>& counts, double sum, std::int64_t at_ms) {
  Shard& shard = shard_of(id);
  std::lock_guard lock(shard.mutex);
  // Nothing observed (a counter pushed as 0): only the push time counts.
  const bool empty = sum == 0 && std::all_of(counts.begin(), counts.end(), [](std::uint64_t c) { return c == 0; });
  if (!empty) {
    Totals& totals = shard.pending.sums[PendingKey{entity, id, family, resource}];
    if (totals.counts.size() < counts.size()) {
      totals.counts.resize(counts.size());
    }
    for (std::size_t i = 0; i < counts.size(); ++i) {
      totals.counts[i] += counts[i];
    }
    totals.sum += sum;
  }
  auto& last = shard.pending.last_push[index_of(entity)][id];
  last = std::max(last, at_ms);
}

void LocalHistory::add(const PushBatch& batch) {
  static const std::string kNoResource;
  const std::int64_t at = batch.received_at_unix_ms;
  const auto add_entry = [&](const std::string& provider, const std::string& connection, Family family,
                             const std::vector<std::uint64_t>& counts, double sum) {
    add_to(EntityKind::kProvider, provider, family, kNoResource, counts, sum, at);
    if (!connection.empty()) {
      add_to(EntityKind::kConnection, connection, family, kNoResource, counts, sum, at);
    }
  };
  for (const auto& entry : batch.providers) {
    for (std::size_t i = 0; i < kProviderCounterFamilies.size(); ++i) {
      add_entry(entry.provider, entry.connection, kProviderCounterFamilies[i], {entry.counters[i]}, 0);
    }
    if (entry.response_time) {
      add_entry(entry.provider, entry.connection, Family::kProviderResponseTime, entry.response_time->bucket_counts,
                entry.response_time->sum);
    }
  }
  for (const auto& entry : batch.connections) {
    for (std::size_t i = 0; i < kConnectionTimingFamilies.size(); ++i) {
      if (const auto& timing = entry.timings[i]) {
        add_to(EntityKind::kConnection, entry.connection, kConnectionTimingFamilies[i], entry.resource,
               timing->bucket_counts, timing->sum, at);
      }
    }
  }
}

void LocalHistory::sample(std::int64_t now_ms) {
  // Take each shard's interval out under its own lock, so that pushes wait only for a swap.
  std::array<Pending, kShards> closed;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    std::swap(closed[i], shards_[i].pending);
  }
  std::unique_lock lock(mutex_);
  untracked_ = 0;
  for (auto& pending : closed) {
    for (auto& [key, totals] : pending.sums) {
      Entities& map = entities(key.entity);
      auto entity = map.find(std::string_view(key.id));
      Track* track = nullptr;
      if (entity != map.end()) {
        for (auto& candidate : entity->second.tracks) {
          if (candidate->family == key.family && candidate->resource == key.resource) {
            track = candidate.get();
            break;
          }
        }
      }
      const std::size_t record_cost = totals.empty() ? 0 : record_bytes(totals);
      if (track == nullptr) {
        const std::size_t cost = sizeof(Track) + key.resource.size() + record_cost +
                                 (entity == map.end() ? kEntityOverhead + key.id.size() : 0);
        if (bytes_ + cost > max_bytes_) {
          ++untracked_;
          continue;
        }
        bytes_ += cost - record_cost;
        if (entity == map.end()) {
          entity = map.emplace(key.id, Entity{}).first;
        }
        track = entity->second.tracks.emplace_back(std::make_unique<Track>()).get();
        track->family = key.family;
        track->resource = key.resource;
      }
      if (record_cost > 0) {
        bytes_ += record_cost;
        track->records.push_back({now_ms, std::move(totals)});
        expiry_.push_back({now_ms, track});
      }
    }
    for (std::size_t kind = 0; kind < 2; ++kind) {
      for (const auto& [id, at] : pending.last_push[kind]) {
        auto entity = entities_[kind].find(std::string_view(id));
        if (entity == entities_[kind].end()) {
          // A push that observed nothing still says the entity is alive.
          const std::size_t cost = kEntityOverhead + id.size();
          if (bytes_ + cost > max_bytes_) {
            ++untracked_;
            continue;
          }
          bytes_ += cost;
          entity = entities_[kind].emplace(id, Entity{}).first;
        }
        entity->second.last_change_ms = std::max(entity->second.last_change_ms.value_or(at), at);
      }
    }
  }
  trim(now_ms);
}

void LocalHistory::trim(std::int64_t now_ms) {
  const std::int64_t keep_after = now_ms - retention_.count();
  std::int64_t horizon = keep_after;
  // Oldest first: past the retention, then while over budget.
  while (!expiry_.empty() && (expiry_.front().at_ms <= keep_after || bytes_ > max_bytes_)) {
    const Stored oldest = expiry_.front();
    expiry_.pop_front();
    Track& track = *oldest.track;
    bytes_ -= record_bytes(track.records[track.head].delta);
    ++track.head;
    horizon = std::max(horizon, oldest.at_ms);
    if (track.head * 2 >= track.records.size()) {
      track.records.erase(track.records.begin(), track.records.begin() + static_cast<std::ptrdiff_t>(track.head));
      track.head = 0;
    }
  }
  covered_since_ms_ = std::max(covered_since_ms_, horizon);
}

template <typename Visit>
void LocalHistory::for_each_track(Family family, EntityKind entity, const std::string& id, const std::string* resource,
                                  Visit visit) const {
  const Entities& map = entities(entity);
  const auto found = map.find(std::string_view(id));
  if (found == map.end()) {
    return;
  }
  for (const auto& track : found->second.tracks) {
    if (track->family == family && (resource == nullptr || track->resource == *resource)) {
      visit(*track);
    }
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
    const auto begin = track.records.begin() + static_cast<std::ptrdiff_t>(track.head);
    auto record = std::lower_bound(begin, track.records.end(), start_ms - step_ms + 1,
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
    for (std::size_t i = track.head; i < track.records.size(); ++i) {
      const Record& record = track.records[i];
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
  const Entities& map = entities(entity);
  const auto found = map.find(std::string_view(id));
  return found != map.end() ? found->second.last_change_ms : std::nullopt;
}

std::size_t LocalHistory::bytes() const {
  std::shared_lock lock(mutex_);
  return bytes_;
}

std::size_t LocalHistory::untracked() const {
  std::shared_lock lock(mutex_);
  return untracked_;
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
