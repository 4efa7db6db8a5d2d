#pragma once
// SPEC 4 at the door of every route: the handler registered through guarded() runs only for a
// caller whose token is valid (401 otherwise) and whose role grants the route's permission (403
// otherwise); it gets the caller, to filter by scope. Every route goes through here, so the
// access matrix is the list of register calls.

#include <functional>

#include "api/service.h"
#include "server/router.h"
#include "syncmon/access_policy.h"

namespace syncmon::api {

using GuardedHandler =
    std::function<void(server::Request&& request, const server::PathParams& params, const Principal& caller,
                       server::Responder respond)>;

server::Handler guarded(Service& service, Permission permission, GuardedHandler handler);

// Adds the route with its permission.
void add_route(server::Router& router, Service& service, server::http::verb method, std::string pattern,
               Permission permission, GuardedHandler handler);

}  // namespace syncmon::api
