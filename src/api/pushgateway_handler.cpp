#include "api/pushgateway_handler.h"

#include <boost/beast/core/string.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/access_guard.h"
#include "api/body_decoding.h"
#include "syncmon/grouping_key.h"
#include "syncmon/text_format_parser.h"
#include "syncmon/text_writer.h"
#include "syncmon/time_format.h"

namespace syncmon::api {
namespace {

using server::http::status;
using store::GroupChange;
using server::http::verb;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

server::Response empty_response(const server::ReplyTo& request, status code) {
  return server::make_response(request, code, "", "text/plain; charset=utf-8");
}

void key(Writer& writer, std::string_view name) { writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size())); }
void string(Writer& writer, std::string_view value) {
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_labels(Writer& writer, const std::vector<LabelPair>& labels) {
  writer.StartObject();
  for (const auto& label : labels) {
    key(writer, label.name);
    string(writer, label.value);
  }
  writer.EndObject();
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

void write_count_and_sum(Writer& writer, const PushedMetric& metric) {
  key(writer, "count");
  string(writer, std::to_string(metric.count));
  key(writer, "sum");
  string(writer, go_float(metric.sum));
}

void write_family(Writer& writer, const PushedFamily& family, double push_time) {
  key(writer, family.name);
  writer.StartObject();
  key(writer, "time_stamp");
  string(writer, rfc3339(push_time, 9));
  key(writer, "type");
  string(writer, upper(kind_name(family.kind)));
  if (family.help) {
    key(writer, "help");
    string(writer, *family.help);
  }
  key(writer, "metrics");
  writer.StartArray();
  for (const auto& metric : family.metrics) {
    writer.StartObject();
    key(writer, "labels");
    write_labels(writer, metric.labels);
    switch (family.kind) {
      case MetricKind::kCounter:
      case MetricKind::kGauge:
      case MetricKind::kUntyped:
        key(writer, "value");
        string(writer, go_float(metric.value));
        break;
      case MetricKind::kSummary:
        key(writer, "quantiles");
        writer.StartObject();
        for (const auto& quantile : metric.quantiles) {
          key(writer, go_float(quantile.quantile));
          string(writer, go_float(quantile.value));
        }
        writer.EndObject();
        write_count_and_sum(writer, metric);
        break;
      case MetricKind::kHistogram:
        key(writer, "buckets");
        writer.StartObject();
        for (const auto& bucket : metric.buckets) {
          key(writer, go_float(bucket.upper_bound));
          string(writer, std::to_string(bucket.cumulative_count));
        }
        writer.EndObject();
        write_count_and_sum(writer, metric);
        break;
    }
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
}

void write_time_family(Writer& writer, std::string_view name, std::string_view help, const MetricGroup& group,
                       double value) {
  PushedFamily family{std::string(name), std::string(help), MetricKind::kGauge,
                      {PushedMetric{group_series_labels(group.key), value, 0, 0, {}, {}}}};
  write_family(writer, family, group.push_time_seconds);
}

// GET /api/v1/metrics in the Pushgateway's shape.
std::string groups_json(const std::vector<std::shared_ptr<const MetricGroup>>& groups) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  key(writer, "status");
  string(writer, "success");
  key(writer, "data");
  writer.StartArray();
  for (const auto& group : groups) {
    writer.StartObject();
    key(writer, "labels");
    write_labels(writer, group->key);
    key(writer, "last_push_successful");
    writer.Bool(group->push_time_seconds >= group->push_failure_time_seconds);
    for (const auto& family : group->families) {
      write_family(writer, family, group->push_time_seconds);
    }
    write_time_family(writer, "push_time_seconds",
                      "Last Unix time when changing this group in the Pushgateway succeeded.", *group,
                      group->push_time_seconds);
    write_time_family(writer, "push_failure_time_seconds",
                      "Last Unix time when changing this group in the Pushgateway failed.", *group,
                      group->push_failure_time_seconds);
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

// The answer to a group change, once the durability layer has it.
std::function<void(std::optional<ApiError>)> answer(Service& service, const server::Request& request,
                                                    server::Responder respond, status success) {
  const server::ReplyTo head = server::reply_to(request);
  return [&service, head, respond = std::move(respond), success](std::optional<ApiError> error) {
    if (error) {
      service.metrics.count_push_rejected(error->reason);
      respond(server::make_error_response(head, *error));
      return;
    }
    respond(empty_response(head, success));
  };
}

void handle_push(Service& service, server::Request& request, const server::PathParams& params,
                 server::Responder respond, GroupPushMode mode) {
  const auto reject = [&](const ApiError& error) {
    service.metrics.count_push_rejected(error.reason);
    respond(server::make_error_response(request, error));
  };
  if (!service.recovered.load(std::memory_order_acquire)) {
    return reject({503, "syncmond is still recovering its state; retry shortly", "", "not_ready"});
  }
  auto grouping = parse_grouping_key(params.at("grouping"), service.config.limits.max_label_value_length);
  if (!grouping) {
    return reject(grouping.error());
  }
  const auto content_type = request[server::http::field::content_type];
  if (content_type.find("application/vnd.google.protobuf") != std::string_view::npos) {
    return reject({415, "protobuf-delimited bodies are not supported yet; push the text format (text/plain; version=0.0.4)",
                   "Content-Type", "unsupported_media_type"});
  }
  auto body = take_decoded_body(request, service.config.limits.max_body_bytes);
  if (!body) {
    return reject(body.error());
  }
  // The grouping labels and `instance` join every series when the push is applied.
  const TextFormatLimits limits{service.config.limits.max_label_value_length,
                                service.config.limits.max_labels_per_series, grouping->size() + 1};
  auto parsed = parse_text_format(*body, limits);
  if (!parsed) {
    return reject(parsed.error());
  }
  GroupChange change;
  change.kind = GroupChange::Kind::kPush;
  change.push = GroupPush{std::move(*grouping), mode, std::move(parsed->families),
                          static_cast<double>(service.clock.now_unix_ms()) / 1000.0, parsed->has_timestamps};
  service.durable.submit(std::move(change), answer(service, request, std::move(respond), status::ok));
}

// Grouping keys are not providers or connections, so a push token scoped to some of those may
// not write Pushgateway groups.
std::optional<ApiError> group_scope_problem(const Principal& caller) {
  if (caller.push_scoped()) {
    return forbidden("a push token scoped to connections or providers may push only native batches for them");
  }
  return std::nullopt;
}

}  // namespace

void register_pushgateway_routes(server::Router& router, Service& service) {
  constexpr std::string_view kGroupRoute = "/metrics/{grouping*}";
  const auto group_push = [&service](GroupPushMode mode) {
    return [&service, mode](server::Request&& request, const server::PathParams& params, const Principal& caller,
                            server::Responder respond) {
      if (auto refused = group_scope_problem(caller)) {
        service.metrics.count_push_rejected(refused->reason);
        return respond(server::make_error_response(request, *refused));
      }
      handle_push(service, request, params, std::move(respond), mode);
    };
  };
  add_route(router, service, verb::put, std::string(kGroupRoute), Permission::kPush,
            group_push(GroupPushMode::kReplaceGroup));
  add_route(router, service, verb::post, std::string(kGroupRoute), Permission::kPush,
            group_push(GroupPushMode::kReplaceFamilies));
  add_route(router, service, verb::delete_, std::string(kGroupRoute), Permission::kPush,
            [&service](server::Request&& request, const server::PathParams& params, const Principal& caller,
                       server::Responder respond) {
              if (auto refused = group_scope_problem(caller)) {
                return respond(server::make_error_response(request, *refused));
              }
              auto grouping = parse_grouping_key(params.at("grouping"), service.config.limits.max_label_value_length);
              if (!grouping) {
                respond(server::make_error_response(request, grouping.error()));
                return;
              }
              GroupChange change;
              change.kind = GroupChange::Kind::kDelete;
              change.key = std::move(*grouping);
              service.durable.submit(std::move(change), answer(service, request, std::move(respond), status::accepted));
            });
  // Every group of every job: all tenants' data, so admin only.
  add_route(router, service, verb::get, "/api/v1/metrics", Permission::kAdmin,
            [&service](server::Request&& request, const server::PathParams&, const Principal&, server::Responder respond) {
              respond(server::make_json_response(request, status::ok, groups_json(service.groups.groups())));
            });
  add_route(router, service, verb::put, "/api/v1/admin/wipe", Permission::kAdmin,
            [&service](server::Request&& request, const server::PathParams&, const Principal&, server::Responder respond) {
              GroupChange change;
              change.kind = GroupChange::Kind::kWipe;
              service.durable.submit(std::move(change), answer(service, request, std::move(respond), status::accepted));
            });
}

}  // namespace syncmon::api
