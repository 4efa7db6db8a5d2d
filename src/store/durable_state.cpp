#include "store/durable_state.h"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "syncmon/batch_codec.h"
#include "syncmon/journal_record.h"

namespace syncmon::store {
namespace {

using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

PushOutcome failed(int status, std::string message, std::string path, std::string reason) {
  return {ApiError{status, std::move(message), std::move(path), std::move(reason)}, {}, false};
}

PushOutcome unavailable(std::string why) { return failed(503, std::move(why), "", "store_unavailable"); }

PushOutcome accepted(std::string body, bool duplicate) { return {std::nullopt, std::move(body), duplicate}; }

}  // namespace

DurableState::DurableState(Aggregator& aggregator, GroupStore& groups, StateStore& store, const Clock& clock,
                           DurabilityOptions options, prometheus::Registry& registry)
    : aggregator_(aggregator),
      groups_(groups),
      store_(store),
      clock_(clock),
      options_(options),
      commit_duration_(prometheus::BuildHistogram()
                           .Name("syncmond_journal_commit_duration_seconds")
                           .Help("Time to write and sync one journal commit (a group of pushes).")
                           .Register(registry)
                           .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                             0.05, 0.1, 0.25, 0.5, 1})),
      group_size_(prometheus::BuildHistogram()
                      .Name("syncmond_journal_group_size")
                      .Help("Pushes per journal commit.")
                      .Register(registry)
                      .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024})),
      journal_failures_(prometheus::BuildCounter()
                            .Name("syncmond_journal_failures_total")
                            .Help("Journal commits that failed; their pushes got 503.")
                            .Register(registry)
                            .Add({})),
      snapshot_duration_(prometheus::BuildHistogram()
                             .Name("syncmond_snapshot_duration_seconds")
                             .Help("Time to write one snapshot.")
                             .Register(registry)
                             .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5,
                                                                               10, 30})),
      snapshot_failures_(prometheus::BuildCounter()
                             .Name("syncmond_snapshot_failures_total")
                             .Help("Snapshots that could not be written.")
                             .Register(registry)
                             .Add({})),
      last_snapshot_gauge_(prometheus::BuildGauge()
                               .Name("syncmond_last_snapshot_timestamp_seconds")
                               .Help("Unix time of the last snapshot written.")
                               .Register(registry)
                               .Add({})),
      recovery_seconds_(prometheus::BuildGauge()
                            .Name("syncmond_recovery_duration_seconds")
                            .Help("Time the last start-up took to restore the snapshot and replay the journal.")
                            .Register(registry)
                            .Add({})),
      writable_gauge_(prometheus::BuildGauge()
                          .Name("syncmond_store_writable")
                          .Help("1 while the data directory accepts writes; at 0 pushes get 503.")
                          .Register(registry)
                          .Add({})),
      duplicates_(prometheus::BuildCounter()
                      .Name("syncmond_push_duplicates_total")
                      .Help("Pushes answered from their Idempotency-Key without being applied again.")
                      .Register(registry)
                      .Add({})) {
  writable_gauge_.Set(1);
}

DurableState::~DurableState() { stop(); }

void DurableState::recover() {
  const auto started = SteadyClock::now();
  StoredState state = store_.load();
  for (const auto& series : state.series) {
    if (!aggregator_.restore(series)) {
      throw StoreError(fmt::format("{} holds a histogram of {} whose bucket count does not match the configured "
                                   "bounds",
                                   store_.path(), family_info(series.family).name));
    }
  }
  for (const auto& data : state.groups) {
    auto group = decode_group(data);
    if (!group) {
      throw StoreError(fmt::format("{}: a stored Pushgateway group is damaged. syncmond has not changed the file; "
                                   "restore it from a backup",
                                   store_.path()));
    }
    groups_.restore(std::move(*group));
  }
  keys_.load(std::move(state.keys));
  last_seq_ = state.snapshot_seq;
  for (const auto& record : state.journal) {
    replay(record);
    last_seq_ = record.seq;
  }
  last_snapshot_unix_ms_ = state.last_snapshot_unix_ms;
  last_snapshot_gauge_.Set(static_cast<double>(state.last_snapshot_unix_ms) / 1000.0);
  const double elapsed = seconds_since(started);
  recovery_seconds_.Set(elapsed);
  spdlog::info("recovered {} series, {} groups, {} journal records and {} idempotency keys from {} in {:.3f} s",
               state.series.size(), state.groups.size(), state.journal.size(), keys_.size(), store_.path(), elapsed);
}

