#pragma once
// What the handlers share: the configuration, the domain, the clock and the daemon's own state.
// main.cpp builds one and hands it to each register_*_routes().
//
// Thread safety: the referenced objects state their own; `access` is replaced whole on SIGHUP;
// `open_connections` is set before serving and only called afterwards.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "api/self_metrics.h"
#include "store/durable_state.h"
#include "syncmon/access_policy.h"
#include "syncmon/aggregator.h"
#include "syncmon/clock.h"
#include "syncmon/config.h"
#include "syncmon/group_store.h"
#include "syncmon/local_history.h"
#include "syncmon/published.h"
#include "syncmon/registry.h"

namespace syncmon::api {

class SeriesProxy;

struct Service {
  const Config& config;
  Aggregator& aggregator;
  GroupStore& groups;
  const Clock& clock;
  SelfMetrics& metrics;
  Registry& registry;
  store::DurableState& durable;
  LocalHistory& history;
  SeriesProxy& series;
  std::int64_t started_at_unix_ms = 0;
  Published<AccessPolicy> access;
  // Set once recovery has finished: from then on pushes are accepted, also while draining, so
  // that a push already in flight at SIGTERM completes.
  std::atomic<bool> recovered{false};
  // Set when a shutdown begins; /-/ready turns 503 so that load balancers stop sending.
  std::atomic<bool> draining{false};

  bool ready() const { return recovered.load(std::memory_order_acquire) && !draining.load(std::memory_order_acquire); }
  std::function<std::size_t()> open_connections = [] { return std::size_t{0}; };
};

}  // namespace syncmon::api
