#include "syncmon/push_parser.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <charconv>
#include <optional>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "syncmon/families.h"
#include "syncmon/json_path.h"
#include "syncmon/label_rules.h"

namespace syncmon {
namespace {

using rapidjson::Value;

// Counters are exported as doubles; above 2^53 they would silently lose increments.
constexpr std::uint64_t kMaxCounterValue = std::uint64_t{1} << 53;
constexpr std::size_t kMaxQuotedNameBytes = 64;

enum class EntryKind { kProvider, kConnection };

// Client-supplied names quoted in messages are cut at a UTF-8 boundary so the reply stays short.
std::string quoted(std::string_view name) {
  if (name.size() > kMaxQuotedNameBytes) {
    std::size_t cut = kMaxQuotedNameBytes;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    return fmt::format("\"{}...\"", name.substr(0, cut));
  }
  return fmt::format("\"{}\"", name);
}

std::string_view as_view(const Value& value) { return {value.GetString(), value.GetStringLength()}; }

// The fields an object may hold, looked up by name; each at most once.
template <std::size_t N>
struct FieldSet {
  std::array<std::string_view, N> names;
  std::array<const Value*, N> values{};

  const Value* operator[](std::string_view name) const {
    for (std::size_t i = 0; i < N; ++i) {
      if (names[i] == name) {
        return values[i];
      }
    }
    return nullptr;
  }
};

// The document's memory comes from a per-thread buffer reused by every parse on that thread, not a
// fresh 64 KiB chunk per push. One parser at a time per thread: parses do not nest.
rapidjson::MemoryPoolAllocator<>& parse_memory() {
  thread_local std::array<char, 32 * 1024> buffer;
  thread_local rapidjson::MemoryPoolAllocator<> pool(buffer.data(), buffer.size());
  pool.Clear();  // frees what an earlier parse took beyond the buffer
  return pool;
}

class PushParser {
 public:
  explicit PushParser(const PushSchema& schema) : schema_(schema), document_(&parse_memory()) {}

  Expected<PushBatch, ApiError> parse_batch(std::string_view body) {
    const Value* root = parse_document(body);
    if (root == nullptr) {
      return failure();
    }
    FieldSet<4> fields{{"job", "time_unit", "providers", "connections"}};
    if (!collect(*root, fields) || !read_envelope(fields["job"], fields["time_unit"])) {
      return failure();
    }
    if (!read_entries(fields["providers"], "providers", EntryKind::kProvider, {}) ||
        !read_entries(fields["connections"], "connections", EntryKind::kConnection, {})) {
      return failure();
    }
    return std::move(batch_);
  }

  Expected<PushBatch, ApiError> parse_webhook(std::string_view body, EntryKind kind,
                                              std::string_view entity_id) {
    const std::string_view entity_field = kind == EntryKind::kProvider ? "provider" : "connection";
    if (auto problem = entity_id_problem(entity_id)) {
      fail(fmt::format("the {} id in the URL {}", entity_field, *problem), std::string(entity_field));
      return failure();
    }
    const Value* root = parse_document(body);
    if (root == nullptr) {
      return failure();
    }
    // The envelope holds either `entries` or the fields of a single entry; split them first.
    FieldSet<3> envelope{{"job", "time_unit", "entries"}};
    bool has_entry_fields = false;
    for (auto it = root->MemberBegin(); it != root->MemberEnd(); ++it) {
      const std::string_view name = as_view(it->name);
      bool in_envelope = false;
      for (std::size_t i = 0; i < envelope.names.size(); ++i) {
        if (envelope.names[i] == name) {
          if (envelope.values[i] != nullptr) {
            duplicate(name);
            return failure();
          }
          envelope.values[i] = &it->value;
          in_envelope = true;
        }
      }
      has_entry_fields = has_entry_fields || !in_envelope;
    }
    if (envelope["entries"] != nullptr && has_entry_fields) {
      fail("the body holds either \"entries\" or the fields of one entry, not both", "$");
      return failure();
    }
    if (!read_envelope(envelope["job"], envelope["time_unit"])) {
      return failure();
    }
    if (envelope["entries"] != nullptr) {
      if (!read_entries(envelope["entries"], "entries", kind, entity_id)) {
        return failure();
      }
    } else if (!read_entry(*root, kind, entity_id, /*envelope_fields_allowed=*/true)) {
      return failure();
    }
    return std::move(batch_);
  }

 private:
  const Value* parse_document(std::string_view body) {
    // Iterative parsing: a deeply nested body must not exhaust the io thread's stack.
    constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;
    document_.Parse<kFlags>(body.data(), body.size());
    if (document_.HasParseError()) {
      fail(fmt::format("malformed JSON at byte {}: {}", document_.GetErrorOffset(),
                       rapidjson::GetParseError_En(document_.GetParseError())),
           "$");
      return nullptr;
    }
    if (!document_.IsObject()) {
      fail("the body must be a JSON object", "$");
      return nullptr;
    }
    return &document_;
  }

