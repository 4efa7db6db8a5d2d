// Many threads push into the same and into different series at once; the totals must be exact.
// Built and run under ThreadSanitizer in CI.

#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "syncmon/aggregator.h"
#include "syncmon/domain_exposition.h"
#include "test_support.h"

namespace syncmon {
namespace {

TEST_CASE("concurrent pushes into shared and private series add up exactly") {
  constexpr int kThreads = 8;
  constexpr int kPushesPerThread = 2000;
  Aggregator aggregator(testing::default_aggregator_config());
  const PushSchema schema = aggregator.push_schema();

  std::atomic<bool> scraping{true};
  std::thread scraper([&] {
    // Scrapes race the pushes: the shared counter they see never goes back, and moves in whole
    // pushes (each adds 3 in one atomic step).
    constexpr std::string_view kLine = "syncmon_provider_request_total{provider=\"shared\"} ";
    double last_seen = 0;
    while (scraping.load()) {
      std::string text;
      append_domain_text(text, aggregator);
      const auto at = text.find(kLine);
      if (at == std::string::npos) {
        continue;
      }
      const double seen = std::stod(text.substr(at + kLine.size(), text.find('\n', at) - at - kLine.size()));
      REQUIRE(seen >= last_seen);
      REQUIRE(static_cast<std::uint64_t>(seen) % 3 == 0);
      last_seen = seen;
    }
  });

  std::vector<std::thread> pushers;
  for (int t = 0; t < kThreads; ++t) {
    pushers.emplace_back([&, t] {
      const std::string shared = R"({"job": "shared", "providers": [{"provider": "shared", "request_total": 3,
          "request_success": 2, "request_response_time": [0.02]}]})";
      for (int i = 0; i < kPushesPerThread; ++i) {
        // A new private series every 10 pushes, so creation races lookups and shard growth.
        const std::string own = R"({"connections": [{"connection": "t)" + std::to_string(t) +
                                R"(", "resource": "r)" + std::to_string(i / 10) +
                                R"(", "resource_create_time": [0.3, 0.3]}]})";
        for (const std::string* body : {&shared, &own}) {
          auto batch = parse_push(*body, schema);
          REQUIRE(batch.has_value());
          batch->received_at_unix_ms = 1000 + i;
          REQUIRE_FALSE(aggregator.apply(*batch).has_value());
        }
      }
    });
  }
  for (auto& pusher : pushers) {
    pusher.join();
  }
  scraping = false;
  scraper.join();

  const auto total = std::uint64_t{kThreads} * kPushesPerThread;
  CHECK(testing::find_series(aggregator, Family::kProviderRequestTotal, "shared", "")->value() == 3 * total);
  CHECK(testing::find_series(aggregator, Family::kProviderRequestSuccess, "shared", "")->value() == 2 * total);
  const Series* latency = testing::find_series(aggregator, Family::kProviderResponseTime, "shared", "");
  CHECK(latency->bucket(2) == total);
  CHECK(latency->sum() == doctest::Approx(0.02 * static_cast<double>(total)));
  CHECK(testing::find_series(aggregator, Family::kJobPushesTotal, "shared", "", false)->value() == total);
  CHECK(testing::find_series(aggregator, Family::kJobLastPushTimestamp, "shared", "", false)->value() ==
        1000 + kPushesPerThread - 1);
  for (int t = 0; t < kThreads; ++t) {
    for (int r = 0; r < kPushesPerThread / 10; ++r) {
      const Series* series = testing::find_series(aggregator, Family::kConnectionCreateTime,
                                                  "t" + std::to_string(t), "r" + std::to_string(r));
      REQUIRE(series != nullptr);
      CHECK(series->bucket(4) == 20);
    }
  }
  // 5 shared provider series, 2 job series, one private series per 10 pushes per thread.
  CHECK(aggregator.series_count() == 5 + 2 + kThreads * kPushesPerThread / 10);
}

TEST_CASE("concurrent creation never exceeds max_series") {
  constexpr int kThreads = 8;
  constexpr std::size_t kLimit = 500;
  Aggregator aggregator(testing::default_aggregator_config(kLimit));
  const PushSchema schema = aggregator.push_schema();
  std::atomic<int> rejected{0};
  std::vector<std::thread> pushers;
  for (int t = 0; t < kThreads; ++t) {
    pushers.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto batch = parse_push(R"({"connections": [{"connection": "c", "resource": ")" +
                                    std::to_string(t * 1000 + i) + R"(", "resource_get_time": [1]}]})",
                                schema);
        REQUIRE(batch.has_value());
        if (auto error = aggregator.apply(*batch)) {
          REQUIRE(error->status == 429);
          ++rejected;
        }
      }
    });
  }
  for (auto& pusher : pushers) {
    pusher.join();
  }
  CHECK(aggregator.series_count() == kLimit);
  CHECK(rejected.load() == kThreads * 200 - static_cast<int>(kLimit));
}

}  // namespace
}  // namespace syncmon
