#include "api/push_handler.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/access_guard.h"
#include "syncmon/idempotency.h"
#include "syncmon/push_parser.h"
#include "syncmon/registry.h"

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

// The stored response of the original push, marked as a replay: {..., "duplicate": true}.
std::string as_duplicate(std::string_view original) {
  std::string body(original.substr(0, original.rfind('}')));
  body += R"(,"duplicate":true})";
  return body;
}

// `webhook_param`: the URL parameter naming the webhook's entity; empty for /api/v1/push.
template <typename Parse>
void handle_push(Service& service, const server::Request& request, const Principal& caller,
                 std::string_view webhook_param, const server::Responder& respond, Parse parse) {
  const auto reject = [&](const ApiError& error) {
    service.metrics.count_push_rejected(error.reason);
    respond(server::make_error_response(request, error));
  };
  if (!service.recovered.load(std::memory_order_acquire)) {
    return reject({503, "syncmond is still recovering its state; retry shortly", "", "not_ready"});
  }
  std::optional<std::string> key;
  if (auto header = request.find("Idempotency-Key"); header != request.end()) {
    const std::string_view value = header->value();
    if (auto problem = idempotency_key_problem(value)) {
      return reject({400, *problem, "Idempotency-Key", "invalid"});
    }
    key.emplace(value);
  }
  auto batch = parse(request.body(), service.aggregator.push_schema());
  if (!batch) {
    return reject(batch.error());
  }
  // Unknown ids (registry.auto_register) and the token's scope, before anything is applied.
  auto entities = check_push_entities(*batch, service.registry.current_view(), caller, webhook_param);
  if (!entities) {
    return reject(entities.error());
  }
  batch->received_at_unix_ms = service.clock.now_unix_ms();
  const std::uint64_t observations = batch->observation_count();
  store::PushSubmission submission{std::move(*batch), {}, std::move(key), 0};
  submission.accepted_body = accepted_json(submission.batch);
  if (submission.idempotency_key) {
    submission.fingerprint = fingerprint(request.target(), request.body());
  }
  // The answer may come from the durability thread once the journal commit is on disk.
  const server::ReplyTo head = server::reply_to(request);
  // New ids join the registry once the push is applied: a push refused later (429, 503, a key
  // conflict) registers nothing.
  service.durable.submit(std::move(submission), [&service, respond, head, observations,
                                                 entities = std::move(*entities)](store::PushOutcome outcome) {
    if (outcome.error) {
      service.metrics.count_push_rejected(outcome.error->reason);
      respond(server::make_error_response(head, *outcome.error));
      return;
    }
    if (!outcome.duplicate) {
      service.registry.register_seen(entities.new_providers, entities.new_connections);
      service.metrics.count_push_accepted(observations);
    }
    respond(server::make_json_response(head, status::ok,
                                       outcome.duplicate ? as_duplicate(outcome.body) : std::move(outcome.body)));
  });
}

}  // namespace

void register_push_routes(server::Router& router, Service& service) {
  using server::http::verb;
  add_route(router, service, verb::post, "/api/v1/push", Permission::kPush,
            [&service](server::Request&& request, const server::PathParams&, const Principal& caller,
                       server::Responder respond) {
              handle_push(service, request, caller, "", respond, [](std::string_view body, const PushSchema& schema) {
                return parse_push(body, schema);
              });
            });
  add_route(router, service, verb::post, "/api/v1/providers/{provider}/metrics", Permission::kPush,
            [&service](server::Request&& request, const server::PathParams& params, const Principal& caller,
                       server::Responder respond) {
              const std::string& provider = params.at("provider");
              handle_push(service, request, caller, "provider", respond,
                          [&provider](std::string_view body, const PushSchema& schema) {
                            return parse_provider_webhook(body, provider, schema);
                          });
            });
  add_route(router, service, verb::post, "/api/v1/connections/{connection}/metrics", Permission::kPush,
            [&service](server::Request&& request, const server::PathParams& params, const Principal& caller,
                       server::Responder respond) {
              const std::string& connection = params.at("connection");
              handle_push(service, request, caller, "connection", respond,
                          [&connection](std::string_view body, const PushSchema& schema) {
                            return parse_connection_webhook(body, connection, schema);
                          });
            });
}

}  // namespace syncmon::api
