#include "backend/query_client.h"

#include <charconv>
#include <deque>
#include <mutex>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

namespace syncmon::backend {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxResponseBytes = 32 * 1024 * 1024;

}  // namespace

Expected<BackendUrl, std::string> parse_backend_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.starts_with("https://")) {
    return unexpected(std::string("https backends are not supported yet; use http:// (on loopback or a trusted network)"));
  }
  if (!url.starts_with(kScheme)) {
    return unexpected(std::string("must start with http://"));
  }
  std::string_view rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  while (path.ends_with('/')) {
    path.remove_suffix(1);
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    return unexpected(std::string("must not hold a query or a fragment"));
  }
  BackendUrl parsed;
  parsed.base_path = std::string(path);
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return unexpected(std::string("has an unclosed [ in its host"));
    }
    parsed.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) {
        return unexpected(std::string("has something after the host that is not :port"));
      }
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (parsed.host.empty() || authority.find('@') != std::string_view::npos) {
    return unexpected(std::string("names no host (user:password@ is not supported)"));
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return unexpected(fmt::format("has an invalid port \"{}\"", port_text));
    }
    parsed.port = static_cast<std::uint16_t>(port);
  }
  return parsed;
}

struct QueryClient::Impl {
  Impl(const BackendUrl& backend, std::chrono::milliseconds deadline, std::size_t idle_connections)
      : url(backend), timeout(deadline), max_idle(idle_connections), work(asio::make_work_guard(io)) {
    thread = std::thread([this] { io.run(); });
  }

  ~Impl() {
    asio::post(io, [this] {
      idle.clear();
      work.reset();
    });
    thread.join();
  }

  // What one get_all() waits for.
  struct Batch {
    Bodies bodies;
    std::size_t remaining = 0;
    bool finished = false;
    Done done;
    std::chrono::steady_clock::time_point deadline;

    void fail(std::string why) {
      if (!finished) {
        finished = true;
        done(unexpected(std::move(why)));
      }
    }
    void succeed(std::size_t index, std::string body) {
      if (finished) {
        return;
      }
      bodies[index] = std::move(body);
      if (--remaining == 0) {
        finished = true;
        done(std::move(bodies));
      }
    }
  };

  // One GET on one connection, retried once on a fresh connection when a reused one turns out
  // to have been closed by the backend in the meantime.
  struct Exchange : std::enable_shared_from_this<Exchange> {
    Impl& client;
    std::shared_ptr<Batch> batch;
    std::size_t index;
    tcp::resolver resolver;
    std::unique_ptr<beast::tcp_stream> stream;
    bool reused = false;
    http::request<http::empty_body> request;
    beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;

    Exchange(Impl& owner, std::shared_ptr<Batch> of_batch, std::size_t at_index, const std::string& target)
        : client(owner), batch(std::move(of_batch)), index(at_index), resolver(owner.io) {
      request.version(11);
      request.method(http::verb::get);
      request.target(client.url.base_path + target);
      request.set(http::field::host, client.url.host);
      request.set(http::field::user_agent, "syncmond");
      request.set(http::field::accept, "application/json");
      request.keep_alive(true);
    }

    void start() {
      if (!client.idle.empty()) {
        stream = std::move(client.idle.back());
        client.idle.pop_back();
        reused = true;
        send();
        return;
      }
      reused = false;
      stream = std::make_unique<beast::tcp_stream>(client.io);
      stream->expires_at(batch->deadline);
      resolver.async_resolve(
          client.url.host, std::to_string(client.url.port),
          [self = shared_from_this()](beast::error_code ec, const tcp::resolver::results_type& results) {
            if (ec) {
              return self->batch->fail(fmt::format("cannot resolve {}: {}", self->client.url.host, ec.message()));
            }
            self->stream->async_connect(results, [self](beast::error_code connect_ec, const tcp::endpoint&) {
              if (connect_ec) {
                return self->batch->fail(self->describe("cannot connect to", connect_ec));
              }
              self->send();
            });
          });
    }

    std::string describe(std::string_view what, const beast::error_code& ec) const {
      if (ec == beast::error::timeout) {
        return fmt::format("the backend {}:{} did not answer within {} ms", client.url.host, client.url.port,
                           client.timeout.count());
      }
      return fmt::format("{} the backend {}:{}: {}", what, client.url.host, client.url.port, ec.message());
    }

    void send() {
      stream->expires_at(batch->deadline);
      http::async_write(*stream, request, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) {
          return self->retry_or_fail(ec);
        }
        self->parser.emplace();
        self->parser->body_limit(kMaxResponseBytes);
        http::async_read(*self->stream, self->buffer, *self->parser,
                         [self](beast::error_code read_ec, std::size_t) { self->received(read_ec); });
      });
    }

    void retry_or_fail(const beast::error_code& ec) {
      const bool closed_meanwhile = reused && ec != beast::error::timeout;
      if (closed_meanwhile && !batch->finished) {
        stream.reset();
        buffer.clear();
        client.idle.clear();  // the others are likely as old
        start();
        return;
      }
      batch->fail(describe("lost the connection to", ec));
    }

    void received(const beast::error_code& ec) {
      if (ec) {
        return retry_or_fail(ec);
      }
      auto response = parser->release();
      if (response.keep_alive() && client.idle.size() < client.max_idle) {
        client.idle.push_back(std::move(stream));
      }
      if (response.result() != http::status::ok) {
        std::string snippet = response.body().substr(0, 200);
        return batch->fail(fmt::format("the backend answered HTTP {}: {}", response.result_int(), snippet));
      }
      batch->succeed(index, std::move(response.body()));
    }
  };

  BackendUrl url;
  std::chrono::milliseconds timeout;
  std::size_t max_idle;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::vector<std::unique_ptr<beast::tcp_stream>> idle;  // touched on the client's thread only
  std::thread thread;
};

QueryClient::QueryClient(BackendUrl url, std::chrono::milliseconds timeout, std::size_t max_idle_connections)
    : url_(url), impl_(std::make_unique<Impl>(url_, timeout, max_idle_connections)) {}

QueryClient::~QueryClient() = default;

void QueryClient::get_all(std::vector<std::string> targets, Done done) {
  asio::post(impl_->io, [impl = impl_.get(), targets = std::move(targets), done = std::move(done)]() mutable {
    auto batch = std::make_shared<Impl::Batch>();
    batch->done = std::move(done);
    batch->bodies.resize(targets.size());
    batch->remaining = targets.size();
    batch->deadline = std::chrono::steady_clock::now() + impl->timeout;
    if (targets.empty()) {
      batch->finished = true;
      batch->done(Bodies{});
      return;
    }
    for (std::size_t i = 0; i < targets.size(); ++i) {
      std::make_shared<Impl::Exchange>(*impl, batch, i, targets[i])->start();
    }
  });
}

}  // namespace syncmon::backend
