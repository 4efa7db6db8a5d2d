#include "api/operations_handler.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/access_guard.h"
#include "api/series_proxy.h"
#include "syncmon/build_info.h"
#include "syncmon/duration.h"
#include "syncmon/time_format.h"

namespace syncmon::api {
namespace {

using server::http::status;
using server::http::verb;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(Writer& writer, std::string_view key, std::string_view value) {
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string status_json(const Service& service) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  write_string(writer, "status", "success");
  writer.Key("data");
  writer.StartObject();
  writer.Key("build_information");
  writer.StartObject();
  write_string(writer, "version", build_info::version());
  write_string(writer, "revision", build_info::revision());
  write_string(writer, "compiler", build_info::compiler());
  write_string(writer, "build_type", build_info::build_type());
  writer.EndObject();
  // The Pushgateway lists its flags here; these are syncmond's settings of the same kind.
  writer.Key("flags");
  writer.StartObject();
  write_string(writer, "listen", service.config.listen);
  write_string(writer, "data_dir", service.config.data_dir);
  write_string(writer, "durability", service.config.durability == DurabilityMode::kAck ? "ack" : "snapshot");
  write_string(writer, "snapshot_interval", format_duration(service.config.snapshot_interval));
  write_string(writer, "pushgateway.consistency_check", service.config.pushgateway.consistency_check ? "true" : "false");
  write_string(writer, "pushgateway.group_ttl", format_duration(service.config.pushgateway.group_ttl));
  writer.EndObject();
  write_string(writer, "start_time", rfc3339_from_unix_ms(service.started_at_unix_ms));
  writer.Key("uptime_seconds");
  writer.Double(static_cast<double>(service.clock.now_unix_ms() - service.started_at_unix_ms) / 1000.0);
  writer.Key("ready");
  writer.Bool(service.ready());
  writer.Key("series");
  writer.Uint64(service.aggregator.series_count() + service.groups.series_count());
  writer.Key("groups");
  writer.Uint64(service.groups.group_count());
  writer.Key("series_limit");
  writer.Uint64(service.aggregator.max_series());
  writer.Key("open_connections");
  writer.Uint64(service.open_connections());
  write_string(writer, "durability", service.config.durability == DurabilityMode::kAck ? "ack" : "snapshot");
  if (const std::int64_t last = service.durable.last_snapshot_unix_ms(); last > 0) {
    write_string(writer, "last_snapshot", rfc3339_from_unix_ms(last));
  } else {
    writer.Key("last_snapshot");
    writer.Null();
  }
  writer.Key("store_writable");
  writer.Bool(service.durable.writable());
  writer.Key("backend");
  writer.StartObject();
  write_string(writer, "url", service.config.prometheus.url);
  // As the series API last found it; nothing before its first call.
  writer.Key("reachable");
  if (const auto reachable = service.series.backend_reachable()) {
    writer.Bool(*reachable);
  } else {
    writer.Null();
  }
  write_string(writer, "circuit_breaker", state_name(service.series.breaker_state()));
  writer.EndObject();
  writer.EndObject();
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

void register_operations_routes(server::Router& router, Service& service) {
  add_route(router, service, verb::get, "/-/healthy", Permission::kOpen,
            [](server::Request&& request, const server::PathParams&, const Principal&, server::Responder respond) {
    respond(server::make_response(request, status::ok, "OK\n", "text/plain; charset=utf-8"));
  });
  add_route(router, service, verb::get, "/-/ready", Permission::kOpen,
            [&service](server::Request&& request, const server::PathParams&, const Principal&, server::Responder respond) {
    if (service.ready()) {
      respond(server::make_response(request, status::ok, "OK\n", "text/plain; charset=utf-8"));
    } else {
      respond(server::make_response(request, status::service_unavailable, "Service Unavailable\n",
                                    "text/plain; charset=utf-8"));
    }
  });
  add_route(router, service, verb::get, "/api/v1/status", Permission::kRead,
            [&service](server::Request&& request, const server::PathParams&, const Principal&, server::Responder respond) {
    respond(server::make_json_response(request, status::ok, status_json(service)));
  });
}

}  // namespace syncmon::api
