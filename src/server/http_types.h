#pragma once
// The request and response types every handler sees, and the one way to build a JSON error.

#include <functional>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "syncmon/api_error.h"

namespace syncmon::server {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Delivers the response to the session, from any thread, exactly once.
using Responder = std::function<void(Response&&)>;

inline constexpr std::string_view kJsonContentType = "application/json";

// What a response needs of its request. Answers given later (after a journal commit, a backend
// call) keep this instead of a copy of the request's header, which would allocate every field.
struct ReplyTo {
  unsigned version = 11;
  bool keep_alive = true;
};
ReplyTo reply_to(const Request& request);

Response make_response(const ReplyTo& to, http::status status, std::string body, std::string_view content_type);
Response make_json_response(const ReplyTo& to, http::status status, std::string body);
// {"error": "...", "path": "..."} with the error's status.
Response make_error_response(const ReplyTo& to, const ApiError& error);

inline Response make_response(const Request& request, http::status status, std::string body,
                              std::string_view content_type) {
  return make_response(reply_to(request), status, std::move(body), content_type);
}
inline Response make_json_response(const Request& request, http::status status, std::string body) {
  return make_json_response(reply_to(request), status, std::move(body));
}
inline Response make_error_response(const Request& request, const ApiError& error) {
  return make_error_response(reply_to(request), error);
}
std::string error_json(const ApiError& error);

}  // namespace syncmon::server
