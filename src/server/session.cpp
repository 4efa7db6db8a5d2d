#include "server/session.h"

#include <array>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
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

void SessionTracker::add(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex_);
  sessions_.emplace(session.get(), session);
}

void SessionTracker::remove(const Session* session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
}

std::size_t SessionTracker::count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void SessionTracker::drain_all() {
  std::vector<std::shared_ptr<Session>> alive;
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

Session::Session(net::ip::tcp::socket&& socket, SessionContext& context)
    : stream_(std::move(socket)), context_(context) {}

Session::~Session() {
  if (tracked_) {
    context_.tracker.remove(this);
  }
}

void Session::start() {
  context_.tracker.add(shared_from_this());
  tracked_ = true;
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::do_wait_for_request, shared_from_this()));
}

void Session::start_rejecting() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->send_error_and_close(http::status::service_unavailable,
                               "too many open connections (limits.max_connections); retry later");
  });
}

void Session::drain() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->draining_ = true;
    if (self->state_ == State::kIdle) {
      // Nothing has arrived on this connection since its last response: close it now. A request
      // that has begun arriving is read, answered and then the connection closes.
      self->stream_.cancel();
    }
  });
}

void Session::do_wait_for_request() {
  state_ = State::kIdle;
  if (draining_) {
    return do_close();
  }
  if (buffer_.size() > 0) {
    return do_read_header();  // a pipelined request is already here
  }
  stream_.expires_after(context_.limits.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
}

void Session::on_first_bytes(beast::error_code ec, std::size_t bytes) {
  if (ec) {
    // The client closed, the idle timeout passed, or a drain cancelled the wait.
    return do_close();
  }
  buffer_.commit(bytes);
  do_read_header();
}

void Session::do_read_header() {
  state_ = State::kReading;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(context_.limits.max_header_bytes));
  parser_->body_limit(context_.limits.max_body_bytes);
  // One deadline for the whole request, head and body: a slow client is cut off.
  stream_.expires_after(context_.limits.request_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_header, shared_from_this()));
}

void Session::on_header(beast::error_code ec, std::size_t /*bytes*/) {
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

void Session::do_read_body() {
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_body, shared_from_this()));
}

void Session::on_body(beast::error_code ec, std::size_t /*bytes*/) {
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

void Session::on_read_error(beast::error_code ec) {
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

void Session::send(Response&& response) {
  state_ = State::kWriting;
  response.keep_alive(request_keep_alive_ && !draining_ && response.keep_alive());
  in_flight_response_ = std::make_shared<Response>(std::move(response));
  stream_.expires_after(context_.limits.request_timeout);  // a client that never reads is cut off too
  http::async_write(stream_, *in_flight_response_,
                    beast::bind_front_handler(&Session::on_write, shared_from_this(), in_flight_response_->keep_alive()));
}

void Session::on_write(bool keep_alive, beast::error_code ec, std::size_t /*bytes*/) {
  in_flight_response_.reset();
  if (ec) {
    return do_close();
  }
  if (!keep_alive) {
    return do_close();
  }
  do_wait_for_request();
}

void Session::send_error_and_close(http::status status, std::string message) {
  state_ = State::kWriting;
  Request request;  // the request could not be read; answer in HTTP/1.1
  Response response = make_error_response(request, {static_cast<int>(status), std::move(message), "", ""});
  response.keep_alive(false);
  in_flight_response_ = std::make_shared<Response>(std::move(response));
  stream_.expires_after(context_.limits.request_timeout);
  http::async_write(stream_, *in_flight_response_, [self = shared_from_this()](beast::error_code, std::size_t) {
    self->in_flight_response_.reset();
    self->do_linger_close();
  });
}

void Session::do_linger_close() {
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kLingerTimeout);
  auto discard = std::make_shared<std::array<char, 8192>>();
  stream_.async_read_some(net::buffer(*discard), [self = shared_from_this(), discard](beast::error_code ec, std::size_t bytes) {
    self->lingered_bytes_ += bytes;
    if (ec || self->lingered_bytes_ > kMaxLingerBytes) {
      return self->do_close();
    }
    self->do_linger_close();
  });
}

void Session::do_close() {
  state_ = State::kClosed;
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream_.close();
}

}  // namespace syncmon::server
