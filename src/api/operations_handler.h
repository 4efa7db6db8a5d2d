#pragma once
// GET /-/healthy, GET /-/ready and GET /api/v1/status (in the Pushgateway's envelope).

#include "api/service.h"
#include "server/router.h"

namespace syncmon::api {

void register_operations_routes(server::Router& router, Service& service);

}  // namespace syncmon::api
