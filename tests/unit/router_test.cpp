#include <doctest/doctest.h>

#include <optional>

#include "server/router.h"
#include "syncmon/url_encoding.h"

namespace syncmon::server {
namespace {

Request make_request(http::verb method, std::string target) {
  Request request(method, target, 11);
  return request;
}

struct Recorded {
  std::optional<Response> response;
  std::string seen_param;
};

struct CountingObserver final : RequestObserver {
  void observe(std::string_view route, unsigned status, std::chrono::nanoseconds) override {
    last_route = std::string(route);
    last_status = status;
  }
  std::string last_route;
  unsigned last_status = 0;
};

Recorded route(const Router& router, http::verb method, std::string target) {
  Recorded recorded;
  router.route(make_request(method, std::move(target)),
               [&recorded](Response&& response) { recorded.response = std::move(response); });
  return recorded;
}

TEST_CASE("the router matches patterns, decodes parameters and reports unmatched paths") {
  Router router;
  CountingObserver observer;
  router.set_observer(&observer);
  std::string seen;
  router.add(http::verb::post, "/api/v1/providers/{provider}/metrics",
             [&seen](Request&& request, const PathParams& params, Responder respond) {
               seen = params.at("provider");
               respond(make_json_response(request, http::status::ok, "{}"));
             });
  router.add(http::verb::get, "/metrics", [](Request&& request, const PathParams&, Responder respond) {
    respond(make_response(request, http::status::ok, "x", "text/plain"));
  });

  auto ok = route(router, http::verb::post, "/api/v1/providers/s%C3%A3o%20paulo/metrics?x=1");
  REQUIRE(ok.response);
  CHECK(ok.response->result() == http::status::ok);
  CHECK(seen == "s\xC3\xA3o paulo");
  CHECK(observer.last_route == "/api/v1/providers/{provider}/metrics");
  CHECK(observer.last_status == 200);

  auto not_found = route(router, http::verb::get, "/api/v1/providers/x");
  CHECK(not_found.response->result() == http::status::not_found);
  CHECK(not_found.response->body().find("\"error\"") != std::string::npos);
  CHECK(observer.last_route == "unmatched");

  auto wrong_method = route(router, http::verb::delete_, "/metrics");
  CHECK(wrong_method.response->result() == http::status::method_not_allowed);
  CHECK(wrong_method.response->at(http::field::allow) == "GET");

  auto bad_escape = route(router, http::verb::post, "/api/v1/providers/%zz/metrics");
  CHECK(bad_escape.response->result() == http::status::bad_request);
  CHECK(bad_escape.response->body().find("\"path\":\"path\"") != std::string::npos);
}

TEST_CASE("a throwing handler becomes a 500, not a crash") {
  Router router;
  router.add(http::verb::get, "/boom", [](Request&&, const PathParams&, Responder) -> void {
    throw std::runtime_error("bug");
  });
  auto recorded = route(router, http::verb::get, "/boom");
  REQUIRE(recorded.response);
  CHECK(recorded.response->result() == http::status::internal_server_error);
}

TEST_CASE("percent-decoding") {
  CHECK(percent_decode("a%2Fb") == "a/b");
  CHECK(percent_decode("s%C3%A3o") == "s\xC3\xA3o");
  CHECK_FALSE(percent_decode("a%2").has_value());
  CHECK_FALSE(percent_decode("%").has_value());
  CHECK_FALSE(percent_decode("%g0").has_value());
}

TEST_CASE("error bodies carry the message and the path, JSON-escaped") {
  const std::string json = error_json({400, "bad \"value\"\n", "$.job", "invalid"});
  CHECK(json == R"({"error":"bad \"value\"\n","path":"$.job"})");
  CHECK(error_json({404, "gone", "", ""}) == R"({"error":"gone"})");
}

}  // namespace
}  // namespace syncmon::server
