#pragma once
// Request bodies with Content-Encoding: gzip are inflated, within the same size limit as plain
// bodies (a small gzip body must not inflate into gigabytes).

#include <cstddef>
#include <string>

#include "server/http_types.h"
#include "syncmon/api_error.h"
#include "syncmon/expected.h"

namespace syncmon::api {

// Takes the body out of the request (moved, not copied, when it is not compressed).
Expected<std::string, ApiError> take_decoded_body(server::Request& request, std::size_t max_bytes);

}  // namespace syncmon::api
