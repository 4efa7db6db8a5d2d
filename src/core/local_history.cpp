#include "syncmon/local_history.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <numeric>
#include <tuple>

namespace syncmon {
namespace {

// What one series adds to: its provider (all connections), and its connection.
struct SeriesKey {
  EntityKind entity;
  std::string_view id;
  std::string_view resource;
};

// At most two keys; none for job series.
std::size_t keys_of(const Series& series, std::array<SeriesKey, 2>& keys) {
  const auto [first, second] = first_two_labels(series.encoded_labels());
  switch (family_info(series.family()).labels) {
    case LabelScheme::kProvider:
      keys[0] = {EntityKind::kProvider, first, {}};
      if (second.empty()) {
        return 1;
      }
      keys[1] = {EntityKind::kConnection, second, {}};
      return 2;
    case LabelScheme::kConnectionResource:
      keys[0] = {EntityKind::kConnection, first, second};
      return 1;
    case LabelScheme::kJob:
      return 0;
  }
  return 0;
}

void add_series(Totals& totals, const Series& series) {
  if (family_info(series.family()).kind == ValueKind::kHistogram) {
    if (totals.counts.size() < series.bucket_count()) {
      totals.counts.resize(series.bucket_count());
    }
    for (std::size_t i = 0; i < series.bucket_count(); ++i) {
      totals.counts[i] += series.bucket(i).load(std::memory_order_relaxed);
    }
    totals.sum += series.sum().load(std::memory_order_relaxed);
  } else {
    if (totals.counts.empty()) {
      totals.counts.resize(1);
    }
    totals.counts[0] += series.value().load(std::memory_order_relaxed);
  }
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

// Entity and map-node overhead, roughly, for the byte budget.
constexpr std::size_t kEntityOverhead = 128;

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

std::size_t LocalHistory::track_bytes(const NewTrack& track) {
  return sizeof(Track) + track.resource.size() + 2 * track.totals.counts.size() * sizeof(std::uint64_t);
}

void LocalHistory::sample(const SeriesIndex& index, std::int64_t now_ms) {
  // Sums for tracks that do not exist yet, created below under the exclusive lock.
  std::map<std::tuple<EntityKind, std::string_view, Family, std::string_view>, Totals> fresh;
  {
    // Only this thread changes the entity maps, so it may look them up under the shared lock
    // while readers go on; `pending` is its own.
    std::shared_lock lock(mutex_);
    std::array<SeriesKey, 2> keys;
    index.for_each([&](const Series& series) {
      const std::size_t count = keys_of(series, keys);
      for (std::size_t k = 0; k < count; ++k) {
        const SeriesKey& key = keys[k];
        Entities& map = entities(key.entity);
        const auto entity = map.find(key.id);
        Track* track = nullptr;
        if (entity != map.end()) {
          for (auto& candidate : entity->second.tracks) {
            if (candidate.family == series.family() && candidate.resource == key.resource) {
              track = &candidate;
              break;
            }
          }
        }
        if (track != nullptr) {
          add_series(track->pending, series);
          track->pending_set = true;
        } else {
          add_series(fresh[{key.entity, key.id, series.family(), key.resource}], series);
        }
      }
    });
  }
  std::unique_lock lock(mutex_);
  untracked_ = 0;
  for (auto& map : entities_) {
    for (auto& [id, entity] : map) {
      for (auto& track : entity.tracks) {
        if (!track.pending_set) {
          continue;  // no series of it this time (cannot happen: series are never removed)
        }
        if (baseline_taken_) {
          record(entity, track, difference(track.pending, track.cumulative), now_ms);
        }
        track.cumulative = std::move(track.pending);
        track.pending = Totals{};
        track.pending_set = false;
      }
    }
  }
  for (auto& [key, totals] : fresh) {
    const auto& [kind, id, family, resource] = key;
    NewTrack added{kind, std::string(id), family, std::string(resource), std::move(totals)};
    Entities& map = entities(kind);
    auto entity = map.find(added.id);
    const std::size_t cost = track_bytes(added) + (entity == map.end() ? kEntityOverhead + added.id.size() : 0);
    if (bytes_ + cost > max_bytes_) {
      ++untracked_;
      continue;
    }
    bytes_ += cost;
    if (entity == map.end()) {
      entity = map.emplace(added.id, Entity{}).first;
    }
    Track& track = entity->second.tracks.emplace_back();
    track.family = family;
    track.resource = std::move(added.resource);
    // A series that appeared since the last sample: all it holds happened since.
    if (baseline_taken_) {
      record(entity->second, track, added.totals, now_ms);
    }
    track.cumulative = std::move(added.totals);
  }
  if (!baseline_taken_) {
    baseline_taken_ = true;
    covered_since_ms_ = now_ms;
  }
  trim(now_ms);
}

void LocalHistory::record(Entity& entity, Track& track, Totals delta, std::int64_t now_ms) {
  if (delta.empty()) {
    return;
  }
  bytes_ += record_bytes(delta);
  track.records.push_back({now_ms, std::move(delta)});
  entity.last_change_ms = now_ms;
}

void LocalHistory::trim(std::int64_t now_ms) {
  std::int64_t keep_after = now_ms - retention_.count();
  // Over budget: move the horizon forward until the records after it fit.
  for (;;) {
    for (auto& map : entities_) {
      for (auto& [id, entity] : map) {
        for (auto& track : entity.tracks) {
          while (track.head < track.records.size() && track.records[track.head].at_ms <= keep_after) {
            bytes_ -= record_bytes(track.records[track.head].delta);
            ++track.head;
          }
          if (track.head > 0 && track.head * 2 >= track.records.size()) {
            track.records.erase(track.records.begin(), track.records.begin() + static_cast<std::ptrdiff_t>(track.head));
            track.head = 0;
          }
        }
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
  const Entities& map = entities(entity);
  const auto found = map.find(std::string_view(id));
  if (found == map.end()) {
    return;
  }
  for (const auto& track : found->second.tracks) {
    if (track.family == family && (resource == nullptr || track.resource == *resource)) {
      visit(track);
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
