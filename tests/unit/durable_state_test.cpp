#include <doctest/doctest.h>

#include <future>
#include <thread>


#include "store/durable_state.h"
#include "store_test_support.h"
#include "syncmon/domain_exposition.h"
#include "test_support.h"

namespace syncmon::store {
namespace {

using testing::TempDir;

std::string expose(const Aggregator& aggregator) {
  std::string out;
  append_domain_text(out, aggregator);
  return out;
}

// One daemon's worth of state over a data directory: aggregator, store, durability.
struct Instance {
  Instance(const std::string& dir, DurabilityMode mode, std::size_t max_series = 1'000'000)
      : aggregator(syncmon::testing::default_aggregator_config(max_series)),
        groups(aggregator, /*consistency_check=*/true),
        store(dir, mode, Config::Buckets{}),
        durable(aggregator, groups, store, clock,
                DurabilityOptions{mode, std::chrono::hours(1), std::chrono::hours(24)}, registry) {
    durable.recover();
    durable.start();
  }

  // Submits and waits for the outcome.
  PushOutcome push(std::string_view body, std::optional<std::string> key = std::nullopt) {
    auto batch = parse_push(body, aggregator.push_schema());
    REQUIRE(batch.has_value());
    batch->received_at_unix_ms = clock.now_unix_ms();
    std::promise<PushOutcome> outcome;
    PushSubmission submission{std::move(*batch), "{\"accepted\":{}}", std::move(key), fingerprint("/api/v1/push", body)};
    durable.submit(std::move(submission), [&outcome](PushOutcome result) { outcome.set_value(std::move(result)); });
    return outcome.get_future().get();
  }

  ManualClock clock{1'764'841'200'000};
  prometheus::Registry registry;
  Aggregator aggregator;
  GroupStore groups;
  StateStore store;
  DurableState durable;
};

// What a kill -9 would leave behind: the database files as they are on disk right now.
void copy_database(const TempDir& from, const TempDir& to) {
  for (const char* name : {"syncmon.db", "syncmon.db-wal"}) {
    if (std::filesystem::exists(from.path() / name)) {
      std::filesystem::copy_file(from.path() / name, to.path() / name);
    }
  }
}

void push_from_threads(Instance& instance, int threads, int pushes_each) {
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&instance, t, pushes_each] {
      for (int i = 0; i < pushes_each; ++i) {
        const std::string body = R"({"job": "j)" + std::to_string(t) + R"(", "providers": [{"provider": "p)" +
                                 std::to_string(i % 7) + R"(", "request_total": 2, "request_response_time": [0.3]}]})";
        const PushOutcome outcome = instance.push(body);
        REQUIRE_FALSE(outcome.error.has_value());
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
}

TEST_CASE("ack mode: acknowledged pushes are in the journal before any snapshot, and come back") {
  TempDir dir;
  TempDir crashed;
  std::string before;
  {
    Instance first(dir.str(), DurabilityMode::kAck);
    push_from_threads(first, 4, 50);
    before = expose(first.aggregator);
    copy_database(dir, crashed);
  }
  // The crash copy holds no snapshot, only the 200 journal records, and they replay to the same state.
  StateStore observer(crashed.str(), DurabilityMode::kAck, Config::Buckets{});
  const StoredState stored = observer.load();
  CHECK(stored.journal.size() == 200);
  CHECK(stored.series.empty());
  Instance after_crash(crashed.str(), DurabilityMode::kAck);
  CHECK(expose(after_crash.aggregator) == before);
  // And the orderly stop's final snapshot gives the same state too.
  Instance after_stop(dir.str(), DurabilityMode::kAck);
  CHECK(expose(after_stop.aggregator) == before);
  CHECK(before.find("syncmon_provider_request_total{provider=\"p0\"} ") != std::string::npos);
}

TEST_CASE("snapshot mode: the final snapshot on stop restores the same state") {
  TempDir dir;
  std::string before;
  {
    Instance first(dir.str(), DurabilityMode::kSnapshot);
    push_from_threads(first, 4, 50);
    before = expose(first.aggregator);
    first.durable.stop();
    StateStore observer(dir.str(), DurabilityMode::kSnapshot, Config::Buckets{});
    CHECK(observer.load().journal.empty());
  }
  Instance second(dir.str(), DurabilityMode::kSnapshot);
  CHECK(expose(second.aggregator) == before);
}

TEST_CASE("a snapshot compacts the journal, and a restart after it replays only what followed") {
  TempDir dir;
  std::string before;
  {
    Instance first(dir.str(), DurabilityMode::kAck);
    first.push(R"({"providers": [{"provider": "a", "request_total": 1}]})");
    first.durable.stop();  // final snapshot: journal compacted
    StateStore observer(dir.str(), DurabilityMode::kAck, Config::Buckets{});
    const StoredState stored = observer.load();
    CHECK(stored.journal.empty());
    CHECK(stored.series.size() == 4);
  }
  TempDir crashed;
  {
    Instance second(dir.str(), DurabilityMode::kAck);
    second.push(R"({"providers": [{"provider": "a", "request_total": 5}]})");
    before = expose(second.aggregator);
    copy_database(dir, crashed);  // what a kill -9 leaves: the snapshot plus one journal record
  }
  StateStore observer(crashed.str(), DurabilityMode::kAck, Config::Buckets{});
  CHECK(observer.load().journal.size() == 1);
  Instance third(crashed.str(), DurabilityMode::kAck);
  CHECK(expose(third.aggregator) == before);
  CHECK(before.find("syncmon_provider_request_total{provider=\"a\"} 6") != std::string::npos);
}

TEST_CASE("an Idempotency-Key is applied once, also across a restart") {
  TempDir dir;
  const std::string body = R"({"providers": [{"provider": "once", "request_total": 3}]})";
  for (DurabilityMode mode : {DurabilityMode::kAck, DurabilityMode::kSnapshot}) {
    CAPTURE(static_cast<int>(mode));
    TempDir mode_dir;
    {
      Instance first(mode_dir.str(), mode);
      CHECK_FALSE(first.push(body, "run-1").duplicate);
      const PushOutcome again = first.push(body, "run-1");
      CHECK(again.duplicate);
      CHECK(again.body == "{\"accepted\":{}}");
      const PushOutcome other_body = first.push(R"({"providers": []})", "run-1");
      REQUIRE(other_body.error.has_value());
      CHECK(other_body.error->status == 422);
      first.durable.stop();
    }
    Instance second(mode_dir.str(), mode);
    CHECK(second.push(body, "run-1").duplicate);
    CHECK_FALSE(second.push(body, "run-2").duplicate);
    CHECK(expose(second.aggregator).find("syncmon_provider_request_total{provider=\"once\"} 6") != std::string::npos);
  }
}

TEST_CASE("a push over max_series is refused before it reaches the journal") {
  TempDir dir;
  Instance instance(dir.str(), DurabilityMode::kAck, /*max_series=*/4);
  CHECK_FALSE(instance.push(R"({"providers": [{"provider": "a"}]})").error.has_value());
  const PushOutcome refused = instance.push(R"({"providers": [{"provider": "b"}]})", "k");
  REQUIRE(refused.error.has_value());
  CHECK(refused.error->status == 429);
  StateStore observer(dir.str(), DurabilityMode::kAck, Config::Buckets{});
  CHECK(observer.load().journal.size() == 1);
  // The key was released with the refusal: the same key may be used again.
  CHECK(instance.push(R"({"providers": [{"provider": "a"}]})", "k").error == std::nullopt);
}

}  // namespace
}  // namespace syncmon::store
