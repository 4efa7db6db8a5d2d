#pragma once
// The Pushgateway's API, so that every Prometheus client's push function works unchanged:
// PUT|POST|DELETE /metrics/job/<job>{/<label>/<value>}, GET /api/v1/metrics,
// PUT /api/v1/admin/wipe.

#include "api/service.h"
#include "server/router.h"

namespace syncmon::api {

void register_pushgateway_routes(server::Router& router, Service& service);

}  // namespace syncmon::api
