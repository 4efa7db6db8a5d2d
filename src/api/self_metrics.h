#pragma once
// The daemon's own syncmond_* metrics: HTTP requests by route and code, request durations, push
// outcomes. Held in a prometheus-cpp Registry that /metrics serializes with the domain families.
//
// Thread safety: all members may be called from any thread. Each thread caches the metric objects
// it has used, so the request path takes prometheus-cpp's family lock only the first time a
// thread sees a (route, code) pair. prometheus-cpp's Histogram::Observe takes a per-series mutex.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "server/router.h"

namespace syncmon::api {

class SelfMetrics final : public server::RequestObserver {
 public:
  SelfMetrics();

  void observe(std::string_view route, unsigned status, std::chrono::nanoseconds elapsed) override;
  void count_push_accepted(std::uint64_t observations);
  void count_push_rejected(std::string_view reason);

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  // Keys the per-thread caches; unlike the address, never reused by a later instance.
  const std::uint64_t instance_id_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Family<prometheus::Histogram>& http_request_duration_;
  prometheus::Family<prometheus::Counter>& push_rejections_;
  prometheus::Counter& pushes_accepted_;
  prometheus::Counter& push_observations_;
};

}  // namespace syncmon::api
