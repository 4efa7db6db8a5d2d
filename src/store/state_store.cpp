#include "store/state_store.h"

#include <sqlite3.h>

#include <filesystem>

#include <fmt/format.h>

namespace syncmon::store {
namespace {

// Migration N takes the schema from version N to N+1; a database is never rewritten backwards.
constexpr const char* kMigrations[] = {
    R"sql(
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE series (
      family INTEGER NOT NULL,
      labels BLOB NOT NULL,
      value INTEGER NOT NULL,
      sum REAL NOT NULL,
      buckets BLOB NOT NULL,
      PRIMARY KEY (family, labels)) WITHOUT ROWID;
    CREATE TABLE journal (seq INTEGER PRIMARY KEY, batch BLOB NOT NULL);
    CREATE TABLE idempotency_keys (
      key TEXT PRIMARY KEY,
      fingerprint INTEGER NOT NULL,
      response TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL) WITHOUT ROWID;
    )sql",
    // 2: Pushgateway-compatible groups.
    R"sql(
    CREATE TABLE groups (id BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
    )sql",
    // 3: providers and connections put through the admin API (kind: provider | connection).
    R"sql(
    CREATE TABLE registry (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
                           PRIMARY KEY (kind, id)) WITHOUT ROWID;
    )sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

constexpr const char* kInsertJournal = "INSERT INTO journal (seq, batch) VALUES (?1, ?2)";
constexpr const char* kInsertKey =
    "INSERT OR REPLACE INTO idempotency_keys (key, fingerprint, response, created_at_ms) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kUpsertSeries =
    "INSERT OR REPLACE INTO series (family, labels, value, sum, buckets) VALUES (?1, ?2, ?3, ?4, ?5)";

std::string encode_buckets(const std::vector<std::uint64_t>& buckets) {
  std::string out(buckets.size() * 8, '\0');
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    for (int b = 0; b < 8; ++b) {
      out[i * 8 + b] = static_cast<char>(buckets[i] >> (8 * b));
    }
  }
  return out;
}

std::vector<std::uint64_t> decode_buckets(std::string_view bytes) {
  std::vector<std::uint64_t> buckets(bytes.size() / 8);
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    for (int b = 0; b < 8; ++b) {
      buckets[i] |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i * 8 + b])) << (8 * b);
    }
  }
  return buckets;
}

std::string describe_bounds(const std::vector<double>& bounds) {
  std::string out;
  for (double bound : bounds) {
    out += fmt::format("{}{}", out.empty() ? "" : " ", bound);
  }
  return out;
}

std::string single_text(Database& db, const char* sql) {
  Statement statement(db, sql);
  return statement.step() ? std::string(statement.column_text(0)) : std::string();
}

}  // namespace

