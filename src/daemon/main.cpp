// syncmond: flags, config, logging, wiring, run. Nothing else lives here.

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <systemd/sd-daemon.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "api/bench_sink_handler.h"
#include "api/history_sampler.h"
#include "api/metrics_handler.h"
#include "api/openapi_handler.h"
#include "api/operations_handler.h"
#include "api/push_handler.h"
#include "api/pushgateway_handler.h"
#include "api/registry_handler.h"
#include "api/self_metrics.h"
#include "api/series_handler.h"
#include "api/series_proxy.h"
#include "api/service.h"
#include "server/router.h"
#include "server/server.h"
#include "store/durable_state.h"
#include "store/state_store.h"
#include "syncmon/access_policy.h"
#include "syncmon/aggregator.h"
#include "syncmon/build_info.h"
#include "syncmon/clock.h"
#include "syncmon/config.h"
#include "syncmon/listen_address.h"
#include "syncmon/local_history.h"
#include "syncmon/registry.h"

// Read by jemalloc (linked into release builds, see CMakeLists.txt) at start-up: memory freed after
// a burst of pushes or a scrape goes back to the system within about a second, returned by
// jemalloc's own thread rather than in the middle of a request. Unused with other allocators.
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's.
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
}

namespace {

struct Flags {
  std::string config_path;
  std::string check_config_path;
  std::string listen;
  std::string data_dir;
  std::string log_level;
  bool version = false;
  bool list_routes = false;
};

syncmon::Expected<syncmon::Config, std::string> effective_config(const Flags& flags) {
  syncmon::Config config;
  if (!flags.config_path.empty()) {
    auto loaded = syncmon::load_config_file(flags.config_path);
    if (!loaded) {
      return syncmon::unexpected(loaded.error());
    }
    config = std::move(*loaded);
  }
  if (!flags.listen.empty()) config.listen = flags.listen;
  if (!flags.data_dir.empty()) config.data_dir = flags.data_dir;
  if (!flags.log_level.empty()) config.log_level = flags.log_level;
  if (auto problem = syncmon::validate_config(config)) {
    return syncmon::unexpected(*problem);
  }
  return config;
}

syncmon::server::ServerOptions server_options(const syncmon::Config& config) {
  syncmon::server::ServerOptions options;
  options.limits.max_body_bytes = config.limits.max_body_bytes;
  options.limits.max_header_bytes = config.limits.max_header_bytes;
  options.limits.max_connections = config.limits.max_connections;
  options.limits.request_timeout = config.limits.request_timeout;
  options.limits.idle_timeout = config.limits.idle_timeout;
  options.io_threads = config.server.io_threads != 0 ? config.server.io_threads
                                                      : std::max(1U, std::thread::hardware_concurrency());
  options.shutdown_timeout = config.server.shutdown_timeout;
  options.tls_cert_file = config.tls.cert_file;
  options.tls_key_file = config.tls.key_file;
  return options;
}

std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  return address.is_v6() ? fmt::format("[{}]:{}", address.to_string(), endpoint.port())
                         : fmt::format("{}:{}", address.to_string(), endpoint.port());
}

// SIGHUP: re-read and check the config file (with the same flag overrides); the registry, the
// tokens and the log level apply at once, the rest at the next restart.
void reload(const Flags& flags, syncmon::Registry& registry, syncmon::api::Service& service) {
  if (flags.config_path.empty()) {
    spdlog::info("no --config file to reload");
    return;
  }
  auto config = effective_config(flags);
  if (!config) {
    spdlog::error("reload refused, keeping the running configuration: {}", config.error());
    return;
  }
  registry.reload(config->registry);
  service.access.store(std::make_shared<const syncmon::AccessPolicy>(config->auth));
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  spdlog::info("reloaded {}: registry ({} providers, {} connections), {} tokens, log_level {}; other settings take "
               "effect on restart",
               flags.config_path, config->registry.providers.size(), config->registry.connections.size(),
               config->auth.tokens.size(), config->log_level);
}

