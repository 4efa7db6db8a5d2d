#pragma once
// The decoded query string of a request, or the 400 that names the bad parameter.

#include <fmt/format.h>

#include "server/http_types.h"
#include "syncmon/api_error.h"
#include "syncmon/expected.h"
#include "syncmon/url_encoding.h"

namespace syncmon::api {

inline Expected<QueryParams, ApiError> query_params(const server::Request& request) {
  const std::string_view target = request.target();
  const auto question = target.find('?');
  QueryParams params;
  if (question == std::string_view::npos) {
    return params;
  }
  if (auto error = parse_query_string(target.substr(question + 1), params)) {
    return unexpected(ApiError{400, error->message, error->parameter, "invalid"});
  }
  return params;
}

}  // namespace syncmon::api
