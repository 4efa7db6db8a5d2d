#pragma once
// The grouping key of a Pushgateway URL: job/<job>{/<label>/<value>}, with the Pushgateway's
// rules: `<label>@base64/<value>` carries a URL-safe base64 value (padding optional; the only
// way to a value with a slash), `job` comes first and is required, label names are Prometheus
// label names and none starts with "__".

#include <string>
#include <string_view>

#include "syncmon/api_error.h"
#include "syncmon/expected.h"
#include "syncmon/metric_group.h"

namespace syncmon {

// `path` is what follows "/metrics/" in the request path, still percent-encoded.
Expected<GroupingKey, ApiError> parse_grouping_key(std::string_view path, std::size_t max_label_value_length);

// RFC 4648 section 5 (URL-safe), trailing '=' padding optional. Nothing on a malformed input.
std::optional<std::string> decode_base64_url(std::string_view text);

}  // namespace syncmon