void DurableState::apply_native(Aggregator::Prepared& prepared) {
  aggregator_.commit(prepared);
  if (on_applied_) {
    on_applied_(prepared.batch());
  }
}

void DurableState::replay(const JournalRecord& record) {
  const auto damaged = [&] {
    return StoreError(fmt::format("{}: journal record {} is damaged. syncmond has not changed the file; restore it "
                                  "from a backup",
                                  store_.path(), record.seq));
  };
  switch (journal_kind(record.record)) {
    case JournalKind::kPushBatch: {
      auto batch = decode_batch(record.record);
      if (!batch) {
        throw damaged();
      }
      aggregator_.replay(std::move(*batch));
      return;
    }
    case JournalKind::kGroupPush: {
      auto push = decode_group_push(record.record);
      if (!push) {
        throw damaged();
      }
      // It was accepted against the same preceding state, so it is accepted again.
      groups_.apply_push(std::move(*push));
      return;
    }
    case JournalKind::kGroupDelete: {
      auto key = decode_group_delete(record.record);
      if (!key) {
        throw damaged();
      }
      groups_.remove(*key);
      return;
    }
    case JournalKind::kWipe:
      groups_.wipe();
      return;
    case JournalKind::kUnknown:
      throw damaged();
  }
}

Expected<std::string, ApiError> DurableState::apply_group_change(GroupChange& change, bool journal,
                                                                 GroupStore::Undo* undo) {
  switch (change.kind) {
    case GroupChange::Kind::kPush: {
      std::string record = journal ? encode_group_push(change.push) : std::string();
      if (auto error = groups_.apply_push(std::move(change.push), undo)) {
        return unexpected(std::move(*error));
      }
      return record;
    }
    case GroupChange::Kind::kDelete:
      groups_.remove(change.key, undo);
      return journal ? encode_group_delete(change.key) : std::string();
    case GroupChange::Kind::kWipe:
      groups_.wipe(undo);
      return journal ? encode_wipe() : std::string();
  }
  return std::string();
}

void DurableState::submit(GroupChange change, std::function<void(std::optional<ApiError>)> done) {
  if (options_.mode == DurabilityMode::kSnapshot) {
    if (!writable()) {
      return done(ApiError{503, "the data directory does not accept writes, so the push could not be made "
                                "durable; retry later",
                           "", "store_unavailable"});
    }
    auto applied = apply_group_change(change, /*journal=*/false, nullptr);
    return done(applied ? std::nullopt : std::optional<ApiError>(applied.error()));
  }
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(PendingGroupChange{std::move(change), std::move(done), {}});
  }
  wake_.notify_one();
}

void DurableState::submit(RegistryWrite write, std::function<void(std::optional<ApiError>)> done) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(PendingRegistryWrite{std::move(write), std::move(done)});
  }
  wake_.notify_one();
}

void DurableState::start() { thread_ = std::thread([this] { run(); }); }

void DurableState::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void DurableState::set_writable(bool writable) {
  if (writable_.exchange(writable) != writable) {
    if (writable) {
      spdlog::info("the data directory accepts writes again; pushes are accepted");
    } else {
      spdlog::error("the data directory does not accept writes; pushes get 503 until it does");
    }
  }
  writable_gauge_.Set(writable ? 1 : 0);
}

