#include <doctest/doctest.h>

#include <sqlite3.h>

#include "store/state_store.h"
#include "store_test_support.h"
#include "syncmon/batch_codec.h"

namespace syncmon::store {
namespace {

using testing::TempDir;

Config::Buckets default_buckets() { return Config::Buckets{}; }

void set_user_version(const std::string& path, int version) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, ("PRAGMA user_version = " + std::to_string(version)).c_str(), nullptr, nullptr, nullptr) ==
          SQLITE_OK);
  sqlite3_close(db);
}

// Journal rows actually stored, whatever the snapshot mark says.
std::int64_t journal_rows(const std::string& db_path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM journal", -1, &statement, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  const std::int64_t count = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return count;
}

TEST_CASE("covered journal records are deleted a slice at a time, by commits and by compaction, across restarts") {
  TempDir dir;
  std::string path;
  {
    StateStore store(dir.str(), DurabilityMode::kAck, default_buckets());
    path = store.path();
    std::vector<JournalRecord> records;
    for (std::int64_t seq = 1; seq <= 20; ++seq) {
      records.push_back({seq, "r" + std::to_string(seq)});
    }
    store.append_journal(records, {});
    CHECK_FALSE(store.has_covered_journal());
    store.write_snapshot({}, {}, {}, /*through_seq=*/15, 1000, 0);
    // The snapshot itself deletes nothing: a big journal deleted at once held commits back.
    CHECK(journal_rows(path) == 20);
    CHECK(store.has_covered_journal());
    store.append_journal({{21, "r21"}}, {});  // deletes twice what it appends: 1 and 2
    CHECK(journal_rows(path) == 19);
    CHECK(store.compact_journal(4));  // 3..6, more left
    CHECK(journal_rows(path) == 15);
    // What is left below the mark is not replayed.
    const StoredState state = store.load();
    REQUIRE(state.journal.size() == 6);
    CHECK(state.journal.front().seq == 16);
  }
  // After a restart the compaction goes on from the oldest row left.
  StateStore reopened(dir.str(), DurabilityMode::kAck, default_buckets());
  reopened.load();
  CHECK(reopened.has_covered_journal());
  CHECK_FALSE(reopened.compact_journal(100));  // 7..15
  CHECK(journal_rows(path) == 6);
  CHECK_FALSE(reopened.has_covered_journal());
  CHECK_FALSE(reopened.compact_journal(100));
}

TEST_CASE("journal records and snapshots come back in order, and a snapshot covers the journal before it") {
  TempDir dir;
  {
    StateStore store(dir.str(), DurabilityMode::kAck, default_buckets());
    store.append_journal({{1, "a"}, {2, "b"}}, {{"key-1", 7, "{\"accepted\":{}}", 1000}});
    store.append_journal({{3, "c"}}, {});
    const StoredState before = store.load();
    REQUIRE(before.journal.size() == 3);
    CHECK(before.journal[2].record == "c");
    CHECK(before.keys.size() == 1);

    SeriesState series{Family::kProviderResponseTime, std::string("vtex\xff"), 0, 1.5, std::vector<std::uint64_t>(13, 2)};
    store.write_snapshot({series}, {{"g1", std::string("group-1")}, {"g2", std::string("group-2")}},
                         {{"key-2", 8, "{}", 5000}}, /*through_seq=*/2, /*now=*/9000, /*keys_expire_before_ms=*/2000);
    store.write_snapshot({}, {{"g1", std::nullopt}}, {}, 2, 9500, 2000);  // g1 removed
  }
  StateStore reopened(dir.str(), DurabilityMode::kAck, default_buckets());
  const StoredState after = reopened.load();
  CHECK(after.snapshot_seq == 2);
  CHECK(after.last_snapshot_unix_ms == 9500);
  REQUIRE(after.journal.size() == 1);
  CHECK(after.journal[0].seq == 3);
  REQUIRE(after.series.size() == 1);
  CHECK(after.series[0].encoded_labels == std::string("vtex\xff"));
  CHECK(after.series[0].buckets == std::vector<std::uint64_t>(13, 2));
  CHECK(after.series[0].sum == 1.5);
  CHECK(after.groups == std::vector<std::string>{"group-2"});
  REQUIRE(after.keys.size() == 1);  // key-1 (created at 1000) expired before 2000
  CHECK(after.keys[0].key == "key-2");
}

TEST_CASE("a database from a newer syncmond is refused and left untouched") {
  TempDir dir;
  { StateStore store(dir.str(), DurabilityMode::kAck, default_buckets()); }
  const auto path = dir.path() / "syncmon.db";
  set_user_version(path.string(), kSchemaVersion + 1);
  const std::string before = testing::read_file(path);
  try {
    StateStore store(dir.str(), DurabilityMode::kAck, default_buckets());
    FAIL("a newer schema was accepted");
  } catch (const StoreError& error) {
    CHECK(std::string(error.what()).find("newer syncmond") != std::string::npos);
    CHECK(std::string(error.what()).find("has not changed the file") != std::string::npos);
  }
  CHECK(testing::read_file(path) == before);
}

TEST_CASE("a file that is not a database is refused and left untouched") {
  TempDir dir;
  const auto path = dir.path() / "syncmon.db";
  const std::string garbage(8192, 'x');
  testing::write_file(path, garbage);
  CHECK_THROWS_WITH_AS(StateStore(dir.str(), DurabilityMode::kAck, default_buckets()),
                       doctest::Contains("is not a valid syncmon database"), StoreError);
  CHECK(testing::read_file(path) == garbage);
}

TEST_CASE("a truncated database is refused and left untouched") {
  TempDir dir;
  {
    StateStore store(dir.str(), DurabilityMode::kAck, default_buckets());
    std::vector<JournalRecord> records;
    for (int i = 1; i <= 2000; ++i) {
      records.push_back({i, std::string(200, 'j')});
    }
    store.append_journal(records, {});
    store.write_snapshot({}, {}, {}, 0, 1, 0);  // checkpoints the WAL into the main file
  }
  const auto path = dir.path() / "syncmon.db";
  std::filesystem::remove(dir.path() / "syncmon.db-wal");
  std::filesystem::remove(dir.path() / "syncmon.db-shm");
  const std::string whole = testing::read_file(path);
  REQUIRE(whole.size() > 100'000);
  const std::string truncated = whole.substr(0, whole.size() / 2);
  testing::write_file(path, truncated);
  CHECK_THROWS_AS(StateStore(dir.str(), DurabilityMode::kAck, default_buckets()), StoreError);
  CHECK(testing::read_file(path) == truncated);
}

TEST_CASE("changed bucket bounds are refused, naming the key") {
  TempDir dir;
  { StateStore store(dir.str(), DurabilityMode::kAck, default_buckets()); }
  Config::Buckets changed = default_buckets();
  changed.connection_operation_time = {1, 2, 3};
  CHECK_THROWS_WITH_AS(StateStore(dir.str(), DurabilityMode::kAck, changed),
                       doctest::Contains("buckets.connection_operation_time: the configured bounds (1 2 3) differ"),
                       StoreError);
}

}  // namespace
}  // namespace syncmon::store
