// Feeds arbitrary bytes to the text-format parser and, when they parse, to a group store under a
// grouping key made from the first line; renders and re-encodes what was accepted. Any crash,
// sanitizer report or broken invariant is a finding.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "syncmon/aggregator.h"
#include "syncmon/group_exposition.h"
#include "syncmon/group_store.h"
#include "syncmon/grouping_key.h"
#include "syncmon/journal_record.h"
#include "syncmon/text_format_parser.h"

namespace {

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static syncmon::Aggregator budget([] {
    syncmon::AggregatorConfig config;
    config.max_series = 50'000;
    return config;
  }());
  static syncmon::GroupStore store(budget, true);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view path = newline == std::string_view::npos ? std::string_view("job/fuzz") : input.substr(0, newline);
  const std::string_view body = newline == std::string_view::npos ? input : input.substr(newline + 1);

  auto key = syncmon::parse_grouping_key(path, 256);
  if (!key) {
    require(key.error().status == 400);
    key = syncmon::parse_grouping_key("job/fuzz", 256);
  }
  auto parsed = syncmon::parse_text_format(body, syncmon::TextFormatLimits{});
  if (!parsed) {
    require(parsed.error().status == 400 && parsed.error().path.starts_with("line "));
    return 0;
  }
  syncmon::GroupPush push{*key, syncmon::GroupPushMode::kReplaceFamilies, std::move(parsed->families), 1, parsed->has_timestamps};
  auto decoded = syncmon::decode_group_push(syncmon::encode_group_push(push));
  require(decoded.has_value());
  if (auto error = store.apply_push(push)) {
    require(error->status == 400 || error->status == 429);
  }
  std::string text;
  syncmon::append_groups_text(text, store.groups());
  // What syncmond writes, it must read back.
  require(syncmon::parse_text_format(text, syncmon::TextFormatLimits{1 << 20, 1 << 20}).has_value());
  if (store.groups().size() > 20) {
    store.wipe();
  }
  return 0;
}
