#include "api/series_proxy.h"

#include <chrono>

#include <spdlog/spdlog.h>

namespace syncmon::api {
namespace {

std::string query_range_target(const SeriesQuery& query, const SeriesLine& line) {
  return fmt::format("/api/v1/query_range?query={}&start={}&end={}&step={}", percent_encode(promql(query, line)),
                     query.start, query.end, query.step);
}

}  // namespace

SeriesProxy::SeriesProxy(const Config& config, const Clock& clock, const LocalHistory& history,
                         const Aggregator& aggregator, prometheus::Registry& metrics)
    : clock_(clock),
      history_(history),
      aggregator_(aggregator),
      cache_(config.prometheus.cache_ttl.count(), config.prometheus.cache_max_bytes),
      breaker_(config.prometheus.breaker_failures, config.prometheus.breaker_open_for.count()),
      cache_hits_(prometheus::BuildCounter()
                      .Name("syncmond_proxy_cache_hits_total")
                      .Help("Series requests answered from the cache.")
                      .Register(metrics)
                      .Add({})),
      cache_misses_(prometheus::BuildCounter()
                        .Name("syncmond_proxy_cache_misses_total")
                        .Help("Series requests the cache could not answer.")
                        .Register(metrics)
                        .Add({})),
      backend_errors_(prometheus::BuildCounter()
                          .Name("syncmond_proxy_backend_errors_total")
                          .Help("Calls to the Prometheus-compatible backend that failed or timed out.")
                          .Register(metrics)
                          .Add({})),
      local_answers_(prometheus::BuildCounter()
                         .Name("syncmond_proxy_local_answers_total")
                         .Help("Series requests answered from the daemon's own history.")
                         .Register(metrics)
                         .Add({})),
      breaker_open_(prometheus::BuildGauge()
                        .Name("syncmond_proxy_breaker_open")
                        .Help("1 while the circuit breaker keeps series requests away from the backend.")
                        .Register(metrics)
                        .Add({})),
      backend_duration_(prometheus::BuildHistogram()
                            .Name("syncmond_proxy_backend_duration_seconds")
                            .Help("Time for the backend to answer all queries of one series request.")
                            .Register(metrics)
                            .Add({}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                             0.5, 1, 2.5, 5, 10})) {
  auto url = backend::parse_backend_url(config.prometheus.url);
  if (url) {
    client_ = std::make_unique<backend::QueryClient>(*url, config.prometheus.timeout);
  } else {
    client_problem_ = fmt::format("prometheus.url {}", url.error());
  }
}

// The client goes first: its thread may still complete a call that touches the cache and breaker.
SeriesProxy::~SeriesProxy() { stop(); }

void SeriesProxy::stop() { client_.reset(); }

std::string SeriesProxy::local_answer(const SeriesQuery& query, std::string_view why) const {
  local_answers_.Increment();
  const auto answer = answer_locally(query, history_, aggregator_.layout_of(Family::kProviderResponseTime).upper_bounds(),
                                     aggregator_.layout_of(Family::kConnectionGetTime).upper_bounds());
  return series_json(query, answer.lines, "local", answer.partial, why);
}

void SeriesProxy::answer(const SeriesQuery& query, std::function<void(std::string json)> done) {
  const std::string key = query.cache_key();
  const std::int64_t now = clock_.now_unix_ms();
  if (auto cached = cache_.get(key, now)) {
    cache_hits_.Increment();
    return done(std::move(*cached));
  }
  cache_misses_.Increment();
  if (!client_) {
    return done(local_answer(query, client_problem_.empty() ? "the backend client has stopped" : client_problem_));
  }
  if (!breaker_.allow(now)) {
    breaker_open_.Set(1);
    return done(local_answer(query, "the backend failed repeatedly; the circuit breaker is open"));
  }
  std::vector<std::string> targets;
  targets.reserve(query.lines.size());
  for (const auto& line : query.lines) {
    targets.push_back(query_range_target(query, line));
  }
  const auto started = std::chrono::steady_clock::now();
  client_->get_all(std::move(targets), [this, query, key, started, done = std::move(done)](
                                           Expected<backend::QueryClient::Bodies, std::string> bodies) {
    backend_duration_.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    std::vector<Points> lines;
    std::string problem;
    if (bodies) {
      for (const auto& body : *bodies) {
        auto points = parse_query_range(body);
        if (!points) {
          problem = points.error();
          break;
        }
        lines.push_back(std::move(*points));
      }
    } else {
      problem = bodies.error();
    }
    const std::int64_t finished_at = clock_.now_unix_ms();
    if (!problem.empty()) {
      backend_errors_.Increment();
      reachable_.store(0);
      breaker_.record_failure(finished_at);
      breaker_open_.Set(breaker_.state(finished_at) == CircuitBreaker::State::kClosed ? 0 : 1);
      spdlog::warn("series request for {} {} answered locally: {}", entity_kind_name(query.entity), query.id, problem);
      return done(local_answer(query, problem));
    }
    reachable_.store(1);
    breaker_.record_success();
    breaker_open_.Set(0);
    std::string json = series_json(query, lines, "prometheus", false, "");
    cache_.put(key, json, finished_at);
    done(std::move(json));
  });
}

std::optional<bool> SeriesProxy::backend_reachable() const {
  const int value = reachable_.load();
  return value < 0 ? std::nullopt : std::optional(value == 1);
}

CircuitBreaker::State SeriesProxy::breaker_state() const { return breaker_.state(clock_.now_unix_ms()); }

}  // namespace syncmon::api
