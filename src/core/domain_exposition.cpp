#include "syncmon/domain_exposition.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "syncmon/text_writer.h"

namespace syncmon {
namespace {

std::string_view type_word(ValueKind kind) {
  switch (kind) {
    case ValueKind::kCounter:
      return "counter";
    case ValueKind::kHistogram:
      return "histogram";
    case ValueKind::kLatestTimestamp:
      return "gauge";
  }
  return "untyped";
}

void append_uint(std::string& out, std::uint64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_label(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) {
    return;
  }
  out += out.empty() ? "" : ",";
  out += name;
  out += "=\"";
  append_escaped_label_value(out, value);
  out += '"';
}

// `provider="vtex",connection="c1",partner="acme"` (no braces) into `out`, which is cleared: the
// pushed labels (empty ones, not pushed, left out), then the registry's. Built once per series
// and reused for each of its lines (a histogram has 17).
void series_labels(std::string& out, const Series& series, LabelScheme scheme, const RegistryLabels& registry) {
  out.clear();
  const auto names = label_names(scheme);
  std::array<std::string_view, 2> values;  // every scheme has at most two pushed labels
  std::string_view rest = series.encoded_labels();
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    const std::size_t end = rest.find(kLabelSeparator);
    values[i] = rest.substr(0, end);
    append_label(out, names[i], values[i]);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  }
  if (scheme == LabelScheme::kProvider) {
    if (const auto* provider = registry.provider(values[0])) {
      append_label(out, "partner", provider->partner);
    }
    if (const auto* connection = values[1].empty() ? nullptr : registry.connection(values[1])) {
      append_label(out, "tenant", connection->tenant);
    }
  } else if (scheme == LabelScheme::kConnectionResource) {
    if (const auto* connection = registry.connection(values[0])) {
      append_label(out, "tenant", connection->tenant);
      append_label(out, "source_provider", connection->source_provider);
      append_label(out, "target_provider", connection->target_provider);
    }
  }
}

// `name_suffix{labels,le="0.5"} ` ready for the value.
void append_line_head(std::string& out, std::string_view name, std::string_view suffix, const std::string& labels,
                      std::string_view le = {}) {
  out += name;
  out += suffix;
  if (!labels.empty() || !le.empty()) {
    out += '{';
    out += labels;
    if (!le.empty()) {
      out += labels.empty() ? "le=\"" : ",le=\"";
      out += le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
}

void append_histogram(std::string& out, const FamilyInfo& info, const Series& series, const std::string& labels,
                      const std::vector<std::string>& bound_texts) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < series.bucket_count(); ++i) {
    cumulative += series.bucket(i).load(std::memory_order_relaxed);
    append_line_head(out, info.name, "_bucket", labels,
                     i < bound_texts.size() ? std::string_view(bound_texts[i]) : std::string_view("+Inf"));
    append_uint(out, cumulative);
    out += '\n';
  }
  append_line_head(out, info.name, "_sum", labels);
  append_go_float(out, series.sum().load(std::memory_order_relaxed));
  out += '\n';
  // The count is the buckets' total, so a scrape racing a push still shows +Inf == _count.
  append_line_head(out, info.name, "_count", labels);
  append_uint(out, cumulative);
  out += '\n';
}

}  // namespace

void append_domain_text(std::string& out, const Aggregator& aggregator, const RegistryLabels& registry) {
  std::array<std::vector<const Series*>, kFamilyCount> by_family;
  aggregator.index().for_each(
      [&by_family](const Series& series) { by_family[static_cast<std::size_t>(series.family())].push_back(&series); });
  for (const FamilyInfo& info : all_families()) {
    auto& members = by_family[static_cast<std::size_t>(info.family)];
    if (members.empty()) {
      continue;
    }
    std::sort(members.begin(), members.end(), [](const Series* a, const Series* b) {
      return a->hash() != b->hash() ? a->hash() < b->hash() : a->encoded_labels() < b->encoded_labels();
    });
    std::vector<std::string> bound_texts;
    if (info.kind == ValueKind::kHistogram) {
      for (double bound : aggregator.layout_of(info.family).upper_bounds()) {
        bound_texts.push_back(go_float(bound));
      }
    }
    out += "# HELP ";
    out += info.name;
    out += ' ';
    append_escaped_help(out, info.help);
    out += "\n# TYPE ";
    out += info.name;
    out += ' ';
    out += type_word(info.kind);
    out += '\n';
    std::string labels;  // reused across series: one allocation per family, not per line
    for (const Series* series : members) {
      series_labels(labels, *series, info.labels, registry);
      switch (info.kind) {
        case ValueKind::kCounter:
          append_line_head(out, info.name, "", labels);
          append_go_float(out, static_cast<double>(series->value().load(std::memory_order_relaxed)));
          out += '\n';
          break;
        case ValueKind::kLatestTimestamp:
          append_line_head(out, info.name, "", labels);
          append_go_float(out, static_cast<double>(series->value().load(std::memory_order_relaxed)) / 1000.0);
          out += '\n';
          break;
        case ValueKind::kHistogram:
          append_histogram(out, info, *series, labels, bound_texts);
          break;
      }
    }
  }
}

}  // namespace syncmon
