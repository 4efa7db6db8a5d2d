#pragma once
// SPEC 3.4: GET /api/v1/providers[/{id}] and /api/v1/connections[/{id}] (filtered to the
// caller's scope, each with a summary over ?window= and a health state), and the admin's PUT and
// DELETE, stored before they answer.

#include "api/service.h"
#include "server/router.h"

namespace syncmon::api {

void register_registry_routes(server::Router& router, Service& service);

}  // namespace syncmon::api
