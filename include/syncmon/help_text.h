#pragma once
// prometheus-cpp's TextSerializer (1.0.1, Debian's) writes HELP text verbatim, so a backslash or a
// newline in it would break the exposition. Every HELP text goes through this first.

#include <string>
#include <string_view>

namespace syncmon {

// Escapes `\` as `\\` and a newline as `\n`, as the text format 0.0.4 requires for HELP.
std::string escape_help_text(std::string_view help);

}  // namespace syncmon
