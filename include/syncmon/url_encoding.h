#pragma once
// Percent-encoding and -decoding of URL parts: path segments for the router's parameters and
// grouping keys, query strings for the read API and for the queries sent to Prometheus.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace syncmon {

// Nothing on a malformed escape ("%", "%2", "%zz").
std::optional<std::string> percent_decode(std::string_view encoded);

// Everything but RFC 3986's unreserved characters is escaped.
std::string percent_encode(std::string_view text);

using QueryParams = std::map<std::string, std::string, std::less<>>;
// "a=1&b=x%20y" (a '+' is a space, as HTML forms send it). A malformed escape or a parameter
// given twice is an error naming the parameter.
struct QueryStringError {
  std::string parameter;
  std::string message;
};
std::optional<QueryStringError> parse_query_string(std::string_view query, QueryParams& out);

}  // namespace syncmon
