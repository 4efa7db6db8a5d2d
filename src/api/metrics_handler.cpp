#include "api/metrics_handler.h"

#include <sstream>

#include <prometheus/text_serializer.h>

#include "api/access_guard.h"
#include "api/process_collector.h"
#include "api/single_sample_family.h"
#include "syncmon/build_info.h"
#include "syncmon/domain_exposition.h"
#include "syncmon/group_exposition.h"
#include "syncmon/text_writer.h"

namespace syncmon::api {
namespace {

// Figures computed at scrape time rather than counted as they happen.
std::vector<prometheus::MetricFamily> runtime_families(const Service& service) {
  constexpr auto kGauge = prometheus::MetricType::Gauge;
  std::vector<prometheus::MetricFamily> families;
  families.push_back(single_sample_family("syncmond_build_info", "Version and build of the running syncmond; always 1.",
                                          kGauge, 1,
                                          {{"version", std::string(build_info::version())},
                                           {"revision", std::string(build_info::revision())},
                                           {"compiler", std::string(build_info::compiler())}}));
  families.push_back(single_sample_family("syncmond_ready", "1 once recovery has finished and pushes are accepted.",
                                          kGauge, service.ready() ? 1 : 0));
  families.push_back(single_sample_family(
      "syncmond_series", "Series held: native pushes and Pushgateway groups (a histogram counts once).", kGauge,
      static_cast<double>(service.aggregator.series_count() + service.groups.series_count())));
  families.push_back(single_sample_family("syncmond_series_limit", "limits.max_series.", kGauge,
                                          static_cast<double>(service.aggregator.max_series())));
  families.push_back(single_sample_family("syncmond_idempotency_keys", "Idempotency-Keys remembered.", kGauge,
                                          static_cast<double>(service.durable.idempotency_keys())));
  families.push_back(single_sample_family("syncmond_open_connections", "HTTP connections open now.", kGauge,
                                          static_cast<double>(service.open_connections())));
  families.push_back(single_sample_family("syncmond_history_bytes",
                                          "Memory the local history holds (within history.max_bytes).", kGauge,
                                          static_cast<double>(service.history.bytes())));
  families.push_back(single_sample_family(
      "syncmond_history_untracked",
      "Entity sums the last history sample left out for want of history.max_bytes; their local answers are empty.",
      kGauge, static_cast<double>(service.history.untracked())));
  return families;
}

}  // namespace

std::string render_metrics(Service& service) {
  std::vector<prometheus::MetricFamily> families;
  for (auto&& family : service.metrics.registry()->Collect()) {
    families.push_back(std::move(family));
  }
  for (auto&& family : runtime_families(service)) {
    families.push_back(std::move(family));
  }
  for (auto&& family : ProcessCollector().Collect()) {
    families.push_back(std::move(family));
  }
  std::string text;
  // The domain series dominate the size: about 66 bytes a sample line.
  text.reserve(service.aggregator.series_count() * 80 + 64 * 1024);
  const auto registry = service.registry.view();  // one registry for the whole scrape
  append_domain_text(text, service.aggregator, registry->labels());
  // The daemon's own few families go through prometheus-cpp.
  std::ostringstream own;
  prometheus::TextSerializer().Serialize(own, families);
  text += std::move(own).str();
  // The Pushgateway-compatible groups, written as the Pushgateway writes them.
  append_groups_text(text, service.groups.groups());
  return text;
}

void register_metrics_routes(server::Router& router, Service& service) {
  add_route(router, service, server::http::verb::get, "/metrics", Permission::kMetrics,
            [&service](server::Request&& request, const server::PathParams&, const Principal&, server::Responder respond) {
              respond(server::make_response(request, server::http::status::ok, render_metrics(service),
                                            "text/plain; version=0.0.4; charset=utf-8"));
            });
}

}  // namespace syncmon::api
