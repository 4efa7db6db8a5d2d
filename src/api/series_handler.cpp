#include "api/series_handler.h"

#include <fmt/format.h>

#include "api/access_guard.h"
#include "api/query_params.h"
#include "api/series_proxy.h"
#include "syncmon/registry.h"
#include "syncmon/series_query.h"

namespace syncmon::api {
namespace {

using server::http::status;
using server::http::verb;

void handle_series(Service& service, EntityKind kind, server::Request&& request, const std::string& id,
                   const Principal& caller, const server::Responder& respond) {
  const auto reject = [&](const ApiError& error) { respond(server::make_error_response(request, error)); };
  if (auto problem = read_problem(*service.registry.view(), kind, id, caller)) {
    return reject(*problem);
  }
  auto params = query_params(request);
  if (!params) {
    return reject(params.error());
  }
  auto query = parse_series_query(kind, id, *params, static_cast<double>(service.clock.now_unix_ms()) / 1000.0);
  if (!query) {
    return reject(query.error());
  }
  const server::ReplyTo head = server::reply_to(request);
  service.series.answer(*query, [head, respond](std::string json) {
    respond(server::make_json_response(head, status::ok, std::move(json)));
  });
}

}  // namespace

void register_series_routes(server::Router& router, Service& service) {
  for (const EntityKind kind : {EntityKind::kProvider, EntityKind::kConnection}) {
    const std::string pattern =
        fmt::format("/api/v1/{}/{{id}}/series", kind == EntityKind::kProvider ? "providers" : "connections");
    add_route(router, service, verb::get, pattern, Permission::kRead,
              [&service, kind](server::Request&& request, const server::PathParams& params, const Principal& caller,
                               server::Responder respond) {
                handle_series(service, kind, std::move(request), params.at("id"), caller, respond);
              });
  }
}

}  // namespace syncmon::api
