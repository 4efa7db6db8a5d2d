#pragma once
// GET /metrics: the domain families, the job families, syncmond_* and process_* in the
// Prometheus text format 0.0.4, serialized by prometheus-cpp.

#include "api/service.h"
#include "server/router.h"

namespace syncmon::api {

void register_metrics_routes(server::Router& router, Service& service);

// The whole exposition as text; separated from the route for tests and benchmarks.
std::string render_metrics(Service& service);

}  // namespace syncmon::api
