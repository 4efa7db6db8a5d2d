#include "api/openapi_handler.h"

#include "api/access_guard.h"

namespace syncmon::api {

void register_openapi_route(server::Router& router, Service& service) {
  add_route(router, service, server::http::verb::get, "/api/v1/openapi.json", Permission::kOpen,
            [](server::Request&& request, const server::PathParams&, const Principal&, server::Responder respond) {
              respond(server::make_json_response(request, server::http::status::ok, std::string(openapi_document())));
            });
}

}  // namespace syncmon::api
