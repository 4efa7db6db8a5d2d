#pragma once
// The Prometheus text exposition format 0.0.4, parsed strictly and without regular expressions:
// HELP and TYPE lines with their escapes, label-value escapes, NaN and ±Inf, histograms and
// summaries assembled from their _bucket, _sum, _count and quantile lines. A malformed body is a
// 400 naming the line.
//
// Thread safety: parsing shares no state.

#include <cstddef>
#include <string_view>
#include <vector>

#include "syncmon/api_error.h"
#include "syncmon/expected.h"
#include "syncmon/metric_group.h"

namespace syncmon {

struct TextFormatLimits {
  std::size_t max_label_value_length = 256;
  std::size_t max_labels_per_series = 64;
  // Room left in each series' label vector for labels the caller adds (the grouping labels), so
  // that adding them does not reallocate.
  std::size_t spare_labels = 0;
};

struct ParsedText {
  std::vector<PushedFamily> families;  // in order of first appearance
  // Samples carried timestamps. The Pushgateway refuses such pushes after parsing (and records a
  // failed push), so the parser reports rather than rejects them.
  bool has_timestamps = false;
};

Expected<ParsedText, ApiError> parse_text_format(std::string_view body, const TextFormatLimits& limits);

// Go's strconv.ParseFloat for what the text format carries: decimal numbers, and Inf, Infinity,
// NaN in any case with an optional sign.
std::optional<double> parse_go_float(std::string_view text);

bool is_valid_metric_name(std::string_view name);
bool is_valid_label_name(std::string_view name);

}  // namespace syncmon
