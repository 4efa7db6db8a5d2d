#pragma once
// Writing the Prometheus text format 0.0.4 the way the Go client library (expfmt) writes it, so
// that pushed groups read exactly as the Pushgateway shows them.

#include <string>
#include <string_view>

namespace syncmon {

// Go's strconv.FormatFloat(v, 'g', -1, 64): the shortest digits that read back to v, in %e form
// when the exponent is < -4 or >= 6 ("1e+06", "1.5e-07"), else %f ("123456", "0.0001");
// "+Inf", "-Inf", "NaN" for the specials.
void append_go_float(std::string& out, double value);
std::string go_float(double value);

// Label values: `\` `"` and newline escaped.
void append_escaped_label_value(std::string& out, std::string_view value);
// HELP text: `\` and newline escaped. prometheus-cpp's TextSerializer (1.0.1, Debian's) writes
// HELP verbatim, so every HELP it is given goes through escape_help_text first.
void append_escaped_help(std::string& out, std::string_view help);
std::string escape_help_text(std::string_view help);

}  // namespace syncmon
