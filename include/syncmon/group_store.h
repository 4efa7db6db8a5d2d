#pragma once
// The Pushgateway-compatible groups and the Pushgateway's consistency rules, kept cheap: an
// index per metric family name (its type, the groups using it, their HELP texts) answers the
// consistency check of a push in time proportional to the push, not to what is stored (the
// Pushgateway re-gathers everything on each push).
//
// Thread safety: every member locks `mutex_`. Groups are immutable once published, so readers
// copy the group pointers under the lock and read them without it.

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "syncmon/api_error.h"
#include "syncmon/metric_group.h"

namespace syncmon {

enum class GroupPushMode : std::uint8_t {
  kReplaceGroup,     // PUT: the push becomes the whole group
  kReplaceFamilies,  // POST: the pushed families replace those of the same name in the group
};

// A parsed push for one group: what is validated, journalled and applied.
struct GroupPush {
  GroupingKey key;
  GroupPushMode mode = GroupPushMode::kReplaceGroup;
  std::vector<PushedFamily> families;  // as parsed; grouping labels not yet merged
  double at_seconds = 0;
  bool has_timestamps = false;
};

// Hands out and takes back room under limits.max_series (the aggregator's budget).
class SeriesBudget {
 public:
  virtual ~SeriesBudget() = default;
  // False (and nothing reserved) when `count` more would pass the limit, unless `force`d: what
  // was stored before (recovery, a rollback) always gets its room back.
  virtual bool reserve_series(std::size_t count, bool force = false) = 0;
  virtual void release_series(std::size_t count) = 0;
};

class GroupStore {
 public:
  // What apply_push/remove/wipe replaced, so that a change whose journal commit failed can be
  // taken back.
  struct Undo {
    std::vector<std::pair<std::string, std::shared_ptr<const MetricGroup>>> previous;  // null: absent
  };

  GroupStore(SeriesBudget& budget, bool consistency_check);

  // Applies a push, or rejects it with a 400 (timestamps, a type or HELP that conflicts with
  // another group, a series twice, a reserved name) and records the failure time on the group,
  // or with a 429 when the series would not fit.
  // Takes the push by value: its families move into the stored group without a copy.
  std::optional<ApiError> apply_push(GroupPush push, Undo* undo = nullptr);
  // DELETE: false when there was no such group.
  bool remove(const GroupingKey& key, Undo* undo = nullptr);
  void wipe(Undo* undo = nullptr);
  void rollback(Undo& undo);
  // Groups whose last change is older than `ttl_seconds`; returns how many were removed.
  std::size_t expire(double now_seconds, double ttl_seconds);

  // Every group, ordered by grouping key.
  std::vector<std::shared_ptr<const MetricGroup>> groups() const;
  std::size_t series_count() const;
  std::size_t group_count() const;

  // Groups changed since the last call (null: removed); every group with `everything`.
  std::vector<std::pair<std::string, std::shared_ptr<const MetricGroup>>> take_changed(bool everything);
  // Recovery: puts a stored group back as it was.
  void restore(MetricGroup group);

 private:
  struct FamilyUse {
    MetricKind kind = MetricKind::kUntyped;
    std::size_t groups = 0;
    std::map<std::string, std::size_t> helps;  // HELP text -> groups that gave it
  };

  std::optional<ApiError> check_consistency(const MetricGroup& next, const MetricGroup* current) const;
  void index(const PushedFamily& family, int delta);
  // Moves the family index from `previous` to `next` (either may be null).
  void reindex(const MetricGroup* previous, const MetricGroup* next);
  // Replaces (or with null removes) a group, keeping index and series count right; returns the
  // group it replaced.
  std::shared_ptr<const MetricGroup> publish(const std::string& id, std::shared_ptr<const MetricGroup> next,
                                             Undo* undo);
  void record_failure(const GroupPush& push, const std::string& id);

  SeriesBudget& budget_;
  const bool consistency_check_;
  mutable std::mutex mutex_;
  // By grouping_key_id. Hashed: a push looks its group up once, while order is wanted only by
  // readers of every group, which sort.
  std::unordered_map<std::string, std::shared_ptr<const MetricGroup>> groups_;
  std::unordered_map<std::string, FamilyUse> families_;
  std::unordered_set<std::string> changed_;  // group ids changed since the last snapshot
  std::size_t series_ = 0;
};

std::size_t series_in(const MetricGroup& group);
// Names syncmond itself exposes; a push may not use them.
bool is_reserved_metric_name(std::string_view name);

}  // namespace syncmon