  Unexpected<ApiError> failure() { return unexpected(std::move(error_)); }

  bool fail(std::string message, std::string path) {
    error_ = ApiError{400, std::move(message), std::move(path), "invalid"};
    return false;
  }

  bool duplicate(std::string_view name) {
    fail(fmt::format("field {} appears more than once", quoted(name)), path_.with(name));
    error_.reason = "duplicate_key";
    return false;
  }

  // Fills `fields` from `object`; an unknown or repeated field is an error.
  template <std::size_t N>
  bool collect(const Value& object, FieldSet<N>& fields, std::string_view hint = {}) {
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
      const std::string_view name = as_view(it->name);
      std::size_t index = N;
      for (std::size_t i = 0; i < N; ++i) {
        // An empty slot name marks a field this object may not hold, so "" never matches it.
        if (!fields.names[i].empty() && fields.names[i] == name) {
          index = i;
          break;
        }
      }
      if (index == N) {
        fail(fmt::format("unknown field {}{}", quoted(name), hint), path_.with(name));
        error_.reason = "unknown_field";
        return false;
      }
      if (fields.values[index] != nullptr) {
        return duplicate(name);
      }
      fields.values[index] = &it->value;
    }
    return true;
  }

  bool read_envelope(const Value* job, const Value* time_unit) {
    if (time_unit != nullptr) {
      const std::string_view unit = time_unit->IsString() ? as_view(*time_unit) : std::string_view{};
      if (unit == "s") {
        seconds_per_unit_ = 1.0;
      } else if (unit == "ms") {
        seconds_per_unit_ = 0.001;
      } else {
        return fail("time_unit must be \"s\" or \"ms\"", "$.time_unit");
      }
    }
    if (job != nullptr) {
      JsonPathScope scope(path_, "job");
      return read_label(*job, batch_.job);
    }
    return true;
  }

  // A provider or connection id: a label value that is also an entity id.
  bool read_entity_id(const Value& value, std::string& out) {
    if (!read_label(value, out)) {
      return false;
    }
    if (auto problem = entity_id_problem(out)) {
      return fail(fmt::format("{} {}", path_.str(), *problem), path_.str());
    }
    return true;
  }

  bool read_label(const Value& value, std::string& out) {
    if (!value.IsString()) {
      return fail(fmt::format("{} must be a string", path_.str()), path_.str());
    }
    const std::string_view text = as_view(value);
    if (auto problem = label_value_problem(text, schema_.max_label_value_length)) {
      return fail(fmt::format("{} {}", path_.str(), *problem), path_.str());
    }
    out.assign(text);
    return true;
  }

  bool read_entries(const Value* array, std::string_view field, EntryKind kind,
                    std::string_view entity_id) {
    if (array == nullptr) {
      return true;
    }
    JsonPathScope scope(path_, field);
    if (!array->IsArray()) {
      return fail(fmt::format("{} must be an array of objects", path_.str()), path_.str());
    }
    for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
      JsonPathScope item(path_, std::size_t{i});
      if (!(*array)[i].IsObject()) {
        return fail(fmt::format("{} must be an object", path_.str()), path_.str());
      }
      if (!read_entry((*array)[i], kind, entity_id, /*envelope_fields_allowed=*/false)) {
        return false;
      }
    }
    return true;
  }

  // One provider or connection entry. With an `entity_id` (a webhook) the id comes from the URL.
  bool read_entry(const Value& object, EntryKind kind, std::string_view entity_id,
                  bool envelope_fields_allowed) {
    return kind == EntryKind::kProvider
               ? read_provider_entry(object, entity_id, envelope_fields_allowed)
               : read_connection_entry(object, entity_id, envelope_fields_allowed);
  }

