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

LocalHistory::LocalHistory(Duration retention, std::size_t max_bytes, std::int64_t started_at_ms)
    : retention_(retention), max_bytes_(max_bytes), covered_since_ms_(started_at_ms) {}

std::size_t LocalHistory::record_bytes(const Totals& totals) {
  return sizeof(Record) + sizeof(Stored) + totals.counts.size() * sizeof(std::uint64_t);
}

LocalHistory::PendingEntity& LocalHistory::pending_entity(EntityKind entity, const std::string& id,
                                                         std::unique_lock<std::mutex>& locked) {
  if (locked.owns_lock()) {
    locked.unlock();  // one shard at a time, so that no two threads can wait on each other
  }
  Shard& shard = shard_of(id);
  locked = std::unique_lock(shard.mutex);
  auto& map = shard.pending.entities[index_of(entity)];
  auto found = map.find(std::string_view(id));
  if (found == map.end()) {
    found = map.emplace(id, PendingEntity{}).first;
  }
  return found->second;
}

void LocalHistory::add_sum(PendingEntity& entity, Family family, const std::string& resource,
                           std::span<const std::uint64_t> counts, double sum) {
  // Nothing observed (a counter pushed as 0): the push time alone says the entity is alive.
  if (sum == 0 && std::all_of(counts.begin(), counts.end(), [](std::uint64_t c) { return c == 0; })) {
    return;
  }
  auto pending = std::find_if(entity.sums.begin(), entity.sums.end(), [&](const PendingSum& candidate) {
    return candidate.family == family && candidate.resource == resource;
  });
  if (pending == entity.sums.end()) {
    pending = entity.sums.insert(entity.sums.end(), PendingSum{family, resource, {}});
  }
  Totals& totals = pending->totals;
  if (totals.counts.size() < counts.size()) {
    totals.counts.resize(counts.size());
  }
  for (std::size_t i = 0; i < counts.size(); ++i) {
    totals.counts[i] += counts[i];
  }
  totals.sum += sum;
}

void LocalHistory::add(const PushBatch& batch) {
  static const std::string kNoResource;
  const std::int64_t at = batch.received_at_unix_ms;
  std::unique_lock<std::mutex> locked;
  // A provider entry counts for its provider, and for its connection when it names one.
  const auto add_provider_entry = [&](EntityKind kind, const std::string& id, const ProviderEntry& entry) {
    PendingEntity& entity = pending_entity(kind, id, locked);
    entity.last_push_ms = std::max(entity.last_push_ms, at);
    for (std::size_t i = 0; i < kProviderCounterFamilies.size(); ++i) {
      add_sum(entity, kProviderCounterFamilies[i], kNoResource, std::span(&entry.counters[i], 1), 0);
    }
    if (entry.response_time) {
      add_sum(entity, Family::kProviderResponseTime, kNoResource, entry.response_time->bucket_counts,
              entry.response_time->sum);
    }
    locked.unlock();
  };
  for (const auto& entry : batch.providers) {
    add_provider_entry(EntityKind::kProvider, entry.provider, entry);
    if (!entry.connection.empty()) {
      add_provider_entry(EntityKind::kConnection, entry.connection, entry);
    }
  }
  for (const auto& entry : batch.connections) {
    PendingEntity& entity = pending_entity(EntityKind::kConnection, entry.connection, locked);
    entity.last_push_ms = std::max(entity.last_push_ms, at);
    for (std::size_t i = 0; i < kConnectionTimingFamilies.size(); ++i) {
      if (const auto& timing = entry.timings[i]) {
        add_sum(entity, kConnectionTimingFamilies[i], entry.resource, timing->bucket_counts, timing->sum);
      }
    }
    locked.unlock();
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
    for (std::size_t kind = 0; kind < 2; ++kind) {
      for (auto& [id, interval] : pending.entities[kind]) {
        Entities& map = entities_[kind];
        auto entity = map.find(std::string_view(id));
        if (entity == map.end()) {
          const std::size_t cost = kEntityOverhead + id.size();
          if (bytes_ + cost > max_bytes_) {
            untracked_ += 1 + interval.sums.size();
            continue;
          }
          bytes_ += cost;
          entity = map.emplace(id, Entity{}).first;
        }
        entity->second.last_change_ms = std::max(entity->second.last_change_ms.value_or(0), interval.last_push_ms);
        for (auto& [family, resource, totals] : interval.sums) {
          Track* track = nullptr;
          for (auto& candidate : entity->second.tracks) {
            if (candidate->family == family && candidate->resource == resource) {
              track = candidate.get();
              break;
            }
          }
          const std::size_t record_cost = record_bytes(totals);
          if (track == nullptr) {
            const std::size_t cost = sizeof(Track) + resource.size();
            if (bytes_ + cost + record_cost > max_bytes_) {
              ++untracked_;
              continue;
            }
            bytes_ += cost;
            track = entity->second.tracks.emplace_back(std::make_unique<Track>()).get();
            track->family = family;
            track->resource = resource;
          }
          bytes_ += record_cost;
          track->records.push_back({now_ms, std::move(totals)});
          expiry_.push_back({now_ms, track});
        }
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
