#pragma once
// The daemon's own recent history (SPEC 3.5's fallback and the listings' summaries). Every
// applied push adds its counts to the current interval of its entities (a provider: all its
// connections; a connection: provider metrics pushed with it, and its operation times per
// resource); every `resolution` the sampler closes the interval into one record per entity,
// family and resource that changed. The cost is proportional to what is pushed, never to the
// series held, and a job that pushes every 15 minutes costs one record per push. Bounded by
// `retention` and by `max_bytes`, which counts the entities too: when the bytes run out the
// oldest records go first and covered_since() moves forward, so answers say they are partial;
// entities beyond the budget are not kept (untracked()).
//
// Thread safety: add() from any thread (16 mutex shards by entity); sample() from one thread;
// queries from any thread under a shared lock. Plain C++: no clock, no I/O.

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "syncmon/duration.h"
#include "syncmon/families.h"
#include "syncmon/push_batch.h"
#include "syncmon/registry.h"

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
  // The history covers what is added from `started_at_ms` on.
  LocalHistory(Duration retention, std::size_t max_bytes, std::int64_t started_at_ms);

  // An applied push (at batch.received_at_unix_ms). Journal replays are not added: they happened
  // before the history began.
  void add(const PushBatch& batch);
  // Closes the interval: what was added since the last call becomes records at now_ms.
  void sample(std::int64_t now_ms);

  // Totals of each step ending at start, start+step, ..., end (each covering (t-step, t]).
  // `resource` empty with a connection timing family: all resources.
  std::vector<Totals> steps(Family family, EntityKind entity, const std::string& id, const std::string& resource,
                            std::int64_t start_ms, std::int64_t end_ms, std::int64_t step_ms) const;
  // Totals over (from_ms, to_ms].
  Totals total(Family family, EntityKind entity, const std::string& id, std::int64_t from_ms, std::int64_t to_ms) const;

  // The history holds every change after this time.
  std::int64_t covered_since_ms() const;
  // The time of the entity's latest push the history holds.
  std::optional<std::int64_t> last_change_ms(EntityKind entity, const std::string& id) const;
  std::size_t bytes() const;
  // (entity, family, resource) sums the last sample could not keep for want of max_bytes.
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
    std::vector<Record> records;  // from `head` on; older ones trimmed
    std::size_t head = 0;
  };
  struct Entity {
    std::vector<std::unique_ptr<Track>> tracks;  // owned apart, so that `expiry_` may point at them
    std::optional<std::int64_t> last_change_ms;
  };
  // Every record in the order it was stored, which is time order: trimming pops from the front
  // instead of visiting every track.
  struct Stored {
    std::int64_t at_ms;
    Track* track;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };
  using Entities = std::unordered_map<std::string, Entity, Hash, std::equal_to<>>;

  // The current interval of one entity: when it last pushed, and its sums by family and
  // resource (a handful, searched in order).
  struct PendingSum {
    Family family;
    std::string resource;
    Totals totals;
  };
  struct PendingEntity {
    std::int64_t last_push_ms = 0;
    std::vector<PendingSum> sums;
  };
  // The current interval of one shard of entities, by kind.
  struct Pending {
    std::array<std::unordered_map<std::string, PendingEntity, Hash, std::equal_to<>>, 2> entities;
  };
  struct Shard {
    std::mutex mutex;
    Pending pending;
  };
  static constexpr std::size_t kShards = 16;

  const Entities& entities(EntityKind kind) const { return entities_[kind == EntityKind::kProvider ? 0 : 1]; }
  Entities& entities(EntityKind kind) { return entities_[kind == EntityKind::kProvider ? 0 : 1]; }
  Shard& shard_of(std::string_view id) { return shards_[Hash{}(id) % kShards]; }
  // The entity's interval, its shard locked for as long as `locked` lives.
  PendingEntity& pending_entity(EntityKind entity, const std::string& id, std::unique_lock<std::mutex>& locked);
  static void add_sum(PendingEntity& entity, Family family, const std::string& resource,
                      std::span<const std::uint64_t> counts, double sum);
  static std::size_t record_bytes(const Totals& totals);
  void trim(std::int64_t now_ms);  // exclusive lock held
  template <typename Visit>
  void for_each_track(Family family, EntityKind entity, const std::string& id, const std::string* resource,
                      Visit visit) const;

  const Duration retention_;
  const std::size_t max_bytes_;
  std::array<Shard, kShards> shards_;
  mutable std::shared_mutex mutex_;  // guards everything below
  std::array<Entities, 2> entities_;  // providers, connections
  std::deque<Stored> expiry_;
  std::int64_t covered_since_ms_;
  std::size_t bytes_ = 0;
  std::size_t untracked_ = 0;
};

// Prometheus' histogram_quantile() on one step's non-cumulative buckets: linear interpolation
// within the bucket the rank falls in, the highest finite bound when it falls in +Inf. Nothing
// when the step observed nothing.
std::optional<double> bucket_quantile(double q, std::span<const double> bounds, const std::vector<std::uint64_t>& counts);

}  // namespace syncmon