  bool read_provider_entry(const Value& object, std::string_view provider_id, bool envelope_allowed) {
    FieldSet<10> fields{{"provider", "connection", "request_total", "request_success",
                         "request_error_400", "request_error_500", "request_response_time", "",
                         envelope_allowed ? "job" : "", envelope_allowed ? "time_unit" : ""}};
    if (!provider_id.empty()) {
      fields.names[0] = "";  // the provider comes from the URL
    }
    if (!collect(object, fields, provider_id.empty() ? "" : " (the provider comes from the URL)")) {
      return false;
    }
    ProviderEntry entry;
    if (provider_id.empty()) {
      if (fields["provider"] == nullptr) {
        return fail(fmt::format("{} is required", path_.with("provider")), path_.with("provider"));
      }
      JsonPathScope scope(path_, "provider");
      if (!read_entity_id(*fields["provider"], entry.provider)) {
        return false;
      }
    } else {
      entry.provider.assign(provider_id);
    }
    if (const Value* connection = fields["connection"]) {
      JsonPathScope scope(path_, "connection");
      if (!read_entity_id(*connection, entry.connection)) {
        return false;
      }
    }
    for (std::size_t i = 0; i < kProviderCounterFamilies.size(); ++i) {
      const std::string_view name = family_info(kProviderCounterFamilies[i]).pushed_field;
      if (const Value* value = fields[name]) {
        JsonPathScope scope(path_, name);
        if (!read_counter(*value, entry.counters[i])) {
          return false;
        }
      }
    }
    const auto [total, success, error_4xx, error_5xx] = entry.counters;
    if (success + error_4xx + error_5xx > total) {
      return fail(fmt::format("request_success + request_error_400 + request_error_500 ({}) "
                              "exceeds request_total ({})",
                              success + error_4xx + error_5xx, total),
                  path_.str());
    }
    if (const Value* timing = fields["request_response_time"]) {
      JsonPathScope scope(path_, "request_response_time");
      entry.response_time.emplace();
      if (!read_histogram(*timing, *schema_.provider_response_time, *entry.response_time)) {
        return false;
      }
    }
    batch_.providers.push_back(std::move(entry));
    return true;
  }

  bool read_connection_entry(const Value& object, std::string_view connection_id,
                             bool envelope_allowed) {
    FieldSet<9> fields{{"connection", "resource", "resource_index_time", "resource_get_time",
                        "resource_create_time", "resource_update_time", "resource_delete_time",
                        envelope_allowed ? "job" : "", envelope_allowed ? "time_unit" : ""}};
    if (!connection_id.empty()) {
      fields.names[0] = "";
    }
    if (!collect(object, fields, connection_id.empty() ? "" : " (the connection comes from the URL)")) {
      return false;
    }
    ConnectionEntry entry;
    if (connection_id.empty()) {
      if (fields["connection"] == nullptr) {
        return fail(fmt::format("{} is required", path_.with("connection")),
                    path_.with("connection"));
      }
      JsonPathScope scope(path_, "connection");
      if (!read_entity_id(*fields["connection"], entry.connection)) {
        return false;
      }
    } else {
      entry.connection.assign(connection_id);
    }
    if (fields["resource"] == nullptr) {
      return fail(fmt::format("{} is required", path_.with("resource")), path_.with("resource"));
    }
    {
      JsonPathScope scope(path_, "resource");
      if (!read_label(*fields["resource"], entry.resource)) {
        return false;
      }
    }
    for (std::size_t i = 0; i < kConnectionTimingFamilies.size(); ++i) {
      const std::string_view name = family_info(kConnectionTimingFamilies[i]).pushed_field;
      if (const Value* value = fields[name]) {
        JsonPathScope scope(path_, name);
        entry.timings[i].emplace();
        if (!read_histogram(*value, *schema_.connection_operation_time, *entry.timings[i])) {
          return false;
        }
      }
    }
    batch_.connections.push_back(std::move(entry));
    return true;
  }

  bool read_counter(const Value& value, std::uint64_t& out) {
    if (value.IsUint64()) {
      out = value.GetUint64();
    } else if (value.IsDouble() && value.GetDouble() >= 0 &&
               value.GetDouble() == std::floor(value.GetDouble()) &&
               value.GetDouble() <= static_cast<double>(kMaxCounterValue)) {
      out = static_cast<std::uint64_t>(value.GetDouble());
    } else {
      return fail(fmt::format("{} must be a non-negative integer", path_.str()), path_.str());
    }
    if (out > kMaxCounterValue) {
      return fail(fmt::format("{} must not exceed 2^53", path_.str()), path_.str());
    }
    return true;
  }

  bool read_seconds(const Value& value, double& out) {
    if (!value.IsNumber() || !(value.GetDouble() >= 0)) {
      return fail(fmt::format("{} must be a non-negative number", path_.str()), path_.str());
    }
    out = value.GetDouble() * seconds_per_unit_;
    if (!std::isfinite(out)) {
      return fail(fmt::format("{} must be a finite number", path_.str()), path_.str());
    }
    return true;
  }

