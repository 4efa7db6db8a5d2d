#pragma once
// The daemon's own recent history (SPEC 3.5's fallback and the listings' summaries): every
// `resolution` the sampler sums each entity's series and records what changed since the last
// sample. Only changes are stored, so a job that pushes every 15 minutes costs one record per
// push, not one per sample. Bounded by `retention` and by `max_bytes`, which counts the running
// sums too: when the bytes run out the oldest records go first and covered_since() moves
// forward, so answers say they are partial; sums for entities beyond the budget are not kept.
//
// Thread safety: sample() from one thread (the sampler), queries from any thread. The sampler
// sums under a shared lock (readers go on) and merges under an exclusive one. Plain C++: it reads
// the SeriesIndex, no clock, no I/O.

#include <cstdint>
#include <array>
#include <unordered_map>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "syncmon/duration.h"
#include "syncmon/families.h"
#include "syncmon/registry.h"
#include "syncmon/series_index.h"

namespace syncmon {

// Counts (one value for a counter; non-cumulative buckets, +Inf last, for a histogram) and the sum.
struct Totals {
  std::vector<std::uint64_t> counts;
  double sum = 0;

  void add(const Totals& other);
  std::uint64_t count() const;
  bool empty() const { return count() == 0 && sum == 0; }
};

class LocalHistory {
 public:
  LocalHistory(Duration retention, std::size_t max_bytes);

  // Records what changed since the previous sample. The first sample only sets the baseline:
  // what the series held at start-up happened before the history began.
  void sample(const SeriesIndex& index, std::int64_t now_ms);

  // Totals of each step ending at start, start+step, ..., end (each covering (t-step, t]).
  // `resource` empty with a connection timing family: all resources.
  std::vector<Totals> steps(Family family, EntityKind entity, const std::string& id, const std::string& resource,
                            std::int64_t start_ms, std::int64_t end_ms, std::int64_t step_ms) const;
  // Totals over (from_ms, to_ms].
  Totals total(Family family, EntityKind entity, const std::string& id, std::int64_t from_ms, std::int64_t to_ms) const;

  // The history holds every change after this time (0 before the first sample).
  std::int64_t covered_since_ms() const;
  // The sample time of the entity's latest change, if the history saw one.
  std::optional<std::int64_t> last_change_ms(EntityKind entity, const std::string& id) const;
  std::size_t bytes() const;
  // (entity, family, resource) sums that max_bytes left out of the last sample: answers about
  // them are empty.
  std::size_t untracked() const;

 private:
  struct Record {
    std::int64_t at_ms;
    Totals delta;
  };
  // One family (and resource) of one entity.
  struct Track {
    Family family;
    std::string resource;
    Totals cumulative;  // as of the last sample
    // The sampler's scratch for the sample in progress; readers never look at these.
    Totals pending;
    bool pending_set = false;
    std::vector<Record> records;  // from `head` on; older ones trimmed
    std::size_t head = 0;
  };
  struct Entity {
    std::vector<Track> tracks;
    std::optional<std::int64_t> last_change_ms;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };
  using Entities = std::unordered_map<std::string, Entity, Hash, std::equal_to<>>;
  struct NewTrack {
    EntityKind entity;
    std::string id;
    Family family;
    std::string resource;
    Totals totals;
  };

  const Entities& entities(EntityKind kind) const { return entities_[kind == EntityKind::kProvider ? 0 : 1]; }
  Entities& entities(EntityKind kind) { return entities_[kind == EntityKind::kProvider ? 0 : 1]; }
  static std::size_t record_bytes(const Totals& totals);
  static std::size_t track_bytes(const NewTrack& track);
  void record(Entity& entity, Track& track, Totals delta, std::int64_t now_ms);  // exclusive lock held
  void trim(std::int64_t now_ms);                                                // exclusive lock held
  template <typename Visit>
  void for_each_track(Family family, EntityKind entity, const std::string& id, const std::string* resource,
                      Visit visit) const;

  const Duration retention_;
  const std::size_t max_bytes_;
  mutable std::shared_mutex mutex_;
  std::array<Entities, 2> entities_;  // providers, connections
  std::int64_t covered_since_ms_ = 0;
  bool baseline_taken_ = false;
  std::size_t bytes_ = 0;
  std::size_t untracked_ = 0;
};

// Prometheus' histogram_quantile() on one step's non-cumulative buckets: linear interpolation
// within the bucket the rank falls in, the highest finite bound when it falls in +Inf. Nothing
// when the step observed nothing.
std::optional<double> bucket_quantile(double q, std::span<const double> bounds, const std::vector<std::uint64_t>& counts);

}  // namespace syncmon
