#pragma once
// POST /api/v1/push and the two single-entity webhooks: parse and validate the whole body,
// apply it whole, answer with what was accepted.

#include "api/service.h"
#include "server/router.h"

namespace syncmon::api {

void register_push_routes(server::Router& router, Service& service);

}  // namespace syncmon::api
