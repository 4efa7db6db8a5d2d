#include "server/http_types.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "syncmon/build_info.h"

namespace syncmon::server {

ReplyTo reply_to(const Request& request) { return ReplyTo{request.version(), request.keep_alive()}; }

Response make_response(const ReplyTo& to, http::status status, std::string body, std::string_view content_type) {
  Response response(status, to.version);
  response.set(http::field::server, "syncmond");
  response.set(http::field::content_type, content_type);
  response.keep_alive(to.keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response make_json_response(const ReplyTo& to, http::status status, std::string body) {
  return make_response(to, status, std::move(body), kJsonContentType);
}

std::string error_json(const ApiError& error) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("error");
  writer.String(error.message.data(), static_cast<rapidjson::SizeType>(error.message.size()));
  if (!error.path.empty()) {
    writer.Key("path");
    writer.String(error.path.data(), static_cast<rapidjson::SizeType>(error.path.size()));
  }
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

Response make_error_response(const ReplyTo& to, const ApiError& error) {
  return make_json_response(to, static_cast<http::status>(error.status), error_json(error));
}

}  // namespace syncmon::server
