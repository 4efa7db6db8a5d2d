#include "syncmon/group_store.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

namespace syncmon {
namespace {

ApiError inconsistent(std::string detail) {
  return ApiError{400, "pushed metrics are invalid or inconsistent with existing metrics: " + std::move(detail), "",
                  "inconsistent"};
}

std::string labels_text(const std::vector<LabelPair>& labels) {
  std::string out;
  for (const auto& label : labels) {
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", label.name, label.value);
  }
  return "{" + out + "}";
}

}  // namespace

bool is_reserved_metric_name(std::string_view name) {
  if (name.empty() || (name.front() != 's' && name.front() != 'p')) {
    return false;  // every reserved name starts with one of these; most names are out at once
  }
  return name.starts_with("syncmon_") || name.starts_with("syncmond_") || name.starts_with("process_") ||
         name == "push_time_seconds" || name == "push_failure_time_seconds";
}

std::size_t series_in(const MetricGroup& group) {
  std::size_t count = 0;
  for (const auto& family : group.families) {
    count += family.metrics.size();
  }
  return count;
}

GroupStore::GroupStore(SeriesBudget& budget, bool consistency_check)
    : budget_(budget), consistency_check_(consistency_check) {}

void GroupStore::index(const PushedFamily& family, int delta) {
  FamilyUse& use = families_[family.name];
  if (delta > 0 && use.groups == 0) {
    use.kind = family.kind;
  }
  use.groups = static_cast<std::size_t>(static_cast<long>(use.groups) + delta);
  if (family.help && !family.help->empty()) {
    std::size_t& count = use.helps[*family.help];
    count = static_cast<std::size_t>(static_cast<long>(count) + delta);
    if (count == 0) {
      use.helps.erase(*family.help);
    }
  }
  if (use.groups == 0) {
    families_.erase(family.name);
  }
}

void GroupStore::reindex(const MetricGroup* previous, const MetricGroup* next) {
  // Both hold their families sorted by name. A group pushed again mostly keeps its families, their
  // types and HELP texts: those leave the index as it is.
  static const std::vector<PushedFamily> kNone;
  const auto& before = previous != nullptr ? previous->families : kNone;
  const auto& after = next != nullptr ? next->families : kNone;
  auto old_at = before.begin();
  auto new_at = after.begin();
  while (old_at != before.end() || new_at != after.end()) {
    if (new_at == after.end() || (old_at != before.end() && old_at->name < new_at->name)) {
      index(*old_at++, -1);
    } else if (old_at == before.end() || new_at->name < old_at->name) {
      index(*new_at++, +1);
    } else {
      if (old_at->kind != new_at->kind || old_at->help != new_at->help) {
        index(*old_at, -1);
        index(*new_at, +1);
      }
      ++old_at;
      ++new_at;
    }
  }
}

namespace {

// Equal label sets hash equally; sets are compared in full when hashes meet. The library's string
// hash takes 8 bytes a step where a byte-wise hash would take one.
std::uint64_t labels_hash(const std::vector<LabelPair>& labels) {
  const std::hash<std::string_view> hash_of;
  std::uint64_t hash = labels.size();
  const auto mix = [&hash](std::uint64_t part) { hash ^= part + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2); };
  for (const auto& label : labels) {
    mix(hash_of(label.name));
    mix(hash_of(label.value));
  }
  return hash;
}

}  // namespace

std::optional<ApiError> GroupStore::check_consistency(const MetricGroup& next, const MetricGroup* current) const {
  // Both groups hold their families sorted by name, so one walk pairs them up.
  auto own_at = current != nullptr ? current->families.begin() : std::vector<PushedFamily>::const_iterator{};
  const auto own_end = current != nullptr ? current->families.end() : std::vector<PushedFamily>::const_iterator{};
  for (const auto& family : next.families) {
    const PushedFamily* own = nullptr;
    while (own_at != own_end && own_at->name < family.name) {
      ++own_at;
    }
    if (own_at != own_end && own_at->name == family.name) {
      own = &*own_at;
    }
    auto it = families_.find(family.name);
    if (it == families_.end()) {
      continue;
    }
    const FamilyUse& use = it->second;
    const std::size_t other_groups = use.groups - (own != nullptr ? 1 : 0);
    if (other_groups == 0) {
      continue;
    }
    if (use.kind != family.kind) {
      return inconsistent(fmt::format("metric \"{}\" is pushed as a {} but is a {} in another group", family.name,
                                      kind_name(family.kind), kind_name(use.kind)));
    }
    if (!family.help || family.help->empty()) {
      continue;
    }
    for (const auto& [help, groups] : use.helps) {
      const bool only_own = own != nullptr && own->help && *own->help == help && groups == 1;
      if (help != *family.help && !only_own) {
        return inconsistent(fmt::format("metric \"{}\" is pushed with HELP \"{}\" but another group gave it HELP \"{}\"",
                                        family.name, family.help->substr(0, 200), help.substr(0, 200)));
      }
    }
  }
  return std::nullopt;
}

