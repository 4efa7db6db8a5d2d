#include <doctest/doctest.h>

#include "syncmon/group_exposition.h"
#include "syncmon/group_store.h"
#include "syncmon/grouping_key.h"
#include "syncmon/journal_record.h"
#include "syncmon/text_format_parser.h"
#include "test_support.h"

namespace syncmon {
namespace {

GroupingKey key_of(std::string_view path) {
  auto key = parse_grouping_key(path, 256);
  REQUIRE_MESSAGE(key.has_value(), (key.has_value() ? "" : key.error().message));
  return *key;
}

GroupPush push_of(std::string_view path, std::string_view body, GroupPushMode mode = GroupPushMode::kReplaceGroup,
                  double at = 100) {
  auto parsed = parse_text_format(body, TextFormatLimits{});
  REQUIRE(parsed.has_value());
  return GroupPush{key_of(path), mode, std::move(parsed->families), at, parsed->has_timestamps};
}

std::string expose(const GroupStore& store) {
  std::string out;
  append_groups_text(out, store.groups());
  return out;
}

struct Fixture {
  Aggregator budget{testing::default_aggregator_config(/*max_series=*/100)};
  GroupStore store{budget, /*consistency_check=*/true};
};

TEST_CASE("grouping keys follow the Pushgateway's rules") {
  CHECK(key_of("job/a") == GroupingKey{{"job", "a"}});
  CHECK(key_of("job/a/zone/x/instance/i") == GroupingKey{{"instance", "i"}, {"job", "a"}, {"zone", "x"}});
  CHECK(key_of("job@base64/bmlnaHRseS9pbXBvcnQ") == GroupingKey{{"job", "nightly/import"}});
  CHECK(key_of("job/a/path@base64/YSBiL2M=") == GroupingKey{{"job", "a"}, {"path", "a b/c"}});
  CHECK(key_of("job/a/empty@base64/=") == GroupingKey{{"empty", ""}, {"job", "a"}});
  // An empty instance names the same group as no instance.
  CHECK(key_of("job/a/instance@base64/=") == key_of("job/a"));
  CHECK(key_of("job/s%C3%A3o") == GroupingKey{{"job", "s\xC3\xA3o"}});
  for (const char* bad : {"job", "job/a/b", "jobs/a", "zone/x/job/a", "job/a/__x/y", "job/a/9x/y", "job/a/a@base64/!!",
                          "job@base64/=", "job/a/b/1/b/2", "job/%zz", "job/a/zone/", "job//"}) {
    CAPTURE(bad);
    auto key = parse_grouping_key(bad, 256);
    REQUIRE_FALSE(key.has_value());
    CHECK(key.error().status == 400);
  }
  CHECK(decode_base64_url("") == "");
  CHECK(decode_base64_url("Zm9vYg") == "foob");
  CHECK_FALSE(decode_base64_url("Zm9vYh").has_value());  // stray bits
  CHECK_FALSE(decode_base64_url("a").has_value());
}

TEST_CASE_FIXTURE(Fixture, "PUT replaces the group, POST the families it names, DELETE removes it") {
  REQUIRE_FALSE(store.apply_push(push_of("job/j", "a 1\nb 2\n")));
  REQUIRE_FALSE(store.apply_push(push_of("job/j", "b 3\nc 4\n", GroupPushMode::kReplaceFamilies)));
  std::string text = expose(store);
  CHECK(text.find("a{instance=\"\",job=\"j\"} 1") != std::string::npos);
  CHECK(text.find("b{instance=\"\",job=\"j\"} 3") != std::string::npos);
  CHECK(text.find("c{instance=\"\",job=\"j\"} 4") != std::string::npos);
  REQUIRE_FALSE(store.apply_push(push_of("job/j", "d 5\n")));
  text = expose(store);
  CHECK(text.find("a{") == std::string::npos);
  CHECK(text.find("d{instance=\"\",job=\"j\"} 5") != std::string::npos);
  CHECK(store.series_count() == 1);
  CHECK(store.remove(key_of("job/j")));
  CHECK_FALSE(store.remove(key_of("job/j")));
  CHECK(expose(store).empty());
  CHECK(store.series_count() == 0);
}

TEST_CASE_FIXTURE(Fixture, "grouping labels override pushed ones and instance=\"\" is added") {
  REQUIRE_FALSE(store.apply_push(push_of("job/j/zone/z1", "m{job=\"other\",zone=\"z9\",x=\"1\"} 1\n")));
  CHECK(expose(store).find("m{instance=\"\",job=\"j\",x=\"1\",zone=\"z1\"} 1") != std::string::npos);
}

TEST_CASE("grouping labels merge into sorted and unsorted label sets alike") {
  const auto merged = [](std::vector<LabelPair> labels, std::string_view path) {
    PushedMetric metric{std::move(labels), 0, 0, 0, {}, {}};
    merge_grouping_labels(metric, key_of(path));
    return metric.labels;
  };
  using Labels = std::vector<LabelPair>;
  CHECK(merged({}, "job/j") == Labels{{"instance", ""}, {"job", "j"}});
  // instance="" lands between grouping labels before and after it.
  CHECK(merged({{"b", "1"}}, "job/j/a/x/zone/z") ==
        Labels{{"a", "x"}, {"b", "1"}, {"instance", ""}, {"job", "j"}, {"zone", "z"}});
  // A grouping label that replaces a pushed one, after instance, adds nothing there.
  CHECK(merged({{"zone", "pushed"}}, "job/j/zone/z") == Labels{{"instance", ""}, {"job", "j"}, {"zone", "z"}});
  CHECK(merged({{"instance", "i1"}, {"x", "1"}}, "job/j") == Labels{{"instance", "i1"}, {"job", "j"}, {"x", "1"}});
  CHECK(merged({{"x", "1"}}, "job/j/instance/i2") == Labels{{"instance", "i2"}, {"job", "j"}, {"x", "1"}});
  // Labels not sorted by name (not what the parser gives) are sorted first.
  CHECK(merged({{"z", "1"}, {"a", "2"}, {"job", "x"}}, "job/j") ==
        Labels{{"a", "2"}, {"instance", ""}, {"job", "j"}, {"z", "1"}});
  CHECK(group_series_labels(key_of("job/j/zone/z")) == Labels{{"instance", ""}, {"job", "j"}, {"zone", "z"}});
}

TEST_CASE_FIXTURE(Fixture, "the family index follows groups pushed again with the same or other types and HELP") {
  // Pushed again unchanged, the index keeps one use of m; a changed HELP moves it.
  for (int i = 0; i < 3; ++i) {
    REQUIRE_FALSE(store.apply_push(push_of("job/a", "# HELP m One.\n# TYPE m counter\nm 1\n")));
  }
  CHECK(store.apply_push(push_of("job/b", "# HELP m Two.\n# TYPE m counter\nm 1\n")).has_value());
  REQUIRE_FALSE(store.apply_push(push_of("job/a", "# HELP m Two.\n# TYPE m counter\nm 1\n")));
  CHECK_FALSE(store.apply_push(push_of("job/b", "# HELP m Two.\n# TYPE m counter\nm 1\n")));
  CHECK(store.apply_push(push_of("job/c", "# HELP m One.\n# TYPE m counter\nm 1\n")).has_value());
  // Once no group has m, any type is welcome again.
  REQUIRE(store.remove(key_of("job/a")));
  REQUIRE(store.remove(key_of("job/b")));
  CHECK_FALSE(store.apply_push(push_of("job/c", "# TYPE m gauge\nm 1\n")));
  CHECK(store.apply_push(push_of("job/d", "# TYPE m counter\nm 1\n")).has_value());
}

TEST_CASE_FIXTURE(Fixture, "a type or HELP that conflicts with another group is refused, and the failure recorded") {
  REQUIRE_FALSE(store.apply_push(push_of("job/a", "# HELP m Help A.\n# TYPE m counter\nm 1\n", {}, 100)));
  auto type_conflict = store.apply_push(push_of("job/b", "# TYPE m gauge\nm 1\n", {}, 200));
  REQUIRE(type_conflict);
  CHECK(type_conflict->status == 400);
  CHECK(type_conflict->message.find("is a counter in another group") != std::string::npos);
  auto help_conflict = store.apply_push(push_of("job/c", "# HELP m Help C.\n# TYPE m counter\nm 1\n", {}, 300));
  REQUIRE(help_conflict);
  CHECK(help_conflict->message.find("HELP") != std::string::npos);
  // No HELP at all is no conflict; the same HELP is none either.
  CHECK_FALSE(store.apply_push(push_of("job/d", "# TYPE m counter\nm 1\n")));
  CHECK_FALSE(store.apply_push(push_of("job/e", "# HELP m Help A.\n# TYPE m counter\nm 1\n")));
  // A group may change the type of a family nobody else uses.
  CHECK_FALSE(store.apply_push(push_of("job/solo", "# TYPE s counter\ns 1\n")));
  CHECK_FALSE(store.apply_push(push_of("job/solo", "# TYPE s gauge\ns 1\n")));
  const std::string text = expose(store);
  CHECK(text.find("push_failure_time_seconds{instance=\"\",job=\"b\"} 200") != std::string::npos);
  CHECK(text.find("push_time_seconds{instance=\"\",job=\"b\"} 0") != std::string::npos);
  CHECK(text.find("m{instance=\"\",job=\"b\"}") == std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "timestamps, the same series twice and reserved names are refused") {
  CHECK(store.apply_push(push_of("job/t", "m 1 1700000000000\n"))->message.find("timestamps") != std::string::npos);
  CHECK(store.apply_push(push_of("job/t", "m 1\nm 2\n"))->message.find("collected before") != std::string::npos);
  CHECK(store.apply_push(push_of("job/t", "m{job=\"x\"} 1\nm 2\n"))->message.find("collected before") !=
        std::string::npos);
  CHECK(store.apply_push(push_of("job/t", "syncmon_provider_request_total 1\n"))->message.find("reserved") !=
        std::string::npos);
  CHECK(store.apply_push(push_of("job/t", "push_time_seconds 1\n")).has_value());
}

TEST_CASE_FIXTURE(Fixture, "pushes beyond max_series get 429 and change nothing") {
  std::string body;
  for (int i = 0; i < 101; ++i) {
    body += "m{i=\"" + std::to_string(i) + "\"} 1\n";
  }
  auto error = store.apply_push(push_of("job/big", body));
  REQUIRE(error);
  CHECK(error->status == 429);
  CHECK(store.groups().empty());
}

TEST_CASE_FIXTURE(Fixture, "a rolled back change leaves the store as it was") {
  REQUIRE_FALSE(store.apply_push(push_of("job/a", "# TYPE m counter\nm 1\n")));
  const std::string before = expose(store);
  GroupStore::Undo undo;
  REQUIRE_FALSE(store.apply_push(push_of("job/b", "# TYPE m counter\nm 2\n"), &undo));
  store.remove(key_of("job/a"), &undo);
  store.rollback(undo);
  CHECK(expose(store) == before);
  CHECK(store.series_count() == 1);
  // The index is back too: a gauge m is still refused.
  CHECK(store.apply_push(push_of("job/c", "# TYPE m gauge\nm 1\n")).has_value());
}

TEST_CASE_FIXTURE(Fixture, "groups and changes survive their journal and snapshot encodings") {
  const GroupPush push = push_of("job/a/zone@base64/eCB5",
                                 "# HELP h Hist.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 0.5\nh_count 1\n"
                                 "# TYPE s summary\ns{quantile=\"0.5\"} 2\ns_sum 2\ns_count 1\nu NaN\n");
  auto decoded_push = decode_group_push(encode_group_push(push));
  REQUIRE(decoded_push.has_value());
  CHECK(encode_group_push(*decoded_push) == encode_group_push(push));
  CHECK(journal_kind(encode_group_push(push)) == JournalKind::kGroupPush);
  CHECK(decode_group_delete(encode_group_delete(push.key)) == push.key);
  CHECK(journal_kind(encode_wipe()) == JournalKind::kWipe);

  REQUIRE_FALSE(store.apply_push(push));
  const auto group = store.groups().at(0);
  auto decoded = decode_group(encode_group(*group));
  REQUIRE(decoded.has_value());
  Aggregator other_budget(testing::default_aggregator_config());
  GroupStore other(other_budget, true);
  other.restore(std::move(*decoded));
  CHECK(expose(other) == expose(store));
  const std::string bytes = encode_group(*group);
  for (std::size_t cut = 0; cut < bytes.size(); cut += 3) {
    CHECK_FALSE(decode_group(bytes.substr(0, cut)).has_value());
  }
}

TEST_CASE_FIXTURE(Fixture, "metrics are ordered as Go's client library orders them") {
  REQUIRE_FALSE(store.apply_push(push_of("job/b", "m{z=\"1\"} 1\nm 2\n")));
  REQUIRE_FALSE(store.apply_push(push_of("job/a", "m 3\n")));
  const std::string text = expose(store);
  const auto a = text.find("m{instance=\"\",job=\"a\"} 3");
  const auto b = text.find("m{instance=\"\",job=\"b\"} 2");
  const auto bz = text.find("m{instance=\"\",job=\"b\",z=\"1\"} 1");
  CHECK(a < b);
  CHECK(b < bz);  // fewer labels first
}

}  // namespace
}  // namespace syncmon