  // Either an array of observations or a pre-aggregated {count, sum, buckets}.
  bool read_histogram(const Value& value, const BucketLayout& layout, HistogramDelta& out) {
    out.bucket_counts.assign(layout.bucket_count(), 0);
    if (value.IsArray()) {
      for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
        JsonPathScope item(path_, std::size_t{i});
        double seconds = 0;
        if (!read_seconds(value[i], seconds)) {
          return false;
        }
        ++out.bucket_counts[layout.bucket_of(seconds)];
        out.sum += seconds;
      }
      return true;
    }
    if (!value.IsObject()) {
      return fail(fmt::format("{} must be an array of observations or an object "
                              "{{count, sum, buckets}}",
                              path_.str()),
                  path_.str());
    }
    FieldSet<3> fields{{"count", "sum", "buckets"}};
    if (!collect(value, fields)) {
      return false;
    }
    for (std::string_view required : fields.names) {
      if (fields[required] == nullptr) {
        return fail(fmt::format("{} is required", path_.with(required)), path_.with(required));
      }
    }
    std::uint64_t count = 0;
    {
      JsonPathScope scope(path_, "count");
      if (!read_counter(*fields["count"], count)) {
        return false;
      }
    }
    {
      JsonPathScope scope(path_, "sum");
      if (!read_seconds(*fields["sum"], out.sum)) {
        return false;
      }
    }
    JsonPathScope scope(path_, "buckets");
    return read_cumulative_buckets(*fields["buckets"], layout, count, out);
  }

  bool read_cumulative_buckets(const Value& buckets, const BucketLayout& layout, std::uint64_t count,
                               HistogramDelta& out) {
    const auto expected = [&] {
      return fmt::format("{} must hold exactly the bounds {} (in {})", path_.str(), layout.describe(),
                         seconds_per_unit_ == 1.0 ? "seconds" : "milliseconds");
    };
    if (!buckets.IsObject()) {
      return fail(expected(), path_.str());
    }
    const auto bounds = layout.upper_bounds();
    std::vector<const Value*> cumulative(layout.bucket_count(), nullptr);
    for (auto it = buckets.MemberBegin(); it != buckets.MemberEnd(); ++it) {
      const std::string_view key = as_view(it->name);
      const std::optional<std::size_t> index = bucket_index(key, bounds);
      if (!index) {
        fail(fmt::format("{}; {} is not one of them", expected(), quoted(key)), path_.with(key));
        error_.reason = "bucket_mismatch";
        return false;
      }
      if (cumulative[*index] != nullptr) {
        return duplicate(key);
      }
      cumulative[*index] = &it->value;
    }
    if (std::find(cumulative.begin(), cumulative.end(), nullptr) != cumulative.end()) {
      fail(fmt::format("{}; some are missing", expected()), path_.str());
      error_.reason = "bucket_mismatch";
      return false;
    }
    std::uint64_t previous = 0;
    for (std::size_t i = 0; i < cumulative.size(); ++i) {
      const std::string key = i < bounds.size() ? fmt::format("{}", bounds[i]) : "+Inf";
      JsonPathScope scope(path_, std::string_view(key));
      std::uint64_t value = 0;
      if (!read_counter(*cumulative[i], value)) {
        return false;
      }
      if (value < previous) {
        return fail(fmt::format("{} is {}, less than the bucket below it ({}); buckets are "
                                "cumulative",
                                path_.str(), value, previous),
                    path_.str());
      }
      out.bucket_counts[i] = value - previous;
      previous = value;
    }
    if (previous != count) {
      return fail(fmt::format("{}.+Inf ({}) must equal count ({})", path_.str(), previous, count),
                  path_.str());
    }
    return true;
  }

  // The bucket a key names: "+Inf", or a bound in the push's time unit (compared with a relative
  // tolerance, so "10" ms matches 0.01 s).
  std::optional<std::size_t> bucket_index(std::string_view key, std::span<const double> bounds) const {
    if (key == "+Inf") {
      return bounds.size();
    }
    double bound = 0;
    auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), bound);
    if (ec != std::errc() || end != key.data() + key.size() || !std::isfinite(bound)) {
      return std::nullopt;
    }
    bound *= seconds_per_unit_;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      if (std::abs(bounds[i] - bound) <= 1e-9 * std::max(1.0, std::abs(bounds[i]))) {
        return i;
      }
    }
    return std::nullopt;
  }

  const PushSchema& schema_;
  rapidjson::Document document_;
  JsonPath path_;
  double seconds_per_unit_ = 1.0;
  PushBatch batch_;
  ApiError error_;
};

}  // namespace

Expected<PushBatch, ApiError> parse_push(std::string_view body, const PushSchema& schema) {
  return PushParser(schema).parse_batch(body);
}

Expected<PushBatch, ApiError> parse_provider_webhook(std::string_view body, std::string_view provider,
                                                     const PushSchema& schema) {
  return PushParser(schema).parse_webhook(body, EntryKind::kProvider, provider);
}

Expected<PushBatch, ApiError> parse_connection_webhook(std::string_view body,
                                                       std::string_view connection,
                                                       const PushSchema& schema) {
  return PushParser(schema).parse_webhook(body, EntryKind::kConnection, connection);
}

}  // namespace syncmon
