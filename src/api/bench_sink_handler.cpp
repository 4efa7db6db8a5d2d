#include "api/bench_sink_handler.h"

namespace syncmon::api {

void register_bench_sink_route(server::Router& router) {
  router.add(server::http::verb::post, "/bench/sink",
             [](server::Request&& request, const server::PathParams&, server::Responder respond) {
               respond(server::make_json_response(request, server::http::status::ok, "{}"));
             });
}

}  // namespace syncmon::api
