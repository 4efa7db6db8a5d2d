#pragma once
// One HTTP connection: wait for a request, read its head then its body within the limits, hand it
// to the router, write the response, and go round again while the connection is kept alive.
// Requests on one connection are answered in order, one at a time, so pipelined requests simply
// wait in the read buffer.
//
// Over TLS the same, after a handshake that must finish within the request timeout.
//
// Thread safety: every member runs on the session's strand; the tracker is the only shared state.

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>

#include "server/http_types.h"
#include "server/router.h"

namespace boost::asio::ssl {
class context;
}

namespace syncmon::server {

struct SessionLimits {
  std::size_t max_body_bytes = 16 * 1024 * 1024;   // larger bodies: 413
  std::size_t max_header_bytes = 16 * 1024;        // larger heads: 431
  std::size_t max_connections = 1024;              // more: 503 and close
  std::chrono::milliseconds request_timeout{30'000};  // first byte to last byte of a request
  std::chrono::milliseconds idle_timeout{120'000};    // keep-alive with nothing in flight
};

// One connection's session, as the tracker and the listener see it: plain HTTP or HTTPS.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void start() = 0;
  // Answers 503 (too many connections) and closes, without reading a request.
  virtual void start_rejecting() = 0;
  // From any thread: finish the request in flight, if any, then close.
  virtual void drain() = 0;
};

// Knows every open session, so that a shutdown can reach them all.
// Thread safety: all members lock `mutex_`.
class SessionTracker {
 public:
  void add(const std::shared_ptr<SessionBase>& session);
  void remove(const SessionBase* session);
  std::size_t count() const;
  // Tells every open session to finish what it is doing and close.
  void drain_all();

 private:
  mutable std::mutex mutex_;
  std::unordered_map<const SessionBase*, std::weak_ptr<SessionBase>> sessions_;
};

struct SessionContext {
  SessionLimits limits;
  const Router* router = nullptr;
  SessionTracker tracker;
  // Set when the listener serves HTTPS (tls.cert_file and tls.key_file).
  boost::asio::ssl::context* tls = nullptr;
};

// A session for an accepted connection: TLS when the context has a TLS context, else plain.
std::shared_ptr<SessionBase> make_session(boost::asio::ip::tcp::socket&& socket, SessionContext& context);

}  // namespace syncmon::server
