#include "syncmon/text_format_parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <iterator>
#include <unordered_map>

#include <fmt/format.h>

#include "syncmon/label_rules.h"

namespace syncmon {
namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<MetricKind> kind_of(std::string_view word) {
  if (word == "counter") return MetricKind::kCounter;
  if (word == "gauge") return MetricKind::kGauge;
  if (word == "histogram") return MetricKind::kHistogram;
  if (word == "summary") return MetricKind::kSummary;
  if (word == "untyped") return MetricKind::kUntyped;
  return std::nullopt;
}

// Which part of a histogram or summary a sample line is.
enum class Part { kValue, kBucket, kSum, kCount };

class TextParser {
 public:
  explicit TextParser(const TextFormatLimits& limits) : limits_(limits) {}

  Expected<ParsedText, ApiError> parse(std::string_view body) {
    std::size_t start = 0;
    while (start < body.size()) {
      std::size_t end = body.find('\n', start);
      if (end == std::string_view::npos) {
        end = body.size();
      }
      ++line_number_;
      line_ = body.substr(start, end - start);
      pos_ = 0;
      if (!parse_line()) {
        return unexpected(ApiError{400, fmt::format("text format parsing error in line {}: {}", line_number_, error_),
                                   fmt::format("line {}", line_number_), "invalid"});
      }
      start = end + 1;
    }
    return std::move(result_);
  }

 private:
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  void skip_blanks() {
    while (pos_ < line_.size() && is_blank(line_[pos_])) {
      ++pos_;
    }
  }

  bool at_end() const { return pos_ >= line_.size(); }

  std::string_view read_token() {
    const std::size_t begin = pos_;
    while (pos_ < line_.size() && !is_blank(line_[pos_])) {
      ++pos_;
    }
    return line_.substr(begin, pos_ - begin);
  }

  std::string_view read_name(bool metric_name) {
    const std::size_t begin = pos_;
    while (pos_ < line_.size()) {
      const char c = line_[pos_];
      const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (metric_name && c == ':');
      const bool digit = c >= '0' && c <= '9';
      if (!letter && !(digit && pos_ > begin)) {
        break;
      }
      ++pos_;
    }
    return line_.substr(begin, pos_ - begin);
  }

  bool parse_line() {
    skip_blanks();
    if (at_end()) {
      return true;
    }
    if (line_[pos_] == '#') {
      return parse_comment();
    }
    return parse_sample();
  }

  std::size_t family_named(std::string_view name) const {
    auto it = family_index_.find(name);
    return it == family_index_.end() ? kNone : it->second;
  }

  std::size_t add_family(std::string_view name) {
    const std::size_t index = result_.families.size();
    result_.families.push_back(PushedFamily{std::string(name), std::nullopt, MetricKind::kUntyped, {}});
    family_index_.emplace(name, index);
    metric_index_.emplace_back();
    typed_.push_back(false);
    return index;
  }

  bool parse_comment() {
    ++pos_;  // '#'
    skip_blanks();
    const std::string_view keyword = read_token();
    if (keyword != "HELP" && keyword != "TYPE") {
      return true;  // an ordinary comment
    }
    skip_blanks();
    const std::string_view name = read_name(true);
    if (name.empty() || (!at_end() && !is_blank(line_[pos_]))) {
      return fail(fmt::format("invalid metric name in {} line", keyword));
    }
    std::size_t family = family_named(name);
    if (family == kNone) {
      family = add_family(name);
    }
    PushedFamily& target = result_.families[family];
    if (keyword == "HELP") {
      if (target.help) {
        return fail(fmt::format("second HELP line for metric name \"{}\"", name));
      }
      if (!at_end()) {
        ++pos_;  // the one blank that separates name and text
      }
      std::string help;
      if (line_.find('\\', pos_) == std::string_view::npos) {
        help.assign(line_.substr(pos_));
        pos_ = line_.size();
      }
      for (; pos_ < line_.size(); ++pos_) {
        if (line_[pos_] != '\\') {
          help += line_[pos_];
          continue;
        }
        if (++pos_ >= line_.size()) {
          return fail("HELP text ends in a backslash");
        }
        if (line_[pos_] == '\\') {
          help += '\\';
        } else if (line_[pos_] == 'n') {
          help += '\n';
        } else {
          return fail(fmt::format("invalid escape sequence '\\{}' in HELP text", line_[pos_]));
        }
      }
      if (!is_valid_utf8(help)) {
        return fail("HELP text is not valid UTF-8");
      }
      target.help = std::move(help);
      return true;
    }
    skip_blanks();
    const std::string_view word = read_token();
    skip_blanks();
    const auto kind = kind_of(word);
    if (!kind || !at_end()) {
      return fail(fmt::format("unknown metric type \"{}\"", word));
    }
    if (typed_[family]) {
      return fail(fmt::format("second TYPE line for metric name \"{}\"", name));
    }
    if (!target.metrics.empty()) {
      return fail(fmt::format("TYPE line for metric name \"{}\" after its samples", name));
    }
    target.kind = *kind;
    typed_[family] = true;
    return true;
  }