StateStore::StateStore(const std::string& data_dir, DurabilityMode mode, const Config::Buckets& buckets)
    : path_((std::filesystem::path(data_dir) / "syncmon.db").string()) {
  const bool exists = std::filesystem::exists(path_);
  const std::string advice = fmt::format(
      "syncmond has not changed the file. Restore it from a backup, or move it aside to start with an "
      "empty state (mv {0} {0}.broken)",
      path_);
  try {
    db_ = std::make_unique<Database>(path_, /*create=*/!exists);
    // Reading the schema is the first access: a file that is not a database fails here.
    const int version = std::stoi(single_text(*db_, "PRAGMA user_version"));
    if (version > kSchemaVersion) {
      throw StoreError(fmt::format("{} was written by a newer syncmond (schema version {}; this one knows up to "
                                   "{}). Run the newer syncmond, or restore a backup made for this version. {}",
                                   path_, version, kSchemaVersion, advice));
    }
    if (exists) {
      const std::string check = single_text(*db_, "PRAGMA quick_check");
      if (check != "ok") {
        throw StoreError(fmt::format("{} is damaged (quick_check: {}). {}", path_, check, advice));
      }
    }
    db_->exec("PRAGMA journal_mode=WAL");
    // ack: every commit reaches the disk before its pushes are answered.
    db_->exec(mode == DurabilityMode::kAck ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    migrate();
    check_buckets(buckets);
  } catch (const SqliteError& error) {
    if (error.code() == SQLITE_NOTADB || error.code() == SQLITE_CORRUPT) {
      throw StoreError(fmt::format("{} is not a valid syncmon database ({}). {}", path_, error.what(), advice));
    }
    throw StoreError(fmt::format("cannot use {}: {}", path_, error.what()));
  }
  insert_journal_ = std::make_unique<Statement>(*db_, kInsertJournal);
  delete_journal_range_ = std::make_unique<Statement>(*db_, "DELETE FROM journal WHERE seq BETWEEN ?1 AND ?2");
  insert_key_ = std::make_unique<Statement>(*db_, kInsertKey);
  upsert_series_ = std::make_unique<Statement>(*db_, kUpsertSeries);
  upsert_group_ = std::make_unique<Statement>(*db_, "INSERT OR REPLACE INTO groups (id, data) VALUES (?1, ?2)");
  delete_group_ = std::make_unique<Statement>(*db_, "DELETE FROM groups WHERE id = ?1");
}

void StateStore::migrate() {
  const int version = std::stoi(single_text(*db_, "PRAGMA user_version"));
  for (int next = version; next < kSchemaVersion; ++next) {
    in_transaction(*db_, [&] {
      db_->exec(kMigrations[next]);
      db_->exec(fmt::format("PRAGMA user_version = {}", next + 1));
    });
  }
}

void StateStore::check_buckets(const Config::Buckets& buckets) {
  const std::pair<const char*, const std::vector<double>*> layouts[] = {
      {"buckets.provider_response_time", &buckets.provider_response_time},
      {"buckets.connection_operation_time", &buckets.connection_operation_time}};
  Statement read(*db_, "SELECT value FROM meta WHERE key = ?1");
  Statement write(*db_, "INSERT INTO meta (key, value) VALUES (?1, ?2)");
  for (const auto& [key, bounds] : layouts) {
    const std::string configured = describe_bounds(*bounds);
    read.bind_text(1, key);
    if (read.step()) {
      const std::string stored(read.column_text(0));
      read.reset();
      if (stored != configured) {
        throw StoreError(fmt::format("{}: the configured bounds ({}) differ from those of the histograms stored in "
                                     "{} ({}); stored histograms cannot be re-bucketed. Configure the stored "
                                     "bounds again, or move {} aside to start empty",
                                     key, configured, path_, stored, path_));
      }
    } else {
      read.reset();
      write.bind_text(1, key).bind_text(2, configured).run();
    }
  }
}

StoredState StateStore::load() {
  StoredState state;
  Statement meta(*db_, "SELECT key, value FROM meta");
  while (meta.step()) {
    const std::string_view key = meta.column_text(0);
    if (key == "snapshot_seq") {
      state.snapshot_seq = std::stoll(std::string(meta.column_text(1)));
    } else if (key == "last_snapshot_ms") {
      state.last_snapshot_unix_ms = std::stoll(std::string(meta.column_text(1)));
    }
  }
  Statement series(*db_, "SELECT family, labels, value, sum, buckets FROM series");
  while (series.step()) {
    SeriesState& item = state.series.emplace_back();
    const auto family = series.column_int64(0);
    if (family < 0 || family >= static_cast<std::int64_t>(kFamilyCount)) {
      throw StoreError(fmt::format("{} holds a series of unknown family {}; was it written by another program?",
                                   path_, family));
    }
    item.family = static_cast<Family>(family);
    item.encoded_labels = std::string(series.column_blob(1));
    item.value = static_cast<std::uint64_t>(series.column_int64(2));
    item.sum = series.column_double(3);
    item.buckets = decode_buckets(series.column_blob(4));
  }
  Statement groups(*db_, "SELECT data FROM groups");
  while (groups.step()) {
    state.groups.emplace_back(groups.column_blob(0));
  }
  Statement keys(*db_, "SELECT key, fingerprint, response, created_at_ms FROM idempotency_keys");
  while (keys.step()) {
    state.keys.push_back({std::string(keys.column_text(0)), static_cast<std::uint64_t>(keys.column_int64(1)),
                          std::string(keys.column_text(2)), keys.column_int64(3)});
  }
  // Records at or below the mark may remain (compaction is gradual); they are deleted from here on.
  Statement floor(*db_, "SELECT COALESCE(MIN(seq), ?1 + 1) FROM journal");
  floor.bind(1, state.snapshot_seq);
  if (floor.step()) {
    journal_floor_ = floor.column_int64(0);
  }
  floor.reset();
  covered_through_ = state.snapshot_seq;
  Statement journal(*db_, "SELECT seq, batch FROM journal WHERE seq > ?1 ORDER BY seq");
  journal.bind(1, state.snapshot_seq);
  while (journal.step()) {
    state.journal.push_back({journal.column_int64(0), std::string(journal.column_blob(1))});
  }
  return state;
}

std::vector<StoredEntity> StateStore::load_registry() {
  std::vector<StoredEntity> entities;
  Statement rows(*db_, "SELECT kind, id, body FROM registry ORDER BY kind, id");
  while (rows.step()) {
    const std::string_view kind = rows.column_text(0);
    if (kind != "provider" && kind != "connection") {
      throw StoreError(fmt::format("{} holds a registry entity of unknown kind \"{}\"; was it written by another "
                                   "program?",
                                   path_, kind));
    }
    entities.push_back({kind == "provider" ? EntityKind::kProvider : EntityKind::kConnection,
                        std::string(rows.column_text(1)), std::string(rows.column_text(2))});
  }
  return entities;
}

void StateStore::write_registry(const RegistryWrite& write) {
  in_transaction(*db_, [&] {
    if (write.body) {
      Statement upsert(*db_, "INSERT OR REPLACE INTO registry (kind, id, body) VALUES (?1, ?2, ?3)");
      upsert.bind_text(1, entity_kind_name(write.kind)).bind_text(2, write.id).bind_text(3, *write.body).run();
    } else {
      Statement remove(*db_, "DELETE FROM registry WHERE kind = ?1 AND id = ?2");
      remove.bind_text(1, entity_kind_name(write.kind)).bind_text(2, write.id).run();
    }
  });
}

void StateStore::insert_keys(const std::vector<IdempotencyRecord>& keys) {
  for (const auto& record : keys) {
    insert_key_->bind_text(1, record.key)
        .bind(2, static_cast<std::int64_t>(record.fingerprint))
        .bind_text(3, record.response)
        .bind(4, record.created_at_unix_ms)
        .run();
  }
}

void StateStore::delete_covered_journal(std::size_t max_records) {
  if (!has_covered_journal() || max_records == 0) {
    return;
  }
  const std::int64_t through = std::min(covered_through_, journal_floor_ + static_cast<std::int64_t>(max_records) - 1);
  delete_journal_range_->bind(1, journal_floor_).bind(2, through).run();
  journal_floor_ = through + 1;
}

void StateStore::append_journal(const std::vector<JournalRecord>& records, const std::vector<IdempotencyRecord>& keys) {
  const std::int64_t floor_before = journal_floor_;
  try {
    in_transaction(*db_, [&] {
      for (const auto& record : records) {
        insert_journal_->bind(1, record.seq).bind_blob(2, record.record).run();
      }
      insert_keys(keys);
      // Twice what is appended: the covered records go faster than new ones come.
      delete_covered_journal(2 * records.size());
    });
  } catch (...) {
    journal_floor_ = floor_before;  // rolled back with the rest
    throw;
  }
}

bool StateStore::compact_journal(std::size_t max_records) {
  const std::int64_t floor_before = journal_floor_;
  try {
    in_transaction(*db_, [&] { delete_covered_journal(max_records); });
  } catch (...) {
    journal_floor_ = floor_before;
    throw;
  }
  return has_covered_journal();
}

void StateStore::write_snapshot(const std::vector<SeriesState>& changed, const std::vector<GroupRow>& groups,
                                const std::vector<IdempotencyRecord>& keys, std::int64_t through_seq,
                                std::int64_t now_unix_ms, std::int64_t keys_expire_before_ms) {
  in_transaction(*db_, [&] {
    for (const auto& group : groups) {
      if (group.data) {
        upsert_group_->bind_blob(1, group.id).bind_blob(2, *group.data).run();
      } else {
        delete_group_->bind_blob(1, group.id).run();
      }
    }
    for (const auto& series : changed) {
      upsert_series_->bind(1, static_cast<std::int64_t>(series.family))
          .bind_blob(2, series.encoded_labels)
          .bind(3, static_cast<std::int64_t>(series.value))
          .bind(4, series.sum)
          .bind_blob(5, encode_buckets(series.buckets))
          .run();
    }
    insert_keys(keys);
    Statement set_meta(*db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)");
    set_meta.bind_text(1, "snapshot_seq").bind_text(2, std::to_string(through_seq)).run();
    set_meta.bind_text(1, "last_snapshot_ms").bind_text(2, std::to_string(now_unix_ms)).run();
    Statement expire(*db_, "DELETE FROM idempotency_keys WHERE created_at_ms < ?1");
    expire.bind(1, keys_expire_before_ms).run();
  });
  covered_through_ = through_seq;
  // Keep the WAL from growing without bound; a failure here loses nothing.
  try {
    db_->exec("PRAGMA wal_checkpoint(PASSIVE)");
  } catch (const SqliteError&) {
  }
}

}  // namespace syncmon::store
