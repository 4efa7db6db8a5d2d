#pragma once
// A small HTTP/1.1 client for the Prometheus-compatible query API (prometheus.url): GETs on a
// thread of its own, kept-alive connections reused, one deadline per call. Beast lives in the
// .cpp only.
//
// Thread safety: get_all() may be called from any thread; `done` runs on the client's thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "syncmon/expected.h"

namespace syncmon::backend {

struct BackendUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string base_path;  // "" or "/prefix", without a trailing slash
};

// "http://host[:port][/prefix]". https is not supported yet; that is an error here.
Expected<BackendUrl, std::string> parse_backend_url(std::string_view url);

class QueryClient {
 public:
  using Bodies = std::vector<std::string>;
  using Done = std::function<void(Expected<Bodies, std::string>)>;

  QueryClient(BackendUrl url, std::chrono::milliseconds timeout, std::size_t max_idle_connections = 16);
  ~QueryClient();
  QueryClient(const QueryClient&) = delete;
  QueryClient& operator=(const QueryClient&) = delete;

  // GETs base_path + each target at once, on as many connections; `done` runs exactly once, with
  // the 200 bodies in target order, or with the first failure (refused, timed out, not 200).
  // Everything is over by the timeout.
  void get_all(std::vector<std::string> targets, Done done);

  const BackendUrl& url() const { return url_; }

 private:
  struct Impl;
  BackendUrl url_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace syncmon::backend
