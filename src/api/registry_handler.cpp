#include "api/registry_handler.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/access_guard.h"
#include "api/query_params.h"
#include "syncmon/entity_summary.h"
#include "syncmon/label_rules.h"
#include "syncmon/time_format.h"

namespace syncmon::api {
namespace {

using server::http::status;
using server::http::verb;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr Duration kDefaultWindow = std::chrono::hours(1);

void key(Writer& writer, std::string_view name) {
  writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}
void string(Writer& writer, std::string_view value) {
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void optional_string(Writer& writer, std::string_view name, const std::string& value) {
  key(writer, name);
  if (value.empty()) {
    writer.Null();
  } else {
    string(writer, value);
  }
}
void optional_double(Writer& writer, std::string_view name, std::optional<double> value) {
  key(writer, name);
  if (value) {
    writer.Double(*value);
  } else {
    writer.Null();
  }
}

// What a listing shows of one entity besides its own fields.
struct Window {
  Duration length = kDefaultWindow;
  std::int64_t now_ms = 0;
  bool partial = false;  // the history does not reach back over the whole window
};

Expected<Window, ApiError> read_window(const server::Request& request, const Service& service) {
  auto params = query_params(request);
  if (!params) {
    return unexpected(params.error());
  }
  Window window;
  for (const auto& [name, value] : *params) {
    if (name != "window") {
      return unexpected(ApiError{400, "unknown parameter; the listings take only window", name, "invalid"});
    }
    auto length = parse_duration(value);
    if (!length || length->count() <= 0) {
      return unexpected(ApiError{400, "window must be a duration such as \"1h\" or a number of seconds", "window", "invalid"});
    }
    window.length = *length;
  }
  window.now_ms = service.clock.now_unix_ms();
  window.partial = window.now_ms - window.length.count() < service.history.covered_since_ms();
  return window;
}

void write_summary(Writer& writer, const Service& service, EntityKind kind, const std::string& id,
                   std::optional<Duration> expected_interval, const Window& window) {
  const EntitySummary summary =
      summarize(kind, id, service.history, window.now_ms, window.length.count(),
                service.aggregator.layout_of(Family::kProviderResponseTime).upper_bounds(), service.config.health,
                expected_interval);
  key(writer, "summary");
  writer.StartObject();
  key(writer, "window");
  string(writer, format_duration(window.length));
  if (window.partial) {
    key(writer, "partial");
    writer.Bool(true);
  }
  key(writer, "requests");
  writer.Uint64(summary.requests);
  optional_double(writer, "success_ratio", summary.success_ratio());
  key(writer, "errors_4xx");
  writer.Uint64(summary.errors_4xx);
  key(writer, "errors_5xx");
  writer.Uint64(summary.errors_5xx);
  optional_double(writer, "p95_response_time_seconds", summary.p95_response_time);
  optional_string(writer, "last_push",
                  summary.last_push_ms ? rfc3339_from_unix_ms(*summary.last_push_ms) : std::string());
  writer.EndObject();
  key(writer, "health");
  string(writer, health_name(summary.health));
}

void write_provider(Writer& writer, const Service& service, const ProviderRecord& provider, const Window* window) {
  writer.StartObject();
  key(writer, "id");
  string(writer, provider.id);
  key(writer, "name");
  string(writer, provider.name);
  optional_string(writer, "partner", provider.partner);
  key(writer, "origin");
  string(writer, origin_name(provider.origin));
  if (window != nullptr) {
    write_summary(writer, service, EntityKind::kProvider, provider.id, std::nullopt, *window);
  }
  writer.EndObject();
}

void write_connection(Writer& writer, const Service& service, const ConnectionRecord& connection, const Window* window) {
  writer.StartObject();
  key(writer, "id");
  string(writer, connection.id);
  key(writer, "name");
  string(writer, connection.name);
  optional_string(writer, "tenant", connection.tenant);
  optional_string(writer, "source_provider", connection.source_provider);
  optional_string(writer, "target_provider", connection.target_provider);
  key(writer, "resources");
  writer.StartArray();
  for (const auto& resource : connection.resources) {
    string(writer, resource);
  }
  writer.EndArray();
  optional_string(writer, "expected_interval",
                  connection.expected_interval ? format_duration(*connection.expected_interval) : std::string());
  key(writer, "origin");
  string(writer, origin_name(connection.origin));
  if (window != nullptr) {
    write_summary(writer, service, EntityKind::kConnection, connection.id, connection.expected_interval, *window);
  }
  writer.EndObject();
}

template <typename Record>
void write_entity(Writer& writer, const Service& service, const Record& record, const Window* window) {
  if constexpr (std::is_same_v<Record, ProviderRecord>) {
    write_provider(writer, service, record, window);
  } else {
    write_connection(writer, service, record, window);
  }
}

template <typename Record>
std::string entity_json(const Service& service, const Record& record, const Window* window) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  write_entity(writer, service, record, window);
  return {buffer.GetString(), buffer.GetSize()};
}

template <typename Record>
const Record* find_record(const RegistryView& registry, std::string_view id) {
  if constexpr (std::is_same_v<Record, ProviderRecord>) {
    return registry.provider(id);
  } else {
    return registry.connection(id);
  }
}

template <typename Record>
void register_kind(server::Router& router, Service& service, EntityKind kind) {
  const std::string plural = kind == EntityKind::kProvider ? "providers" : "connections";
  const std::string collection = "/api/v1/" + plural;
  const std::string item = collection + "/{id}";

  add_route(router, service, verb::get, collection, Permission::kRead,
            [&service, plural](server::Request&& request, const server::PathParams&, const Principal& caller,
                                     server::Responder respond) {
              auto window = read_window(request, service);
              if (!window) {
                return respond(server::make_error_response(request, window.error()));
              }
              const auto registry = service.registry.view();
              rapidjson::StringBuffer buffer;
              Writer writer(buffer);
              writer.StartObject();
              key(writer, plural);
              writer.StartArray();
              const auto write_all = [&](const auto& records) {
                for (const auto* record : records) {
                  write_entity(writer, service, *record, &*window);
                }
              };
              if constexpr (std::is_same_v<Record, ProviderRecord>) {
                write_all(registry->readable_providers(caller));
              } else {
                write_all(registry->readable_connections(caller));
              }
              writer.EndArray();
              writer.EndObject();
              respond(server::make_json_response(request, status::ok, {buffer.GetString(), buffer.GetSize()}));
            });

  add_route(router, service, verb::get, item, Permission::kRead,
            [&service, kind](server::Request&& request, const server::PathParams& params, const Principal& caller,
                             server::Responder respond) {
              auto window = read_window(request, service);
              if (!window) {
                return respond(server::make_error_response(request, window.error()));
              }
              const auto registry = service.registry.view();
              const std::string& id = params.at("id");
              if (auto problem = read_problem(*registry, kind, id, caller)) {
                return respond(server::make_error_response(request, *problem));
              }
              respond(server::make_json_response(request, status::ok,
                                                 entity_json(service, *find_record<Record>(*registry, id), &*window)));
            });

  add_route(router, service, verb::put, item, Permission::kAdmin,
            [&service, kind](server::Request&& request, const server::PathParams& params, const Principal&,
                             server::Responder respond) {
              const std::string& id = params.at("id");
              if (auto problem = entity_id_problem(id)) {
                return respond(server::make_error_response(request, invalid_id(kind, *problem)));
              }
              const auto registry = service.registry.view();
              if (auto conflict = api_change_problem(*registry, kind, id)) {
                return respond(server::make_error_response(request, *conflict));
              }
              Expected<Record, ApiError> record = [&] {
                if constexpr (std::is_same_v<Record, ProviderRecord>) {
                  return parse_provider_body(request.body(), id, registry.get());
                } else {
                  return parse_connection_body(request.body(), id, registry.get());
                }
              }();
              if (!record) {
                return respond(server::make_error_response(request, record.error()));
              }
              const Record* current = find_record<Record>(*registry, id);
              const bool existed = current != nullptr && current->origin == Origin::kApi;
              std::string body;
              if constexpr (std::is_same_v<Record, ProviderRecord>) {
                body = provider_body(*record);
              } else {
                body = connection_body(*record);
              }
              const server::ReplyTo head = server::reply_to(request);
              service.durable.submit(
                  store::RegistryWrite{kind, id, std::move(body)},
                  [&service, head, respond, existed, record = std::move(*record)](std::optional<ApiError> error) {
                    if (error) {
                      return respond(server::make_error_response(head, *error));
                    }
                    service.registry.put(record);
                    respond(server::make_json_response(head, existed ? status::ok : status::created,
                                                       entity_json(service, record, nullptr)));
                  });
            });

  add_route(router, service, verb::delete_, item, Permission::kAdmin,
            [&service, kind](server::Request&& request, const server::PathParams& params, const Principal&,
                             server::Responder respond) {
              const std::string& id = params.at("id");
              const auto registry = service.registry.view();
              if (auto conflict = api_change_problem(*registry, kind, id)) {
                return respond(server::make_error_response(request, *conflict));
              }
              const Record* record = find_record<Record>(*registry, id);
              const Origin* origin = record != nullptr ? &record->origin : nullptr;
              if (origin == nullptr || *origin != Origin::kApi) {
                return respond(server::make_error_response(
                    request, origin == nullptr ? unknown_entity(kind, id)
                                               : ApiError{409,
                                                          fmt::format("{} \"{}\" is known from pushes only; there is "
                                                                      "no registry entry to delete",
                                                                      entity_kind_name(kind), id),
                                                          "id", "conflict"}));
              }
              if (kind == EntityKind::kProvider) {
                if (const auto users = registry->connections_using(id); !users.empty()) {
                  return respond(server::make_error_response(
                      request, {409,
                                fmt::format("provider \"{}\" is used by connection \"{}\"; change or delete that "
                                            "first",
                                            id, users.front()->id),
                                "id", "conflict"}));
                }
              }
              const server::ReplyTo head = server::reply_to(request);
              service.durable.submit(store::RegistryWrite{kind, id, std::nullopt},
                                     [&service, head, respond, kind, id](std::optional<ApiError> error) {
                                       if (error) {
                                         return respond(server::make_error_response(head, *error));
                                       }
                                       service.registry.remove(kind, id);
                                       respond(server::make_response(head, status::no_content, "", ""));
                                     });
            });
}

}  // namespace

void register_registry_routes(server::Router& router, Service& service) {
  register_kind<ProviderRecord>(router, service, EntityKind::kProvider);
  register_kind<ConnectionRecord>(router, service, EntityKind::kConnection);
}

}  // namespace syncmon::api
