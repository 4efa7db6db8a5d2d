#pragma once
// The JSON path of the value being validated, rendered only when an error needs it.

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace syncmon {

class JsonPath {
 public:
  void push(std::string_view field) { segments_.emplace_back(field); }
  void push(std::size_t index) { segments_.emplace_back(index); }
  void pop() { segments_.pop_back(); }

  // "$.providers[0].request_total"
  std::string str() const;
  // str() followed by one more field, without changing the path.
  std::string with(std::string_view field) const;

 private:
  std::vector<std::variant<std::string_view, std::size_t>> segments_;
};

// Pushes a segment for the lifetime of a scope.
class JsonPathScope {
 public:
  template <typename Segment>
  JsonPathScope(JsonPath& path, Segment segment) : path_(path) {
    path_.push(segment);
  }
  ~JsonPathScope() { path_.pop(); }
  JsonPathScope(const JsonPathScope&) = delete;
  JsonPathScope& operator=(const JsonPathScope&) = delete;

 private:
  JsonPath& path_;
};

}  // namespace syncmon
