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

Response make_response(const Request& request, http::status status, std::string body,
                       std::string_view content_type);
Response make_json_response(const Request& request, http::status status, std::string body);
// {"error": "...", "path": "..."} with the error's status.
Response make_error_response(const Request& request, const ApiError& error);
std::string error_json(const ApiError& error);

}  // namespace syncmon::server
