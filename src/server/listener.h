#pragma once
// Accepts connections and gives each one a Session on its own strand, up to the connection cap.
//
// Thread safety: do_accept/on_accept run on the listener's strand; stop() may be called from any
// thread.

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>

#include "server/session.h"

namespace syncmon::server {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens; throws boost::system::system_error naming the failing step.
  Listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, SessionContext& context);

  void start();
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_endpoint_; }

 private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint local_endpoint_;
  SessionContext& context_;
};

}  // namespace syncmon::server
