#include "api/body_decoding.h"

#include <zlib.h>

#include <boost/beast/core/string.hpp>
#include <fmt/format.h>

namespace syncmon::api {
namespace {

Expected<std::string, ApiError> gunzip(const std::string& compressed, std::size_t max_bytes) {
  z_stream stream{};
  // 16 + MAX_WBITS: a gzip header, not a raw zlib stream.
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
    return unexpected(ApiError{500, "cannot start decompression", "", "internal"});
  }
  std::string out;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  char chunk[64 * 1024];
  for (;;) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof chunk;
    const int rc = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - stream.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&stream);
      return unexpected(ApiError{413, fmt::format("the decompressed body is larger than limits.max_body_bytes ({} bytes)",
                                                  max_bytes),
                                 "", "too_large"});
    }
    if (rc == Z_STREAM_END) {
      break;
    }
    if (rc != Z_OK) {
      // Z_BUF_ERROR here means the input ended before the stream did.
      inflateEnd(&stream);
      return unexpected(ApiError{400, "the gzip body is malformed or truncated", "Content-Encoding", "invalid"});
    }
  }
  inflateEnd(&stream);
  return out;
}

}  // namespace

Expected<std::string, ApiError> take_decoded_body(server::Request& request, std::size_t max_bytes) {
  const auto encoding = request[server::http::field::content_encoding];
  if (encoding.empty() || boost::beast::iequals(encoding, "identity")) {
    return std::move(request.body());
  }
  if (boost::beast::iequals(encoding, "gzip")) {
    return gunzip(request.body(), max_bytes);
  }
  return unexpected(ApiError{415, fmt::format("Content-Encoding {} is not supported; use gzip or none",
                                              std::string(encoding.substr(0, 40))),
                             "Content-Encoding", "unsupported_media_type"});
}

}  // namespace syncmon::api
