#pragma once
// Percent-decoding of one URL path segment, for the router's parameters and grouping keys alike.

#include <optional>
#include <string>
#include <string_view>

namespace syncmon {

// Nothing on a malformed escape ("%", "%2", "%zz").
std::optional<std::string> percent_decode(std::string_view encoded);

}  // namespace syncmon
