#include "api/push_handler.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "syncmon/push_parser.h"

namespace syncmon::api {
namespace {

using server::http::status;

std::string accepted_json(const PushBatch& batch) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("accepted");
  writer.StartObject();
  writer.Key("providers");
  writer.Uint64(batch.providers.size());
  writer.Key("connections");
  writer.Uint64(batch.connections.size());
  writer.Key("observations");
  writer.Uint64(batch.observation_count());
  writer.EndObject();
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

template <typename Parse>
void handle_push(Service& service, const server::Request& request, const server::Responder& respond, Parse parse) {
  if (!service.recovered.load(std::memory_order_acquire)) {
    service.metrics.count_push_rejected("not_ready");
    respond(server::make_error_response(
        request, {503, "syncmond is still recovering its state; retry shortly", "", "not_ready"}));
    return;
  }
  auto batch = parse(request.body(), service.aggregator.push_schema());
  if (!batch) {
    service.metrics.count_push_rejected(batch.error().reason);
    respond(server::make_error_response(request, batch.error()));
    return;
  }
  batch->received_at_unix_ms = service.clock.now_unix_ms();
  if (auto error = service.aggregator.apply(*batch)) {
    service.metrics.count_push_rejected(error->reason);
    respond(server::make_error_response(request, *error));
    return;
  }
  service.metrics.count_push_accepted(batch->observation_count());
  respond(server::make_json_response(request, status::ok, accepted_json(*batch)));
}

}  // namespace

void register_push_routes(server::Router& router, Service& service) {
  router.add(server::http::verb::post, "/api/v1/push",
             [&service](server::Request&& request, const server::PathParams&, server::Responder respond) {
               handle_push(service, request, respond, [](std::string_view body, const PushSchema& schema) {
                 return parse_push(body, schema);
               });
             });
  router.add(server::http::verb::post, "/api/v1/providers/{provider}/metrics",
             [&service](server::Request&& request, const server::PathParams& params, server::Responder respond) {
               const std::string& provider = params.at("provider");
               handle_push(service, request, respond, [&provider](std::string_view body, const PushSchema& schema) {
                 return parse_provider_webhook(body, provider, schema);
               });
             });
  router.add(server::http::verb::post, "/api/v1/connections/{connection}/metrics",
             [&service](server::Request&& request, const server::PathParams& params, server::Responder respond) {
               const std::string& connection = params.at("connection");
               handle_push(service, request, respond, [&connection](std::string_view body, const PushSchema& schema) {
                 return parse_connection_webhook(body, connection, schema);
               });
             });
}

}  // namespace syncmon::api
