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

}  // namespace syncmon
