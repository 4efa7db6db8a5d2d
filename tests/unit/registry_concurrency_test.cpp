// The read-side structures the io threads share while other threads change them: registry views
// swapped under readers, the local history sampled while it is queried, the cache and the
// breaker hit from many threads. Built and run under ThreadSanitizer in CI.

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "syncmon/circuit_breaker.h"
#include "syncmon/local_history.h"
#include "syncmon/registry.h"
#include "syncmon/response_cache.h"
#include "test_support.h"

namespace syncmon {
namespace {

TEST_CASE("readers keep a consistent registry view while pushes, the API and reloads change it") {
  Config::Registry config;
  config.providers = {{"vtex", "VTEX", ""}};
  Registry registry(config, {});
  std::atomic<bool> running{true};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (running.load()) {
        const auto view = registry.view();
        REQUIRE(view->provider("vtex") != nullptr);  // never missing in any published view
        for (const auto* provider : view->providers()) {
          REQUIRE(view->provider(provider->id) == provider);
        }
      }
    });
  }
  std::thread writer([&] {
    for (int i = 0; i < 300; ++i) {
      registry.register_seen({"auto-" + std::to_string(i)}, {"conn-" + std::to_string(i)});
      registry.put(ProviderRecord{"api-" + std::to_string(i), "x", "", Origin::kApi});
      if (i % 50 == 0) {
        registry.reload(config);
      }
    }
  });
  writer.join();
  running = false;
  for (auto& reader : readers) {
    reader.join();
  }
  CHECK(registry.view()->providers().size() == 601);
}

TEST_CASE("the history takes pushes from many threads while it is sampled and read") {
  Aggregator aggregator(testing::default_aggregator_config());
  LocalHistory history(std::chrono::hours(1), 1 << 20, 0);
  auto batch = testing::parse(aggregator, R"({"providers":[{"provider":"vtex","connection":"c1","request_total":1,
                                                            "request_response_time":[0.1]}]})");
  REQUIRE(batch);
  std::atomic<bool> running{true};
  std::thread reader([&] {
    while (running.load()) {
      const auto total = history.total(Family::kProviderRequestTotal, EntityKind::kProvider, "vtex", 0, 1'000'000'000);
      REQUIRE(total.count() <= 1200);
      (void)history.last_change_ms(EntityKind::kConnection, "c1");
    }
  });
  std::vector<std::thread> pushers;
  for (int t = 0; t < 3; ++t) {
    pushers.emplace_back([&] {
      for (int i = 0; i < 400; ++i) {
        history.add(*batch);
      }
    });
  }
  for (int tick = 1; tick <= 50; ++tick) {
    history.sample(tick * 1000);
  }
  for (auto& pusher : pushers) {
    pusher.join();
  }
  history.sample(100'000);
  running = false;
  reader.join();
  CHECK(history.total(Family::kProviderRequestTotal, EntityKind::kProvider, "vtex", 0, 1'000'000).count() == 1200);
  CHECK(history.total(Family::kProviderResponseTime, EntityKind::kConnection, "c1", 0, 1'000'000).count() == 1200);
}

TEST_CASE("the cache and the breaker take many threads at once") {
  ResponseCache cache(1'000'000, 64 * 1024);
  CircuitBreaker breaker(5, 1000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = std::to_string((t * 7 + i) % 50);
        if (!cache.get(key, i)) {
          cache.put(key, std::string(100, 'x'), i);
        }
        if (breaker.allow(i)) {
          (i % 3 == 0) ? breaker.record_failure(i) : breaker.record_success();
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(cache.bytes() <= 64 * 1024);
}

}  // namespace
}  // namespace syncmon
