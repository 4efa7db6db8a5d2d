#include "server/session.h"

#include <array>
#include <optional>
#include <type_traits>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

namespace syncmon::server {

namespace beast = boost::beast;
namespace net = boost::asio;

namespace {

constexpr std::size_t kFirstReadBytes = 4096;
constexpr std::chrono::seconds kLingerTimeout{1};
constexpr std::size_t kMaxLingerBytes = 1024 * 1024;

}  // namespace

void SessionTracker::add(const std::shared_ptr<SessionBase>& session) {
  std::lock_guard lock(mutex_);
  sessions_.emplace(session.get(), session);
}

void SessionTracker::remove(const SessionBase* session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
}

std::size_t SessionTracker::count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void SessionTracker::drain_all() {
  std::vector<std::shared_ptr<SessionBase>> alive;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, weak] : sessions_) {
      if (auto session = weak.lock()) {
        alive.push_back(std::move(session));
      }
    }
  }
  for (auto& session : alive) {
    session->drain();
  }
}

namespace {

template <typename Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Session(net::ip::tcp::socket&& socket, SessionContext& context)
    requires(!kTls)
      : stream_(std::move(socket)), context_(context) {}
  Session(net::ip::tcp::socket&& socket, SessionContext& context)
    requires(kTls)
      : stream_(std::move(socket), *context.tls), context_(context) {}
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() override;
  void start_rejecting() override;
  void drain() override;

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kClosed };

  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  // TLS: the handshake, within the request timeout, then `next`; plain: `next` at once.
  template <typename Next>
  void after_handshake(Next next);
  void do_wait_for_request();
  void on_first_bytes(beast::error_code ec, std::size_t bytes);
  void do_read_header();
  void on_header(beast::error_code ec, std::size_t bytes);
  void do_read_body();
  void on_body(beast::error_code ec, std::size_t bytes);
  void on_read_error(beast::error_code ec);
  void send(Response&& response);
  void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);
  void send_error_and_close(http::status status, std::string message);
  // Closes after the client has had a chance to read an error response: stop sending, discard
  // what it still sends for a moment, then close, so that the client sees the response rather
  // than a reset.
  void do_linger_close();
  void do_close();

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Response> in_flight_response_;
  SessionContext& context_;
  State state_ = State::kIdle;
  bool draining_ = false;
  bool request_keep_alive_ = false;
  bool tracked_ = false;
  std::size_t lingered_bytes_ = 0;
};

template <typename Stream>
Session<Stream>::~Session() {
  if (tracked_) {
    context_.tracker.remove(this);
  }
}

template <typename Stream>
void Session<Stream>::start() {
  context_.tracker.add(shared_from_this());
  tracked_ = true;
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->after_handshake([self] { self->do_wait_for_request(); });
  });
}

template <typename Stream>
template <typename Next>
void Session<Stream>::after_handshake(Next next) {
  if constexpr (kTls) {
    lowest().expires_after(context_.limits.request_timeout);
    stream_.async_handshake(net::ssl::stream_base::server,
                            [self = shared_from_this(), next = std::move(next)](beast::error_code ec) {
                              if (ec) {
                                spdlog::debug("TLS handshake failed: {}", ec.message());
                                return self->do_close();
                              }
                              next();
                            });
  } else {
    next();
  }
}

template <typename Stream>
void Session<Stream>::start_rejecting() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->after_handshake([self] {
      self->send_error_and_close(http::status::service_unavailable,
                                 "too many open connections (limits.max_connections); retry later");
    });
  });
}

template <typename Stream>
void Session<Stream>::drain() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->draining_ = true;
    if (self->state_ == State::kIdle) {
      // Nothing has arrived on this connection since its last response: close it now. A request
      // that has begun arriving is read, answered and then the connection closes.
      self->lowest().cancel();
    }
  });
}

template <typename Stream>
void Session<Stream>::do_wait_for_request() {
  state_ = State::kIdle;
  if (draining_) {
    return do_close();
  }
  if (buffer_.size() > 0) {
    return do_read_header();  // a pipelined request is already here
  }
  lowest().expires_after(context_.limits.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          beast::bind_front_handler(&Session<Stream>::on_first_bytes, shared_from_this()));
}

template <typename Stream>
void Session<Stream>::on_first_bytes(beast::error_code ec, std::size_t bytes) {
  if (ec) {
    // The client closed, the idle timeout passed, or a drain cancelled the wait.
    return do_close();
  }
  buffer_.commit(bytes);
  do_read_header();
}

template <typename Stream>
void Session<Stream>::do_read_header() {
  state_ = State::kReading;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(context_.limits.max_header_bytes));
  parser_->body_limit(context_.limits.max_body_bytes);
  // One deadline for the whole request, head and body: a slow client is cut off.
  lowest().expires_after(context_.limits.request_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session<Stream>::on_header, shared_from_this()));
}