  // The family a sample line belongs to, and which part of a histogram or summary it is.
  std::pair<std::size_t, Part> resolve(std::string_view name) {
    const std::size_t direct = family_named(name);
    if (direct != kNone) {
      return {direct, Part::kValue};
    }
    const std::pair<std::string_view, Part> suffixes[] = {
        {"_bucket", Part::kBucket}, {"_sum", Part::kSum}, {"_count", Part::kCount}};
    for (const auto& [suffix, part] : suffixes) {
      if (!name.ends_with(suffix)) {
        continue;
      }
      const std::size_t base = family_named(name.substr(0, name.size() - suffix.size()));
      if (base == kNone) {
        continue;
      }
      const MetricKind kind = result_.families[base].kind;
      if (kind == MetricKind::kHistogram || (kind == MetricKind::kSummary && part != Part::kBucket)) {
        return {base, part};
      }
    }
    return {add_family(name), Part::kValue};
  }

  bool parse_labels(std::vector<LabelPair>& labels) {
    ++pos_;  // '{'
    for (;;) {
      skip_blanks();
      if (at_end()) {
        return fail("unexpected end of label set");
      }
      if (line_[pos_] == '}') {
        ++pos_;
        return true;
      }
      const std::string_view name = read_name(false);
      if (name.empty()) {
        return fail(fmt::format("invalid label name at column {}", pos_ + 1));
      }
      skip_blanks();
      if (at_end() || line_[pos_] != '=') {
        return fail(fmt::format("expected '=' after label name \"{}\"", name));
      }
      ++pos_;
      skip_blanks();
      if (at_end() || line_[pos_] != '"') {
        return fail(fmt::format("expected '\"' to start the value of label \"{}\"", name));
      }
      ++pos_;
      std::string value;
      // Most values have no escapes: copied at once up to the closing quote.
      std::size_t plain_end = pos_;
      while (plain_end < line_.size() && line_[plain_end] != '"' && line_[plain_end] != '\\') {
        ++plain_end;
      }
      if (plain_end < line_.size() && line_[plain_end] == '"') {
        value.assign(line_.substr(pos_, plain_end - pos_));
        pos_ = plain_end;
      }
      for (;;) {
        if (at_end()) {
          return fail(fmt::format("unterminated value of label \"{}\"", name));
        }
        const char c = line_[pos_++];
        if (c == '"') {
          break;
        }
        if (c != '\\') {
          value += c;
          continue;
        }
        if (at_end()) {
          return fail("label value ends in a backslash");
        }
        const char escaped = line_[pos_++];
        if (escaped == '\\' || escaped == '"') {
          value += escaped;
        } else if (escaped == 'n') {
          value += '\n';
        } else {
          return fail(fmt::format("invalid escape sequence '\\{}' in the value of label \"{}\"", escaped, name));
        }
      }
      if (!is_valid_utf8(value)) {
        return fail(fmt::format("the value of label \"{}\" is not valid UTF-8", name));
      }
      if (value.size() > limits_.max_label_value_length) {
        return fail(fmt::format("the value of label \"{}\" is {} bytes long, more than limits.max_label_value_length "
                                "({})",
                                name, value.size(), limits_.max_label_value_length));
      }
      if (std::any_of(labels.begin(), labels.end(), [&](const LabelPair& label) { return label.name == name; })) {
        return fail(fmt::format("duplicate label name \"{}\"", name));
      }
      labels.push_back({std::string(name), std::move(value)});
      if (labels.size() > limits_.max_labels_per_series) {
        return fail(fmt::format("more than limits.max_labels_per_series ({}) labels", limits_.max_labels_per_series));
      }
      skip_blanks();
      if (!at_end() && line_[pos_] == ',') {
        ++pos_;
      } else if (at_end() || line_[pos_] != '}') {
        return fail("expected ',' or '}' after a label");
      }
    }
  }

  // Removes `name` from labels and parses it as a float (le, quantile).
  bool take_bound(std::vector<LabelPair>& labels, std::string_view name, double& out) {
    auto it = std::find_if(labels.begin(), labels.end(), [&](const LabelPair& label) { return label.name == name; });
    if (it == labels.end()) {
      return fail(fmt::format("the sample has no \"{}\" label", name));
    }
    const auto parsed = parse_go_float(it->value);
    if (!parsed) {
      return fail(fmt::format("the \"{}\" label value \"{}\" is not a number", name, it->value));
    }
    out = *parsed;
    labels.erase(it);
    return true;
  }

