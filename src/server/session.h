#pragma once
// One HTTP connection: wait for a request, read its head then its body within the limits, hand it
// to the router, write the response, and go round again while the connection is kept alive.
// Requests on one connection are answered in order, one at a time, so pipelined requests simply
// wait in the read buffer.
//
// Thread safety: every member runs on the session's strand; the tracker is the only shared state.

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include "server/http_types.h"
#include "server/router.h"

namespace syncmon::server {

struct SessionLimits {
  std::size_t max_body_bytes = 16 * 1024 * 1024;   // larger bodies: 413
  std::size_t max_header_bytes = 16 * 1024;        // larger heads: 431
  std::size_t max_connections = 1024;              // more: 503 and close
  std::chrono::milliseconds request_timeout{30'000};  // first byte to last byte of a request
  std::chrono::milliseconds idle_timeout{120'000};    // keep-alive with nothing in flight
};

class Session;

// Knows every open session, so that a shutdown can reach them all.
// Thread safety: all members lock `mutex_`.
class SessionTracker {
 public:
  void add(const std::shared_ptr<Session>& session);
  void remove(const Session* session);
  std::size_t count() const;
  // Tells every open session to finish what it is doing and close.
  void drain_all();

 private:
  mutable std::mutex mutex_;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;
};

struct SessionContext {
  SessionLimits limits;
  const Router* router = nullptr;
  SessionTracker tracker;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket&& socket, SessionContext& context);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  // Answers 503 (too many connections) and closes, without reading a request.
  void start_rejecting();
  // From any thread: finish the request in flight, if any, then close.
  void drain();

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kClosed };

  void do_wait_for_request();
  void on_first_bytes(boost::beast::error_code ec, std::size_t bytes);
  void do_read_header();
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void do_read_body();
  void on_body(boost::beast::error_code ec, std::size_t bytes);
  void on_read_error(boost::beast::error_code ec);
  void send(Response&& response);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void send_error_and_close(http::status status, std::string message);
  // Closes after the client has had a chance to read an error response: stop sending, discard
  // what it still sends for a moment, then close, so that the client sees the response rather
  // than a reset.
  void do_linger_close();
  void do_close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Response> in_flight_response_;
  SessionContext& context_;
  State state_ = State::kIdle;
  bool draining_ = false;
  bool request_keep_alive_ = false;
  bool tracked_ = false;
  std::size_t lingered_bytes_ = 0;
};

}  // namespace syncmon::server
