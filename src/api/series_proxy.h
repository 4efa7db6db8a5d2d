#pragma once
// Answers SPEC 3.5's series requests: from the cache, else from the Prometheus-compatible backend
// (every line's PromQL at once, one deadline), else — backend slow, down, or its circuit breaker
// open — from the daemon's own history, marked "source": "local". The caller always gets an
// answer, within prometheus.timeout plus the local computation.
//
// Thread safety: answer() from any thread; `done` runs on the caller's thread (cache hit, breaker
// open) or on the backend client's thread.

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "backend/query_client.h"
#include "syncmon/aggregator.h"
#include "syncmon/circuit_breaker.h"
#include "syncmon/clock.h"
#include "syncmon/config.h"
#include "syncmon/local_history.h"
#include "syncmon/response_cache.h"
#include "syncmon/series_query.h"

namespace syncmon::api {

class SeriesProxy {
 public:
  SeriesProxy(const Config& config, const Clock& clock, const LocalHistory& history, const Aggregator& aggregator,
              prometheus::Registry& metrics);
  ~SeriesProxy();

  void answer(const SeriesQuery& query, std::function<void(std::string json)> done);
  // Lets the backend calls in flight finish (their answers are handed to a server that has
  // stopped, which drops them) and stops the client's thread; called after the server stops and
  // before it is destroyed.
  void stop();

  // For /api/v1/status: whether the last backend call succeeded (nothing before the first).
  std::optional<bool> backend_reachable() const;
  CircuitBreaker::State breaker_state() const;

 private:
  std::string local_answer(const SeriesQuery& query, std::string_view why) const;

  const Clock& clock_;
  const LocalHistory& history_;
  const Aggregator& aggregator_;
  std::unique_ptr<backend::QueryClient> client_;  // null when prometheus.url cannot be used
  std::string client_problem_;
  ResponseCache cache_;
  CircuitBreaker breaker_;
  std::atomic<int> reachable_{-1};  // -1 unknown, 0 no, 1 yes

  prometheus::Counter& cache_hits_;
  prometheus::Counter& cache_misses_;
  prometheus::Counter& backend_errors_;
  prometheus::Counter& local_answers_;
  prometheus::Gauge& breaker_open_;
  prometheus::Histogram& backend_duration_;
};

}  // namespace syncmon::api
