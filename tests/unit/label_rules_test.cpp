#include <doctest/doctest.h>

#include "syncmon/label_rules.h"

namespace syncmon {
namespace {

TEST_CASE("UTF-8 validation") {
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("S\xC3\xA3o Paulo"));          // São
  CHECK(is_valid_utf8("\xF0\x9F\x9B\x92"));          // a 4-byte emoji
  CHECK_FALSE(is_valid_utf8("\xC3"));                // truncated
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));            // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));        // UTF-16 surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));    // past U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xFF"));
}

TEST_CASE("label values: non-empty, bounded, printable, UTF-8") {
  CHECK_FALSE(label_value_problem("loja1-products", 256).has_value());
  CHECK(label_value_problem("", 256) == "must not be empty");
  CHECK(label_value_problem("abcdef", 5)->find("limit of 5") != std::string::npos);
  CHECK(label_value_problem("tab\there", 256) == "must not contain control characters");
  CHECK(label_value_problem("del\x7f", 256) == "must not contain control characters");
  CHECK(label_value_problem("bad\xC3", 256) == "is not valid UTF-8");
}

}  // namespace
}  // namespace syncmon