  // The sorted labels of a new series, in a vector sized once for them and the caller's labels.
  std::vector<LabelPair> take_labels(std::vector<LabelPair>& labels) const {
    std::sort(labels.begin(), labels.end(), label_less);
    std::vector<LabelPair> owned;
    owned.reserve(labels.size() + limits_.spare_labels);
    std::move(labels.begin(), labels.end(), std::back_inserter(owned));
    return owned;
  }

  PushedMetric& metric_for(std::size_t family, std::vector<LabelPair>& labels) {
    std::sort(labels.begin(), labels.end(), label_less);
    std::string key;
    for (const auto& label : labels) {
      key += label.name;
      key += '\xfe';
      key += label.value;
      key += '\xff';
    }
    auto& index = metric_index_[family];
    auto [it, inserted] = index.try_emplace(std::move(key), result_.families[family].metrics.size());
    if (inserted) {
      result_.families[family].metrics.push_back(PushedMetric{take_labels(labels), 0, 0, 0, {}, {}});
    }
    return result_.families[family].metrics[it->second];
  }

  bool parse_sample() {
    const std::string_view name = read_name(true);
    if (name.empty()) {
      return fail(fmt::format("invalid metric name at column {}", pos_ + 1));
    }
    std::vector<LabelPair>& labels = scratch_labels_;
    labels.clear();
    if (!at_end() && line_[pos_] == '{') {
      if (!parse_labels(labels)) {
        return false;
      }
    }
    if (at_end() || !is_blank(line_[pos_])) {
      return fail(fmt::format("expected a blank and a value after \"{}\"", name));
    }
    skip_blanks();
    const std::string_view value_text = read_token();
    const auto value = parse_go_float(value_text);
    if (!value) {
      return fail(fmt::format("expected float as value, got \"{}\"", value_text));
    }
    skip_blanks();
    if (!at_end()) {
      const std::string_view timestamp = read_token();
      std::int64_t ignored = 0;
      auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ignored);
      if (ec != std::errc() || end != timestamp.data() + timestamp.size()) {
        return fail(fmt::format("expected integer as timestamp, got \"{}\"", timestamp));
      }
      result_.has_timestamps = true;
      skip_blanks();
      if (!at_end()) {
        return fail("unexpected text after the timestamp");
      }
    }

    const auto [family, part] = resolve(name);
    const MetricKind kind = result_.families[family].kind;
    double bound = 0;
    if (kind == MetricKind::kHistogram && part == Part::kValue) {
      return fail(fmt::format("sample \"{}\" of histogram needs a _bucket, _sum or _count suffix", name));
    }
    if (part == Part::kBucket && !take_bound(labels, "le", bound)) {
      return false;
    }
    if (kind == MetricKind::kSummary && part == Part::kValue && !take_bound(labels, "quantile", bound)) {
      return false;
    }
    if (part == Part::kValue && kind != MetricKind::kSummary) {
      // One line is one series: no need to look for an earlier line of it. The same series twice
      // is refused later, after the grouping labels are merged, as the Pushgateway does it.
      result_.families[family].metrics.push_back(PushedMetric{take_labels(labels), *value, 0, 0, {}, {}});
      return true;
    }
    PushedMetric& metric = metric_for(family, labels);
    switch (part) {
      case Part::kBucket:
        metric.buckets.push_back({bound, to_count(*value)});
        break;
      case Part::kSum:
        metric.sum = *value;
        break;
      case Part::kCount:
        metric.count = to_count(*value);
        break;
      case Part::kValue:
        metric.quantiles.push_back({bound, *value});
        break;
    }
    return true;
  }

  static std::uint64_t to_count(double value) {
    return value >= 0 && value < 1.8e19 ? static_cast<std::uint64_t>(value) : 0;
  }

  const TextFormatLimits& limits_;
  ParsedText result_;
  // Keys are views into the body, which outlives the parse.
  std::unordered_map<std::string_view, std::size_t> family_index_;
  std::vector<std::unordered_map<std::string, std::size_t>> metric_index_;
  std::vector<bool> typed_;
  std::vector<LabelPair> scratch_labels_;  // the current line's, reused from line to line
  std::string_view line_;
  std::size_t pos_ = 0;
  std::size_t line_number_ = 0;
  std::string error_;
};

}  // namespace

std::optional<double> parse_go_float(std::string_view text) {
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  if (iequals(digits, "inf") || iequals(digits, "infinity")) {
    return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  if (iequals(digits, "nan")) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (digits.empty() || !(std::isdigit(static_cast<unsigned char>(digits.front())) || digits.front() == '.')) {
    return std::nullopt;
  }
  double value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    // Go rounds overflow to ±Inf and underflow to 0 and reports an error; the Pushgateway rejects it.
    return std::nullopt;
  }
  if (ec != std::errc()) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

Expected<ParsedText, ApiError> parse_text_format(std::string_view body, const TextFormatLimits& limits) {
  return TextParser(limits).parse(body);
}

bool is_valid_metric_name(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool is_valid_label_name(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace syncmon
