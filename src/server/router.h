#pragma once
// Maps a request to its handler by method and path pattern ("/api/v1/providers/{provider}/metrics";
// a last segment "{name*}" takes the rest of the path, undecoded).
// Pure: no sockets, so it is tested by handing it requests. Unknown paths get 404, known paths
// with another method 405 with an Allow header, malformed percent-encoding 400.
//
// Thread safety: add() before serving; route() from any number of threads afterwards.

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_types.h"

namespace syncmon::server {

// Decoded path parameters by name.
using PathParams = std::map<std::string, std::string, std::less<>>;
using Handler = std::function<void(Request&& request, const PathParams& params, Responder respond)>;

// Told about every answered request; the daemon feeds it into syncmond_http_* metrics.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // `route` is the matched pattern, or "unmatched".
  virtual void observe(std::string_view route, unsigned status, std::chrono::nanoseconds elapsed) = 0;
};

class Router {
 public:
  void add(http::verb method, std::string pattern, Handler handler);
  void set_observer(RequestObserver* observer) { observer_ = observer; }

  // Calls the matching handler, which answers through `respond` (now or later, on any thread).
  void route(Request&& request, Responder respond) const;

  // "GET /metrics", ... for the OpenAPI consistency test and the docs.
  std::vector<std::string> describe() const;

 private:
  struct Route {
    http::verb method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    Handler handler;
  };

  static bool match(const Route& route, const std::vector<std::string_view>& segments, PathParams& params,
                    bool& bad_encoding);

  std::vector<Route> routes_;
  RequestObserver* observer_ = nullptr;
};

}  // namespace syncmon::server