void DurableState::submit(PushSubmission submission, std::function<void(PushOutcome)> done) {
  const std::int64_t now = clock_.now_unix_ms();
  if (submission.idempotency_key) {
    auto claim = keys_.claim(*submission.idempotency_key, submission.fingerprint, now);
    switch (claim.claim) {
      case IdempotencyTable::Claim::kClaimed:
        break;
      case IdempotencyTable::Claim::kDuplicate:
        duplicates_.Increment();
        return done(accepted(std::move(claim.stored_response), true));
      case IdempotencyTable::Claim::kInFlight:
        return done(failed(409, "a push with this Idempotency-Key is being applied right now; retry to get its response",
                           "Idempotency-Key", "idempotency_in_flight"));
      case IdempotencyTable::Claim::kMismatch:
        return done(failed(422, "this Idempotency-Key was used with a different request body or route",
                           "Idempotency-Key", "idempotency_mismatch"));
    }
  }
  const auto release_key = [&] {
    if (submission.idempotency_key) {
      keys_.release(*submission.idempotency_key);
    }
  };
  // In ack mode the journal commit itself finds out whether the disk takes writes again.
  if (options_.mode == DurabilityMode::kSnapshot && !writable()) {
    release_key();
    return done(unavailable("the data directory does not accept writes, so the push could not be made durable; "
                            "retry later"));
  }
  auto prepared = aggregator_.prepare(std::move(submission.batch));
  if (!prepared) {
    release_key();
    return done({prepared.error(), {}, false});
  }
  if (options_.mode == DurabilityMode::kSnapshot) {
    apply_native(*prepared);
    if (submission.idempotency_key) {
      keys_.complete(*submission.idempotency_key, submission.accepted_body, /*persisted=*/false);
    }
    return done(accepted(std::move(submission.accepted_body), false));
  }
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(NativePush{std::move(*prepared), std::move(submission.accepted_body),
                                std::move(submission.idempotency_key), submission.fingerprint, std::move(done)});
  }
  wake_.notify_one();
}

void DurableState::run() {
  auto next_snapshot = SteadyClock::now() + options_.snapshot_interval;
  auto next_expiry = SteadyClock::now();
  constexpr auto kRetryWhileUnwritable = std::chrono::seconds(1);
  constexpr auto kCompactionPause = std::chrono::milliseconds(10);
  constexpr std::size_t kCompactionSlice = 256;
  std::deque<Pending> group;
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      auto wake_at = options_.group_ttl.count() > 0 ? std::min(next_snapshot, next_expiry) : next_snapshot;
      if (store_.has_covered_journal()) {
        wake_at = std::min(wake_at, SteadyClock::now() + kCompactionPause);
      }
      wake_.wait_until(lock, wake_at, [this] { return stopping_ || !queue_.empty(); });
      stopping = stopping_;
      while (!queue_.empty() && group.size() < options_.max_group) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!group.empty()) {
      commit_group(group);
    } else if (stopping) {
      break;
    } else if (store_.has_covered_journal()) {
      // Idle: delete what the last snapshot covers, a slice at a time so that a push arriving
      // meanwhile waits for one slice at most. Commits delete some as they go, too.
      try {
        store_.compact_journal(kCompactionSlice);
      } catch (const SqliteError& error) {
        spdlog::warn("journal compaction failed, retrying later: {}", error.what());
      }
    }
    if (options_.group_ttl.count() > 0 && SteadyClock::now() >= next_expiry) {
      const double now = static_cast<double>(clock_.now_unix_ms()) / 1000.0;
      if (const std::size_t expired = groups_.expire(now, std::chrono::duration<double>(options_.group_ttl).count())) {
        spdlog::info("{} Pushgateway group(s) expired (pushgateway.group_ttl)", expired);
      }
      next_expiry = SteadyClock::now() + std::chrono::seconds(1);
    }
    if (SteadyClock::now() >= next_snapshot) {
      const bool written = snapshot();
      next_snapshot = SteadyClock::now() + (written ? options_.snapshot_interval
                                                    : std::chrono::milliseconds(kRetryWhileUnwritable));
    }
  }
  if (!snapshot()) {
    spdlog::error("the final snapshot could not be written; the journal still holds every acknowledged push");
  }
}

