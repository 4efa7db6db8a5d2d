#include "api/access_guard.h"

namespace syncmon::api {

server::Handler guarded(Service& service, Permission permission, GuardedHandler handler) {
  return [&service, permission, handler = std::move(handler)](server::Request&& request,
                                                              const server::PathParams& params,
                                                              server::Responder respond) {
    const AccessPolicy& policy = service.access.current();
    Permission needed = permission;
    if (needed == Permission::kMetrics) {
      needed = policy.protect_metrics() ? Permission::kRead : Permission::kOpen;
    }
    if (needed == Permission::kOpen) {
      return handler(std::move(request), params, Principal{"anonymous", Role::kAdmin, {}, {}, {}}, std::move(respond));
    }
    const auto header = request.find(server::http::field::authorization);
    const std::string_view authorization = header != request.end() ? std::string_view(header->value()) : std::string_view();
    auto caller = policy.authenticate(authorization);
    if (!caller) {
      auto response = server::make_error_response(request, caller.error());
      response.set(server::http::field::www_authenticate, R"(Bearer realm="syncmond", Basic realm="syncmond")");
      if (needed == Permission::kPush) {
        service.metrics.count_push_rejected(caller.error().reason);
      }
      return respond(std::move(response));
    }
    if (auto refused = AccessPolicy::authorize(*caller, needed)) {
      if (needed == Permission::kPush) {
        service.metrics.count_push_rejected(refused->reason);
      }
      return respond(server::make_error_response(request, *refused));
    }
    handler(std::move(request), params, *caller, std::move(respond));
  };
}

void add_route(server::Router& router, Service& service, server::http::verb method, std::string pattern,
               Permission permission, GuardedHandler handler) {
  router.add(method, std::move(pattern), guarded(service, permission, std::move(handler)));
}

}  // namespace syncmon::api
