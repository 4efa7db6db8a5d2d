#include "server/server.h"

#include <csignal>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "server/listener.h"

namespace syncmon::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
constexpr std::chrono::milliseconds kDrainPollInterval{20};
}

Server::Server(ServerOptions options, const Router& router)
    : options_(options),
      io_(static_cast<int>(options.io_threads)),
      signals_(io_, SIGINT, SIGTERM),
      reload_signals_(io_, SIGHUP),
      drain_timer_(io_) {
  context_.limits = options.limits;
  context_.router = &router;
}

Server::~Server() = default;

void Server::listen(const ListenAddress& address) {
  if (!options_.tls_cert_file.empty()) {
    tls_ = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    tls_->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                      net::ssl::context::single_dh_use);
    const auto load = [](const char* key, const std::string& file, const auto& action) {
      try {
        action();
      } catch (const boost::system::system_error& error) {
        throw std::runtime_error(fmt::format("{}: cannot load {}: {}", key, file, error.code().message()));
      }
    };
    load("tls.cert_file", options_.tls_cert_file, [&] { tls_->use_certificate_chain_file(options_.tls_cert_file); });
    load("tls.key_file", options_.tls_key_file,
         [&] { tls_->use_private_key_file(options_.tls_key_file, net::ssl::context::pem); });
    context_.tls = tls_.get();
  }
  boost::system::error_code ec;
  const std::string host = address.host == "localhost" ? "127.0.0.1" : address.host;
  const auto ip = net::ip::make_address(host, ec);
  if (ec) {
    throw std::runtime_error(fmt::format("cannot listen on {}: {}", address.str(), ec.message()));
  }
  try {
    listener_ = std::make_shared<Listener>(io_, tcp::endpoint(ip, address.port), context_);
  } catch (const boost::system::system_error& error) {
    throw std::runtime_error(fmt::format("cannot listen on {}: {}", address.str(), error.code().message()));
  }
}

tcp::endpoint Server::local_endpoint() const { return listener_->local_endpoint(); }

void Server::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (!ec) {
      spdlog::info("received signal {}; draining connections (at most {} ms)", signal_number,
                   options_.shutdown_timeout.count());
      begin_shutdown();
    }
  });
  wait_for_reload();
  listener_->start();
  std::vector<std::thread> threads;
  threads.reserve(options_.io_threads - 1);
  for (unsigned i = 1; i < options_.io_threads; ++i) {
    threads.emplace_back([this] { io_.run(); });
  }
  io_.run();
  for (auto& thread : threads) {
    thread.join();
  }
}

void Server::wait_for_reload() {
  reload_signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) {
      return;  // cancelled by the shutdown
    }
    spdlog::info("received SIGHUP; reloading");
    if (on_reload_) {
      on_reload_();
    }
    wait_for_reload();
  });
}

void Server::request_stop() {
  net::post(io_, [this] { begin_shutdown(); });
}

void Server::begin_shutdown() {
  if (shutting_down_) {
    spdlog::warn("second shutdown request; stopping now");
    io_.stop();
    return;
  }
  shutting_down_ = true;
  if (on_shutdown_) {
    on_shutdown_();
  }
  // A second signal stops at once.
  signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) {
      begin_shutdown();
    }
  });
  listener_->stop();
  context_.tracker.drain_all();
  check_drained(std::chrono::steady_clock::now() + options_.shutdown_timeout);
}

void Server::check_drained(std::chrono::steady_clock::time_point deadline) {
  const std::size_t open = context_.tracker.count();
  if (open == 0 || std::chrono::steady_clock::now() >= deadline) {
    if (open > 0) {
      spdlog::warn("shutdown_timeout passed with {} connection(s) still open; closing them", open);
    }
    signals_.cancel();
    reload_signals_.cancel();
    io_.stop();
    return;
  }
  drain_timer_.expires_after(kDrainPollInterval);
  drain_timer_.async_wait([this, deadline](const boost::system::error_code& ec) {
    if (!ec) {
      check_drained(deadline);
    }
  });
}

}  // namespace syncmon::server