void DurableState::commit_group(std::deque<Pending>& group) {
  const auto started = SteadyClock::now();
  std::vector<JournalRecord> records;
  std::vector<IdempotencyRecord> keys;
  records.reserve(group.size());
  const std::int64_t now = clock_.now_unix_ms();
  std::int64_t seq = last_seq_;
  // Group changes are checked and applied here, in journal order, so that each is checked
  // against every change before it; a commit that fails takes them back.
  std::deque<Pending> journalled;
  for (auto& pending : group) {
    if (auto* native = std::get_if<NativePush>(&pending)) {
      records.push_back({++seq, encode_batch(native->prepared.batch())});
      if (native->key) {
        keys.push_back({*native->key, native->fingerprint, native->accepted_body, now});
      }
    } else if (auto* registry = std::get_if<PendingRegistryWrite>(&pending)) {
      // Rare admin changes: their own transaction, answered at once.
      try {
        store_.write_registry(registry->write);
        registry->done(std::nullopt);
      } catch (const SqliteError& error) {
        spdlog::error("registry change of {} \"{}\" failed: {}", entity_kind_name(registry->write.kind),
                      registry->write.id, error.what());
        registry->done(ApiError{503, fmt::format("the registry change could not be stored ({}); nothing was changed, "
                                                 "retry later",
                                                 error.what()),
                                     "", "store_unavailable"});
      }
      continue;
    } else {
      auto& change = std::get<PendingGroupChange>(pending);
      auto record = apply_group_change(change.change, /*journal=*/true, &change.undo);
      if (!record) {
        change.done(record.error());
        continue;
      }
      records.push_back({++seq, std::move(*record)});
    }
    journalled.push_back(std::move(pending));
  }
  group.clear();
  if (journalled.empty()) {
    return;
  }
  try {
    store_.append_journal(records, keys);
  } catch (const SqliteError& error) {
    journal_failures_.Increment();
    set_writable(false);
    spdlog::error("journal commit of {} change(s) failed: {}", journalled.size(), error.what());
    const std::string why =
        fmt::format("the journal could not be written ({}); nothing was applied, retry later", error.what());
    for (auto it = journalled.rbegin(); it != journalled.rend(); ++it) {
      if (auto* change = std::get_if<PendingGroupChange>(&*it)) {
        groups_.rollback(change->undo);
      }
    }
    for (auto& pending : journalled) {
      if (auto* native = std::get_if<NativePush>(&pending)) {
        aggregator_.abandon(native->prepared);
        if (native->key) {
          keys_.release(*native->key);
        }
        native->done(unavailable(why));
      } else {
        std::get<PendingGroupChange>(pending).done(ApiError{503, why, "", "store_unavailable"});
      }
    }
    return;
  }
  last_seq_ = seq;
  set_writable(true);
  commit_duration_.Observe(seconds_since(started));
  group_size_.Observe(static_cast<double>(journalled.size()));
  for (auto& pending : journalled) {
    if (auto* native = std::get_if<NativePush>(&pending)) {
      apply_native(native->prepared);
      if (native->key) {
        keys_.complete(*native->key, native->accepted_body, /*persisted=*/true);
      }
      native->done(accepted(std::move(native->accepted_body), false));
    } else {
      std::get<PendingGroupChange>(pending).done(std::nullopt);
    }
  }
}

bool DurableState::snapshot() {
  const auto started = SteadyClock::now();
  const std::int64_t now = clock_.now_unix_ms();
  auto changed = aggregator_.take_changed(full_snapshot_needed_);
  std::vector<GroupRow> group_rows;
  for (auto& [id, group] : groups_.take_changed(full_snapshot_needed_)) {
    group_rows.push_back({id, group ? std::optional<std::string>(encode_group(*group)) : std::nullopt});
  }
  for (auto& key : keys_.take_unsaved()) {
    unsaved_keys_.push_back(std::move(key));
  }
  try {
    store_.write_snapshot(changed, group_rows, unsaved_keys_, last_seq_, now,
                          now - options_.idempotency_retention.count());
  } catch (const SqliteError& error) {
    snapshot_failures_.Increment();
    // The changed marks are gone with the copy; the next snapshot writes every series instead.
    full_snapshot_needed_ = true;
    if (options_.mode == DurabilityMode::kSnapshot) {
      set_writable(false);
    }
    spdlog::error("snapshot failed: {}", error.what());
    return false;
  }
  full_snapshot_needed_ = false;
  unsaved_keys_.clear();
  keys_.expire(now, options_.idempotency_retention.count());
  set_writable(true);
  last_snapshot_unix_ms_ = now;
  last_snapshot_gauge_.Set(static_cast<double>(now) / 1000.0);
  snapshot_duration_.Observe(seconds_since(started));
  spdlog::debug("snapshot of {} changed series written in {:.3f} s", changed.size(), seconds_since(started));
  return true;
}

}  // namespace syncmon::store
