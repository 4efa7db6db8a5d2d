#pragma once
// The HTTP server: an io_context run by N threads, one listener, the session tracker, and the
// signal handling that turns SIGTERM/SIGINT into a graceful drain and SIGHUP into a reload.
//
// Thread safety: construct, listen() and run() from the main thread; run() blocks until the
// server has stopped. open_connections() is safe from any thread.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/router.h"
#include "server/session.h"
#include "syncmon/listen_address.h"

namespace syncmon::server {

class Listener;

struct ServerOptions {
  SessionLimits limits;
  unsigned io_threads = 1;
  // After SIGTERM, how long in-flight requests may take before the process stops anyway.
  std::chrono::milliseconds shutdown_timeout{10'000};
  // Both set: serve HTTPS with this PEM certificate chain and key.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router);
  ~Server();

  // Loads the TLS certificate and key, if configured, then resolves and binds the address;
  // throws std::runtime_error naming the file or the address on failure.
  void listen(const ListenAddress& address);
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  // Called once, on an io thread, when a shutdown signal arrives (before draining starts).
  void on_shutdown(std::function<void()> callback) { on_shutdown_ = std::move(callback); }
  // Called on an io thread for every SIGHUP.
  void on_reload(std::function<void()> callback) { on_reload_ = std::move(callback); }

  // Serves until SIGTERM/SIGINT (or request_stop()) and the drain that follows have finished.
  void run();
  // The same shutdown as a signal, for tests and embedding.
  void request_stop();

  std::size_t open_connections() const { return context_.tracker.count(); }

 private:
  void begin_shutdown();
  void wait_for_reload();
  void check_drained(std::chrono::steady_clock::time_point deadline);

  ServerOptions options_;
  // Declared before io_ so that they outlive the sessions that io_'s pending handlers still own.
  std::unique_ptr<boost::asio::ssl::context> tls_;
  SessionContext context_;
  boost::asio::io_context io_;
  std::shared_ptr<Listener> listener_;
  boost::asio::signal_set signals_;
  boost::asio::signal_set reload_signals_;
  boost::asio::steady_timer drain_timer_;
  std::function<void()> on_shutdown_;
  std::function<void()> on_reload_;
  bool shutting_down_ = false;  // touched only by the signal handler's completion
};

}  // namespace syncmon::server