std::shared_ptr<const MetricGroup> GroupStore::publish(const std::string& id, std::shared_ptr<const MetricGroup> next,
                                                       Undo* undo) {
  auto it = groups_.find(id);
  std::shared_ptr<const MetricGroup> previous = it != groups_.end() ? it->second : nullptr;
  if (undo != nullptr) {
    undo->previous.emplace_back(id, previous);
  }
  reindex(previous.get(), next.get());
  if (previous) {
    series_ -= series_in(*previous);
  }
  if (next) {
    series_ += series_in(*next);
    if (it != groups_.end()) {
      it->second = std::move(next);
    } else {
      groups_.emplace(id, std::move(next));
    }
  } else if (it != groups_.end()) {
    groups_.erase(it);
  }
  changed_.insert(id);
  return previous;
}

void GroupStore::record_failure(const GroupPush& push, const std::string& id) {
  auto it = groups_.find(id);
  auto failed = std::make_shared<MetricGroup>(it != groups_.end() ? *it->second : MetricGroup{push.key, {}, 0, 0});
  failed->push_failure_time_seconds = push.at_seconds;
  publish(id, std::move(failed), nullptr);
}

namespace {

// A series of `family` whose label set an earlier one has, or null.
const PushedMetric* repeated_series(const PushedFamily& family) {
  // Sorted by a hash of the label set, equal sets are neighbours: no set to allocate, and whole
  // label sets are compared only when their hashes are equal.
  thread_local std::vector<std::pair<std::uint64_t, const PushedMetric*>> by_labels;
  by_labels.clear();
  for (const auto& metric : family.metrics) {
    by_labels.emplace_back(labels_hash(metric.labels), &metric);
  }
  std::sort(by_labels.begin(), by_labels.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < by_labels.size(); ++i) {
    if (by_labels[i - 1].first != by_labels[i].first) {
      continue;
    }
    // A run of equal hashes: any two equal label sets in it are a duplicate.
    std::size_t run_end = i;
    while (run_end < by_labels.size() && by_labels[run_end].first == by_labels[i - 1].first) {
      ++run_end;
    }
    for (std::size_t a = i - 1; a < run_end; ++a) {
      for (std::size_t b = a + 1; b < run_end; ++b) {
        if (by_labels[a].second->labels == by_labels[b].second->labels) {
          return by_labels[b].second;
        }
      }
    }
    i = run_end;
  }
  return nullptr;
}

bool by_family_name(const PushedFamily& a, const PushedFamily& b) { return a.name < b.name; }

// POST: the group's families that the push does not name stay.
void keep_unpushed_families(std::vector<PushedFamily>& families, const std::vector<PushedFamily>& current) {
  const auto pushed_end = static_cast<std::ptrdiff_t>(families.size());
  for (const auto& family : current) {
    if (!std::binary_search(families.begin(), families.begin() + pushed_end, family, by_family_name)) {
      families.push_back(family);
    }
  }
  std::sort(families.begin(), families.end(), by_family_name);
}

}  // namespace

std::optional<ApiError> GroupStore::apply_push(GroupPush push, Undo* undo) {
  const std::string id = grouping_key_id(push.key);
  // What depends on the push alone is checked before the lock is taken.
  std::optional<ApiError> problem;
  if (push.has_timestamps) {
    problem = inconsistent("pushed metrics must not have timestamps");
  }
  for (auto& family : push.families) {
    if (problem) {
      break;
    }
    if (is_reserved_metric_name(family.name)) {
      problem = inconsistent(fmt::format("metric name \"{}\" is reserved by syncmond", family.name));
      break;
    }
    for (auto& metric : family.metrics) {
      merge_grouping_labels(metric, push.key);
    }
    if (const PushedMetric* duplicate = repeated_series(family)) {
      problem = inconsistent(fmt::format("collected metric \"{}\" {} was collected before with the same name and "
                                         "label values",
                                         family.name, labels_text(duplicate->labels)));
    }
  }
  std::sort(push.families.begin(), push.families.end(), by_family_name);
  auto next = std::make_shared<MetricGroup>();
  next->push_time_seconds = push.at_seconds;

  std::shared_ptr<const MetricGroup> replaced;  // declared before the lock: freed after it is released
  std::lock_guard lock(mutex_);
  auto it = groups_.find(id);
  const MetricGroup* current = it != groups_.end() ? it->second.get() : nullptr;
  if (current != nullptr) {
    next->push_failure_time_seconds = current->push_failure_time_seconds;
  }
  if (!problem) {
    next->families = std::move(push.families);
    if (push.mode == GroupPushMode::kReplaceFamilies && current != nullptr) {
      keep_unpushed_families(next->families, current->families);
    }
    // A family whose every sample was pushed away is not shown, as the Pushgateway does.
    std::erase_if(next->families, [](const PushedFamily& family) { return family.metrics.empty(); });
  }
  if (!problem && consistency_check_) {
    problem = check_consistency(*next, current);
  }
  if (problem) {
    record_failure(push, id);
    return problem;
  }
  const std::size_t before = current != nullptr ? series_in(*current) : 0;
  const std::size_t after = series_in(*next);
  if (after > before && !budget_.reserve_series(after - before)) {
    return ApiError{429,
                    fmt::format("the push would add {} series, beyond limits.max_series", after - before), "",
                    "series_limit"};
  }
  if (before > after) {
    budget_.release_series(before - after);
  }
  next->key = std::move(push.key);
  replaced = publish(id, std::move(next), undo);
  return std::nullopt;
}

