#pragma once
// Request bodies with Content-Encoding: gzip are inflated, within the same size limit as plain
// bodies (a small gzip body must not inflate into gigabytes).

#include <cstddef>
#include <string>

#include "server/http_types.h"
#include "syncmon/api_error.h"
#include "syncmon/expected.h"

namespace syncmon::api {

Expected<std::string, ApiError> decoded_body(const server::Request& request, std::size_t max_bytes);

}  // namespace syncmon::api
