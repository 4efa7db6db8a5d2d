#pragma once
// The one error shape of the HTTP API: {"error": "<sentence>", "path": "<json path or parameter>"}.

#include <string>

namespace syncmon {

struct ApiError {
  int status = 400;
  std::string message;
  // JSON path (`$.providers[0].request_total`) or parameter name; empty when nothing applies.
  std::string path;
  // Counted in syncmond_push_rejections_total{reason}; a short stable token.
  std::string reason = "invalid";
};

}  // namespace syncmon