bool GroupStore::remove(const GroupingKey& key, Undo* undo) {
  const std::string id = grouping_key_id(key);
  std::lock_guard lock(mutex_);
  auto it = groups_.find(id);
  if (it == groups_.end()) {
    return false;
  }
  budget_.release_series(series_in(*it->second));
  publish(id, nullptr, undo);
  return true;
}

void GroupStore::wipe(Undo* undo) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> ids;
  for (const auto& [id, group] : groups_) {
    ids.push_back(id);
  }
  for (const auto& id : ids) {
    budget_.release_series(series_in(*groups_.at(id)));
    publish(id, nullptr, undo);
  }
}

void GroupStore::rollback(Undo& undo) {
  std::lock_guard lock(mutex_);
  for (auto it = undo.previous.rbegin(); it != undo.previous.rend(); ++it) {
    auto current = groups_.find(it->first);
    const std::size_t now = current != groups_.end() ? series_in(*current->second) : 0;
    const std::size_t then = it->second ? series_in(*it->second) : 0;
    if (then > now) {
      budget_.reserve_series(then - now, /*force=*/true);
    } else {
      budget_.release_series(now - then);
    }
    publish(it->first, it->second, nullptr);
  }
  undo.previous.clear();
}

std::size_t GroupStore::expire(double now_seconds, double ttl_seconds) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> expired;
  for (const auto& [id, group] : groups_) {
    if (std::max(group->push_time_seconds, group->push_failure_time_seconds) < now_seconds - ttl_seconds) {
      expired.push_back(id);
    }
  }
  for (const auto& id : expired) {
    budget_.release_series(series_in(*groups_.at(id)));
    publish(id, nullptr, nullptr);
  }
  return expired.size();
}

std::vector<std::shared_ptr<const MetricGroup>> GroupStore::groups() const {
  std::lock_guard lock(mutex_);
  std::vector<const std::pair<const std::string, std::shared_ptr<const MetricGroup>>*> by_id;
  by_id.reserve(groups_.size());
  for (const auto& entry : groups_) {
    by_id.push_back(&entry);
  }
  std::sort(by_id.begin(), by_id.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  std::vector<std::shared_ptr<const MetricGroup>> out;
  out.reserve(by_id.size());
  for (const auto* entry : by_id) {
    out.push_back(entry->second);
  }
  return out;
}

std::size_t GroupStore::group_count() const {
  std::lock_guard lock(mutex_);
  return groups_.size();
}

std::size_t GroupStore::series_count() const {
  std::lock_guard lock(mutex_);
  return series_;
}

std::vector<std::pair<std::string, std::shared_ptr<const MetricGroup>>> GroupStore::take_changed(bool everything) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, std::shared_ptr<const MetricGroup>>> out;
  if (everything) {
    for (const auto& [id, group] : groups_) {
      out.emplace_back(id, group);
    }
  }
  for (const auto& id : changed_) {
    if (!everything || !groups_.contains(id)) {
      auto it = groups_.find(id);
      out.emplace_back(id, it != groups_.end() ? it->second : nullptr);
    }
  }
  changed_.clear();
  return out;
}

void GroupStore::restore(MetricGroup group) {
  const std::string id = grouping_key_id(group.key);
  auto restored = std::make_shared<const MetricGroup>(std::move(group));
  std::lock_guard lock(mutex_);
  budget_.reserve_series(series_in(*restored), /*force=*/true);
  publish(id, std::move(restored), nullptr);
  changed_.erase(id);
}

}  // namespace syncmon
