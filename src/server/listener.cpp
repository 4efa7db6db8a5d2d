#include "server/listener.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <spdlog/spdlog.h>

namespace syncmon::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

Listener::Listener(net::io_context& io, const tcp::endpoint& endpoint, SessionContext& context)
    : io_(io), acceptor_(net::make_strand(io)), context_(context) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
  local_endpoint_ = acceptor_.local_endpoint();
}

void Listener::start() {
  net::dispatch(acceptor_.get_executor(), boost::beast::bind_front_handler(&Listener::do_accept, shared_from_this()));
}

void Listener::stop() {
  net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::beast::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void Listener::do_accept() {
  acceptor_.async_accept(net::make_strand(io_),
                         boost::beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(boost::beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
    return;  // stopped
  }
  if (ec) {
    // Running out of file descriptors must not stop the listener for good.
    spdlog::warn("accept failed: {}", ec.message());
  } else {
    boost::beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = make_session(std::move(socket), context_);
    if (context_.tracker.count() >= context_.limits.max_connections) {
      session->start_rejecting();
    } else {
      session->start();
    }
  }
  do_accept();
}

}  // namespace syncmon::server
