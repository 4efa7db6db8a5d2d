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
#include "store/durable_state.h"
#include "syncmon/aggregator.h"
#include "syncmon/clock.h"
#include "syncmon/config.h"
#include "syncmon/group_store.h"
#include "syncmon/registry_labels.h"

namespace syncmon::api {

struct Service {
  const Config& config;
  Aggregator& aggregator;
  GroupStore& groups;
  const Clock& clock;
  SelfMetrics& metrics;
  // Labels from the registry in the config file (API changes and SIGHUP reloads: issue 5).
  const RegistryLabels& registry;
  store::DurableState& durable;
  std::int64_t started_at_unix_ms = 0;
  // Set once recovery has finished: from then on pushes are accepted, also while draining, so
  // that a push already in flight at SIGTERM completes.
  std::atomic<bool> recovered{false};
  // Set when a shutdown begins; /-/ready turns 503 so that load balancers stop sending.
  std::atomic<bool> draining{false};

  bool ready() const { return recovered.load(std::memory_order_acquire) && !draining.load(std::memory_order_acquire); }
  std::function<std::size_t()> open_connections = [] { return std::size_t{0}; };
};

}  // namespace syncmon::api