template <typename Stream>
void Session<Stream>::on_header(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) {
    return on_read_error(ec);
  }
  const auto& request = parser_->get();
  if (beast::iequals(request[http::field::expect], "100-continue")) {
    auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_, request.version());
    http::async_write(stream_, *interim, [self = shared_from_this(), interim](beast::error_code write_ec, std::size_t) {
      if (write_ec) {
        return self->do_close();
      }
      self->do_read_body();
    });
    return;
  }
  do_read_body();
}

template <typename Stream>
void Session<Stream>::do_read_body() {
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session<Stream>::on_body, shared_from_this()));
}

template <typename Stream>
void Session<Stream>::on_body(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) {
    return on_read_error(ec);
  }
  state_ = State::kHandling;
  Request request = parser_->release();
  parser_.reset();
  request_keep_alive_ = request.keep_alive();
  // The handler may answer later from another thread; the answer comes back to this strand.
  Responder respond = [self = shared_from_this()](Response&& response) {
    net::dispatch(self->stream_.get_executor(),
                  [self, response = std::move(response)]() mutable { self->send(std::move(response)); });
  };
  context_.router->route(std::move(request), std::move(respond));
}

template <typename Stream>
void Session<Stream>::on_read_error(beast::error_code ec) {
  if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset || ec == net::error::eof) {
    return do_close();
  }
  if (ec == beast::error::timeout) {
    spdlog::debug("closing a connection whose request did not arrive within limits.request_timeout");
    return do_close();
  }
  if (ec == http::error::body_limit) {
    return send_error_and_close(http::status::payload_too_large,
                                fmt::format("the body is larger than limits.max_body_bytes ({} bytes)",
                                            context_.limits.max_body_bytes));
  }
  if (ec == http::error::header_limit) {
    return send_error_and_close(http::status::request_header_fields_too_large,
                                fmt::format("the request head is larger than limits.max_header_bytes ({} bytes)",
                                            context_.limits.max_header_bytes));
  }
  if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
    return send_error_and_close(http::status::bad_request, fmt::format("malformed HTTP request: {}", ec.message()));
  }
  spdlog::debug("read failed: {}", ec.message());
  do_close();
}

template <typename Stream>
void Session<Stream>::send(Response&& response) {
  state_ = State::kWriting;
  response.keep_alive(request_keep_alive_ && !draining_ && response.keep_alive());
  in_flight_response_ = std::make_shared<Response>(std::move(response));
  lowest().expires_after(context_.limits.request_timeout);  // a client that never reads is cut off too
  http::async_write(stream_, *in_flight_response_,
                    beast::bind_front_handler(&Session<Stream>::on_write, shared_from_this(), in_flight_response_->keep_alive()));
}

template <typename Stream>
void Session<Stream>::on_write(bool keep_alive, beast::error_code ec, std::size_t /*bytes*/) {
  in_flight_response_.reset();
  if (ec) {
    return do_close();
  }
  if (!keep_alive) {
    return do_close();
  }
  do_wait_for_request();
}

template <typename Stream>
void Session<Stream>::send_error_and_close(http::status status, std::string message) {
  state_ = State::kWriting;
  Request request;  // the request could not be read; answer in HTTP/1.1
  Response response = make_error_response(request, {static_cast<int>(status), std::move(message), "", ""});
  response.keep_alive(false);
  in_flight_response_ = std::make_shared<Response>(std::move(response));
  lowest().expires_after(context_.limits.request_timeout);
  http::async_write(stream_, *in_flight_response_, [self = shared_from_this()](beast::error_code, std::size_t) {
    self->in_flight_response_.reset();
    self->do_linger_close();
  });
}

template <typename Stream>
void Session<Stream>::do_linger_close() {
  if constexpr (kTls) {
    return do_close();  // after a TLS close the client cannot read plain bytes anyway
  }
  beast::error_code ignored;
  lowest().socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  lowest().expires_after(kLingerTimeout);
  auto discard = std::make_shared<std::array<char, 8192>>();
  lowest().async_read_some(net::buffer(*discard), [self = shared_from_this(), discard](beast::error_code ec, std::size_t bytes) {
    self->lingered_bytes_ += bytes;
    if (ec || self->lingered_bytes_ > kMaxLingerBytes) {
      return self->do_close();
    }
    self->do_linger_close();
  });
}

template <typename Stream>
void Session<Stream>::do_close() {
  state_ = State::kClosed;
  beast::error_code ignored;
  lowest().socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  lowest().close();
}

}  // namespace

std::shared_ptr<SessionBase> make_session(net::ip::tcp::socket&& socket, SessionContext& context) {
  if (context.tls != nullptr) {
    return std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), context);
  }
  return std::make_shared<Session<beast::tcp_stream>>(std::move(socket), context);
}

}  // namespace syncmon::server
