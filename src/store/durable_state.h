#pragma once
// Makes pushes durable (SPEC 6). With `durability: ack` a push is committed to the journal before
// it is applied and answered; concurrent pushes share one commit (group commit) on the durability
// thread, so io threads never wait for the disk. With `durability: snapshot` pushes are applied
// at once and only the periodic snapshots write. Both modes snapshot every snapshot_interval
// (only the series changed since the last one) and compact the journal in the same transaction,
// and write a final snapshot on stop().
//
// Idempotency-Keys are claimed before a push is applied and stored with its response: in the
// journal transaction (ack) or the next snapshot (snapshot).
//
// Thread safety: submit() from any thread; recover(), start() and stop() from the main thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "store/state_store.h"
#include "syncmon/aggregator.h"
#include "syncmon/clock.h"
#include "syncmon/group_store.h"
#include "syncmon/idempotency.h"

namespace syncmon::store {

struct DurabilityOptions {
  DurabilityMode mode = DurabilityMode::kAck;
  std::chrono::milliseconds snapshot_interval{10'000};
  std::chrono::milliseconds idempotency_retention{24 * 3'600'000};
  std::chrono::milliseconds group_ttl{0};  // 0: Pushgateway groups never expire
  std::size_t max_group = 1024;            // changes per journal commit
};

// A change to the Pushgateway-compatible groups: a push (PUT/POST), a DELETE, or a wipe.
struct GroupChange {
  enum class Kind { kPush, kDelete, kWipe } kind = Kind::kPush;
  GroupPush push;    // kPush
  GroupingKey key;   // kDelete
};

// What a push comes to: an error, or the 200 body (the stored one, for a duplicate).
struct PushOutcome {
  std::optional<ApiError> error;
  std::string body;
  bool duplicate = false;
};

struct PushSubmission {
  PushBatch batch;
  std::string accepted_body;                 // the 200 body, should the push be applied
  std::optional<std::string> idempotency_key;
  std::uint64_t fingerprint = 0;             // of the route and body, with a key
};

class DurableState {
 public:
  DurableState(Aggregator& aggregator, GroupStore& groups, StateStore& store, const Clock& clock,
               DurabilityOptions options, prometheus::Registry& registry);
  ~DurableState();
  DurableState(const DurableState&) = delete;
  DurableState& operator=(const DurableState&) = delete;

  // Restores the last snapshot and replays the journal after it. Throws StoreError.
  void recover();
  void start();
  // Answers what is queued, writes the final snapshot, stops the durability thread.
  void stop();

  // `done` runs exactly once, on this thread or on the durability thread.
  void submit(PushSubmission submission, std::function<void(PushOutcome)> done);
  // The same for a group change; `done` gets the error, if any (400 inconsistent, 429, 503).
  void submit(GroupChange change, std::function<void(std::optional<ApiError>)> done);
  // A registry change from the admin API, on disk (in either durability mode) before `done`
  // runs on the durability thread without an error (503 when the disk refuses it).
  void submit(RegistryWrite write, std::function<void(std::optional<ApiError>)> done);

  // Called with every native batch once it is applied (not for journal replays), on the thread
  // that applied it. Set before start().
  void on_applied(std::function<void(const PushBatch&)> callback) { on_applied_ = std::move(callback); }

  bool writable() const { return writable_.load(std::memory_order_acquire); }
  std::int64_t last_snapshot_unix_ms() const { return last_snapshot_unix_ms_.load(std::memory_order_relaxed); }
  std::size_t idempotency_keys() const { return keys_.size(); }

 private:
  struct NativePush {
    Aggregator::Prepared prepared;
    std::string accepted_body;
    std::optional<std::string> key;
    std::uint64_t fingerprint = 0;
    std::function<void(PushOutcome)> done;
  };
  struct PendingGroupChange {
    GroupChange change;
    std::function<void(std::optional<ApiError>)> done;
    GroupStore::Undo undo;  // filled when applied ahead of its journal commit
  };
  struct PendingRegistryWrite {
    RegistryWrite write;
    std::function<void(std::optional<ApiError>)> done;
  };
  using Pending = std::variant<NativePush, PendingGroupChange, PendingRegistryWrite>;

  // Applies a group change (consuming it); its journal record when `journal`, or the error that
  // refused it.
  Expected<std::string, ApiError> apply_group_change(GroupChange& change, bool journal, GroupStore::Undo* undo);
  void replay(const JournalRecord& record);
  // Commits a prepared native batch and tells on_applied_: the two always go together.
  void apply_native(Aggregator::Prepared& prepared);
  void run();
  void commit_group(std::deque<Pending>& group);
  bool snapshot();
  void set_writable(bool writable);

  Aggregator& aggregator_;
  GroupStore& groups_;
  StateStore& store_;
  const Clock& clock_;
  const DurabilityOptions options_;
  IdempotencyTable keys_;

  std::mutex mutex_;  // guards queue_, stopping_
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;

  // Owned by the durability thread once started.
  std::int64_t last_seq_ = 0;
  bool full_snapshot_needed_ = false;
  std::vector<IdempotencyRecord> unsaved_keys_;

  std::function<void(const PushBatch&)> on_applied_;
  std::atomic<bool> writable_{true};
  std::atomic<std::int64_t> last_snapshot_unix_ms_{0};

  prometheus::Histogram& commit_duration_;
  prometheus::Histogram& group_size_;
  prometheus::Counter& journal_failures_;
  prometheus::Histogram& snapshot_duration_;
  prometheus::Counter& snapshot_failures_;
  prometheus::Gauge& last_snapshot_gauge_;
  prometheus::Gauge& recovery_seconds_;
  prometheus::Gauge& writable_gauge_;
  prometheus::Counter& duplicates_;
};

}  // namespace syncmon::store
