#pragma once
// What the handlers share: the configuration, the domain, the clock and the daemon's own state.
// main.cpp builds one and hands it to each register_*_routes().
//
// Thread safety: the referenced objects state their own; `ready` is atomic; `open_connections`
// is set before serving and only called afterwards.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "api/self_metrics.h"
#include "syncmon/aggregator.h"
#include "syncmon/clock.h"
#include "syncmon/config.h"

namespace syncmon::api {

struct Service {
  const Config& config;
  Aggregator& aggregator;
  const Clock& clock;
  SelfMetrics& metrics;
  std::int64_t started_at_unix_ms = 0;
  // False until recovery has finished and again once a shutdown has begun.
  std::atomic<bool> ready{false};
  std::function<std::size_t()> open_connections = [] { return std::size_t{0}; };
};

}  // namespace syncmon::api
