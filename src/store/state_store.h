#pragma once
// <data_dir>/syncmon.db: a versioned schema, the journal of acknowledged batches, snapshots of
// every series, and the Idempotency-Keys. SQL lives here and nowhere else.
//
// Thread safety: none; the durability thread owns the store after recovery.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite.h"
#include "syncmon/aggregator.h"
#include "syncmon/config.h"
#include "syncmon/idempotency.h"
#include "syncmon/registry.h"

namespace syncmon::store {

// A problem an admin must act on (corrupt file, newer schema, changed buckets): the message says
// what and how. The file is left untouched.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr int kSchemaVersion = 3;

struct JournalRecord {
  std::int64_t seq = 0;
  std::string record;  // encode_batch(), encode_group_push(), ... (journal_record.h)
};

// A registry entity the admin API put (body) or deleted (no body).
struct RegistryWrite {
  EntityKind kind = EntityKind::kProvider;
  std::string id;
  std::optional<std::string> body;
};

// A group as a snapshot stores it; no data: the group was removed.
struct GroupRow {
  std::string id;  // grouping_key_id()
  std::optional<std::string> data;  // encode_group()
};

struct StoredState {
  std::vector<SeriesState> series;
  std::vector<std::string> groups;  // encode_group()
  std::vector<IdempotencyRecord> keys;
  std::vector<JournalRecord> journal;  // after the snapshot, in order
  std::int64_t snapshot_seq = 0;
  std::int64_t last_snapshot_unix_ms = 0;
};

class StateStore {
 public:
  // Opens (or creates) <data_dir>/syncmon.db, migrates an older schema, and checks that the
  // stored histograms have the configured buckets. Throws StoreError.
  StateStore(const std::string& data_dir, DurabilityMode mode, const Config::Buckets& buckets);

  const std::string& path() const { return path_; }
  StoredState load();
  // The providers and connections the admin API stored.
  std::vector<StoredEntity> load_registry();
  // One transaction. Throws SqliteError.
  void write_registry(const RegistryWrite& write);

  // One transaction: the batches and the keys that came with them, and some of the journal
  // records that a snapshot made obsolete (twice as many as appended). Throws SqliteError; then
  // nothing of it is stored.
  void append_journal(const std::vector<JournalRecord>& records, const std::vector<IdempotencyRecord>& keys);

  // One transaction: upsert the changed series and groups, store the keys, mark the journal as
  // covered up to `through_seq` and drop keys created before `keys_expire_before_ms`. Throws
  // SqliteError.
  //
  // The covered records are deleted later, a bounded number per transaction (append_journal,
  // compact_journal): deleting ten seconds of journal at once (hundreds of MB with Pushgateway
  // groups) held every commit back for more than a second. Recovery reads only records after
  // the mark, so records not deleted yet are harmless.
  void write_snapshot(const std::vector<SeriesState>& changed, const std::vector<GroupRow>& groups,
                      const std::vector<IdempotencyRecord>& keys, std::int64_t through_seq, std::int64_t now_unix_ms,
                      std::int64_t keys_expire_before_ms);

  // Deletes up to `max_records` covered journal records in one transaction; false when none are
  // left. Throws SqliteError.
  bool compact_journal(std::size_t max_records);
  // Covered journal records not deleted yet.
  bool has_covered_journal() const { return journal_floor_ <= covered_through_; }

 private:
  void migrate();
  void check_buckets(const Config::Buckets& buckets);
  void insert_keys(const std::vector<IdempotencyRecord>& keys);
  // Within a transaction: deletes up to `max_records` covered journal records.
  void delete_covered_journal(std::size_t max_records);

  std::string path_;
  // Journal records at or below covered_through_ are in a snapshot; none below journal_floor_
  // remain. Sequence numbers are consecutive, so a range names what to delete.
  std::int64_t covered_through_ = 0;
  std::int64_t journal_floor_ = 1;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Statement> insert_journal_;
  std::unique_ptr<Statement> insert_key_;
  std::unique_ptr<Statement> upsert_series_;
  std::unique_ptr<Statement> upsert_group_;
  std::unique_ptr<Statement> delete_group_;
  std::unique_ptr<Statement> delete_journal_range_;
};

}  // namespace syncmon::store