int serve(const syncmon::Config& config, const Flags& flags) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    spdlog::critical("data_dir: cannot create {}: {}", config.data_dir, ec.message());
    return 1;
  }

  syncmon::SystemClock clock;
  syncmon::AggregatorConfig aggregator_config;
  aggregator_config.provider_response_time_bounds = config.buckets.provider_response_time;
  aggregator_config.connection_operation_time_bounds = config.buckets.connection_operation_time;
  aggregator_config.max_series = config.limits.max_series;
  aggregator_config.max_label_value_length = config.limits.max_label_value_length;
  syncmon::Aggregator aggregator(aggregator_config);
  syncmon::GroupStore groups(aggregator, config.pushgateway.consistency_check);
  syncmon::api::SelfMetrics metrics;

  // Recovery finishes before the port opens, so /-/ready is never 200 on half a state.
  std::unique_ptr<syncmon::store::StateStore> state_store;
  std::unique_ptr<syncmon::store::DurableState> durable;
  std::unique_ptr<syncmon::Registry> registry;
  try {
    state_store = std::make_unique<syncmon::store::StateStore>(config.data_dir, config.durability, config.buckets);
    registry = std::make_unique<syncmon::Registry>(config.registry, state_store->load_registry());
    durable = std::make_unique<syncmon::store::DurableState>(
        aggregator, groups, *state_store, clock,
        syncmon::store::DurabilityOptions{config.durability, config.snapshot_interval, config.idempotency_retention,
                                          config.pushgateway.group_ttl},
        *metrics.registry());
    durable->recover();
  } catch (const std::exception& error) {
    spdlog::critical("{}", error.what());
    return 1;
  }
  // The local history starts now: every push applied from here on is in it.
  syncmon::LocalHistory history(config.history.retention, config.history.max_bytes, clock.now_unix_ms());
  durable->on_applied([&history](const syncmon::PushBatch& batch) { history.add(batch); });
  durable->start();
  {
    const auto started = std::chrono::steady_clock::now();
    syncmon::register_series_entities(*registry, aggregator.index());
    spdlog::info("registry: the providers and connections of the stored series registered in {:.3f} s",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }

  syncmon::api::HistorySampler sampler(history, clock, config.history.resolution);
  syncmon::api::SeriesProxy series(config, clock, history, aggregator, *metrics.registry());
  syncmon::api::Service service{config,   aggregator, groups,  clock,  metrics, *registry,
                                *durable, history,    series, clock.now_unix_ms(), {}};
  service.access.store(std::make_shared<const syncmon::AccessPolicy>(config.auth));

  syncmon::server::Router router;
  router.set_observer(&metrics);
  syncmon::api::register_operations_routes(router, service);
  syncmon::api::register_metrics_routes(router, service);
  syncmon::api::register_push_routes(router, service);
  syncmon::api::register_pushgateway_routes(router, service);
  syncmon::api::register_registry_routes(router, service);
  syncmon::api::register_series_routes(router, service);
  syncmon::api::register_openapi_route(router, service);
#ifdef SYNCMON_BENCH_SINK
  syncmon::api::register_bench_sink_route(router);
#endif
  if (flags.list_routes) {
    for (const auto& route : router.describe()) {
      std::cout << route << "\n";
    }
    durable->stop();
    return 0;
  }

  const auto options = server_options(config);
  syncmon::server::Server server(options, router);
  try {
    server.listen(*syncmon::parse_listen_address(config.listen));
  } catch (const std::exception& error) {
    spdlog::critical("{}", error.what());
    durable->stop();
    return 1;
  }
  service.open_connections = [&server] { return server.open_connections(); };
  server.on_shutdown([&service] {
    service.draining.store(true);
    sd_notify(0, "STOPPING=1");
  });
  server.on_reload([&flags, &registry, &service] {
    sd_notify(0, "RELOADING=1");
    reload(flags, *registry, service);
    sd_notify(0, "READY=1");
  });

  spdlog::info("syncmond {} listening on {}{} with {} io threads, data in {}", syncmon::build_info::version(),
               endpoint_text(server.local_endpoint()), config.tls.cert_file.empty() ? "" : " (TLS)",
               options.io_threads, config.data_dir);
  service.recovered.store(true);
  // systemd (Type=notify) learns that recovery is done and the port is open.
  sd_notify(0, "READY=1");
  server.run();
  series.stop();    // backend calls still in flight answer into the stopped server, not a freed one
  durable->stop();  // the final snapshot, after every in-flight push has been answered
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"syncmond: receives sync-job metric pushes, aggregates them and serves them to Prometheus"};
  Flags flags;
  app.add_option("--config", flags.config_path, "YAML configuration file")->check(CLI::ExistingFile);
  app.add_option("--check-config", flags.check_config_path, "Validate a configuration file and exit");
  app.add_option("--listen", flags.listen, "host:port to serve on (overrides listen)");
  app.add_option("--data-dir", flags.data_dir, "State directory (overrides data_dir)");
  app.add_option("--log-level", flags.log_level, "trace|debug|info|warn|error|critical|off (overrides log_level)");
  app.add_flag("--version", flags.version, "Print the version and exit");
  app.add_flag("--list-routes", flags.list_routes,
               "Print every route (method and pattern) and exit; the OpenAPI consistency test reads it");
  CLI11_PARSE(app, argc, argv);

  if (flags.version) {
    std::cout << "syncmond " << syncmon::build_info::version() << " (" << syncmon::build_info::revision() << ", "
              << syncmon::build_info::compiler() << ")\n";
    return 0;
  }
  if (!flags.check_config_path.empty()) {
    auto config = syncmon::load_config_file(flags.check_config_path);
    if (!config) {
      std::cerr << "syncmond: " << config.error() << "\n";
      return 1;
    }
    std::cout << flags.check_config_path << ": OK\n";
    return 0;
  }

  auto config = effective_config(flags);
  if (!config) {
    std::cerr << "syncmond: " << config.error() << "\n";
    return 1;
  }
  auto logger = spdlog::stderr_color_mt("syncmond");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  return serve(*config, flags);
}
