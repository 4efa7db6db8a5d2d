#pragma once
// What a label value may be (SPEC section 5): non-empty, valid UTF-8, no control characters,
// and at most the configured number of bytes.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace syncmon {

bool is_valid_utf8(std::string_view text);

// Why `value` cannot be a label value, as the end of a sentence ("must not be empty"), or nothing.
std::optional<std::string> label_value_problem(std::string_view value, std::size_t max_bytes);

// Provider, connection, partner and tenant ids are also path segments of the registry and series
// APIs and values in the PromQL the daemon builds, so they are held to a narrower rule than
// label values: 1 to 128 of A-Z a-z 0-9 . _ : - , not starting with a dot.
inline constexpr std::size_t kMaxEntityIdBytes = 128;
std::optional<std::string> entity_id_problem(std::string_view id);

}  // namespace syncmon
