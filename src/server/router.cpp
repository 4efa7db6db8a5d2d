#include "server/router.h"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "syncmon/url_encoding.h"

namespace syncmon::server {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    const std::size_t end = path.find('/', start);
    segments.push_back(path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  return segments;
}

}  // namespace

void Router::add(http::verb method, std::string pattern, Handler handler) {
  Route route{method, pattern, {}, std::move(handler)};
  for (std::string_view segment : split_path(pattern)) {
    route.segments.emplace_back(segment);
  }
  routes_.push_back(std::move(route));
}

bool Router::match(const Route& route, const std::vector<std::string_view>& segments, PathParams& params,
                   bool& bad_encoding) {
  const bool open_ended = !route.segments.empty() && route.segments.back().ends_with("*}");
  if (open_ended ? segments.size() < route.segments.size() : route.segments.size() != segments.size()) {
    return false;
  }
  params.clear();
  for (std::size_t i = 0; i < route.segments.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (open_ended && i + 1 == route.segments.size()) {
      // "{name*}": the rest of the path, still percent-encoded, for the handler to split.
      std::string rest;
      for (std::size_t j = i; j < segments.size(); ++j) {
        rest += j > i ? "/" : "";
        rest += segments[j];
      }
      params.emplace(expected.substr(1, expected.size() - 3), std::move(rest));
      return true;
    }
    if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
      auto decoded = percent_decode(segments[i]);
      if (!decoded) {
        bad_encoding = true;
        return false;
      }
      params.emplace(expected.substr(1, expected.size() - 2), std::move(*decoded));
    } else if (expected != segments[i]) {
      return false;
    }
  }
  return true;
}

void Router::route(Request&& request, Responder respond) const {
  const auto started = std::chrono::steady_clock::now();
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));

  const Route* matched = nullptr;
  std::string allowed;
  bool bad_encoding = false;
  PathParams params;
  if (path.starts_with('/')) {
    const auto segments = split_path(path);
    for (const auto& candidate : routes_) {
      PathParams candidate_params;
      if (!match(candidate, segments, candidate_params, bad_encoding)) {
        continue;
      }
      if (candidate.method == request.method()) {
        matched = &candidate;
        params = std::move(candidate_params);
        break;
      }
      allowed += allowed.empty() ? "" : ", ";
      allowed += std::string(http::to_string(candidate.method));
    }
  }

  const std::string_view route_name = matched != nullptr ? std::string_view(matched->pattern) : "unmatched";
  Responder observed = [observer = observer_, route_name, started, respond = std::move(respond)](Response&& response) {
    if (observer != nullptr) {
      observer->observe(route_name, response.result_int(), std::chrono::steady_clock::now() - started);
    }
    respond(std::move(response));
  };

  if (matched == nullptr) {
    if (bad_encoding && allowed.empty()) {
      observed(make_error_response(request, {400, "the path holds a malformed percent-encoding", "path", "invalid"}));
    } else if (!allowed.empty()) {
      Response response = make_error_response(
          request, {405, fmt::format("{} is not allowed here; use {}", std::string(request.method_string()), allowed), "", "method"});
      response.set(http::field::allow, allowed);
      observed(std::move(response));
    } else {
      observed(make_error_response(request, {404, fmt::format("no route for {}", std::string(path.substr(0, 200))), "", "not_found"}));
    }
    return;
  }
  try {
    matched->handler(std::move(request), params, observed);
  } catch (const std::exception& error) {
    // A handler bug must not take the daemon down; the client gets a 500 and the log the cause.
    spdlog::error("handler for {} threw: {}", matched->pattern, error.what());
    Request stub;
    observed(make_error_response(stub, {500, "internal error", "", "internal"}));
  }
}

std::vector<std::string> Router::describe() const {
  std::vector<std::string> out;
  for (const auto& route : routes_) {
    out.push_back(fmt::format("{} {}", std::string(http::to_string(route.method)), route.pattern));
  }
  return out;
}

}  // namespace syncmon::server
