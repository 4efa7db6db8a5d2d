#include "api/self_metrics.h"

#include <atomic>
#include <map>
#include <string>
#include <tuple>

namespace syncmon::api {
namespace {

const prometheus::Histogram::BucketBoundaries kRequestDurationBounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

std::atomic<std::uint64_t> next_instance_id{1};

}  // namespace

SelfMetrics::SelfMetrics()
    : instance_id_(next_instance_id.fetch_add(1)),
      registry_(std::make_shared<prometheus::Registry>()),
      http_requests_(prometheus::BuildCounter()
                         .Name("syncmond_http_requests_total")
                         .Help("HTTP requests answered, by route pattern and status code.")
                         .Register(*registry_)),
      http_request_duration_(prometheus::BuildHistogram()
                                 .Name("syncmond_http_request_duration_seconds")
                                 .Help("Time from a request's last byte to its response, by route pattern.")
                                 .Register(*registry_)),
      push_rejections_(prometheus::BuildCounter()
                           .Name("syncmond_push_rejections_total")
                           .Help("Pushes rejected, by reason.")
                           .Register(*registry_)),
      pushes_accepted_(prometheus::BuildCounter()
                           .Name("syncmond_pushes_accepted_total")
                           .Help("Pushes applied.")
                           .Register(*registry_)
                           .Add({})),
      push_observations_(prometheus::BuildCounter()
                             .Name("syncmond_push_observations_total")
                             .Help("Histogram observations carried by applied pushes.")
                             .Register(*registry_)
                             .Add({})) {}

void SelfMetrics::observe(std::string_view route, unsigned status, std::chrono::nanoseconds elapsed) {
  // Keyed by the route's address: route names are the router's own stable strings.
  using CounterKey = std::tuple<std::uint64_t, const char*, unsigned>;
  using HistogramKey = std::tuple<std::uint64_t, const char*>;
  thread_local std::map<CounterKey, prometheus::Counter*> counters;
  thread_local std::map<HistogramKey, prometheus::Histogram*> histograms;

  auto& counter = counters[{instance_id_, route.data(), status}];
  if (counter == nullptr) {
    counter = &http_requests_.Add({{"route", std::string(route)}, {"code", std::to_string(status)}});
  }
  counter->Increment();
  auto& histogram = histograms[{instance_id_, route.data()}];
  if (histogram == nullptr) {
    histogram = &http_request_duration_.Add({{"route", std::string(route)}}, kRequestDurationBounds);
  }
  histogram->Observe(std::chrono::duration<double>(elapsed).count());
}

void SelfMetrics::count_push_accepted(std::uint64_t observations) {
  pushes_accepted_.Increment();
  push_observations_.Increment(static_cast<double>(observations));
}

void SelfMetrics::count_push_rejected(std::string_view reason) {
  thread_local std::map<std::tuple<std::uint64_t, std::string>, prometheus::Counter*> counters;
  auto& counter = counters[{instance_id_, std::string(reason)}];
  if (counter == nullptr) {
    counter = &push_rejections_.Add({{"reason", std::string(reason)}});
  }
  counter->Increment();
}

}  // namespace syncmon::api
