#include "engine/metrics/metrics_server.h"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>
#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <list>
#include <stdexcept>
#include <string_view>

#include "engine/metrics/prometheus_format.h"

namespace ghostcut::engine {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// A client that connects and says nothing must not hold a socket forever.
constexpr std::chrono::seconds kRequestTimeout{10};
// More concurrent scrapers than this is a misconfiguration or an attack: refuse the extra ones.
constexpr std::size_t kMaxConnections = 64;
constexpr std::size_t kMaxDrainBytes = 64 * 1024;

struct Response {
  int status;
  std::string_view reason;
  std::string content_type;
  std::string body;
  std::string extra_headers;
  bool head_only = false;
};

std::string render(const Response& r) {
  std::string out =
      fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n", r.status,
                  r.reason, r.content_type, r.body.size(), r.extra_headers);
  if (!r.head_only) out += r.body;
  return out;
}

Response plain(int status, std::string_view reason, std::string body, std::string extra = {}) {
  return Response{status, reason, "text/plain; charset=utf-8", std::move(body), std::move(extra)};
}

}  // namespace

struct MetricsServer::State {
  asio::any_io_executor executor;
  std::string bind_address;
  std::uint16_t requested_port;
  std::function<std::string()> body;
  std::shared_ptr<spdlog::logger> log;
  tcp::acceptor acceptor;
  std::list<std::shared_ptr<tcp::socket>> connections;  // touched only on the executor
  std::atomic<std::uint16_t> bound_port{0};
  std::atomic<bool> stopped{false};

  State(asio::any_io_executor ex, std::string address, std::uint16_t port, std::function<std::string()> b,
        std::shared_ptr<spdlog::logger> l)
      : executor(ex),
        bind_address(std::move(address)),
        requested_port(port),
        body(std::move(b)),
        log(std::move(l)),
        acceptor(ex) {}

  Response respond(std::string_view request) {
    // Request line: METHOD SP TARGET SP HTTP/x.y
    const std::string_view line = request.substr(0, request.find("\r\n"));
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || !line.substr(sp2 + 1).starts_with("HTTP/1."))
      return plain(400, "Bad Request", "bad request\n");
    const std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    target = target.substr(0, target.find('?'));
    if (target != "/metrics") return plain(404, "Not Found", "not found: try /metrics\n");
    if (method != "GET" && method != "HEAD")
      return plain(405, "Method Not Allowed", "method not allowed\n", "Allow: GET, HEAD\r\n");
    Response r{200, "OK", std::string(kPrometheusContentType), {}, {}, method == "HEAD"};
    try {
      r.body = body();
    } catch (const std::exception& e) {
      log->warn("metrics: building the response failed: {}", e.what());
      return plain(500, "Internal Server Error", "metrics unavailable\n");
    }
    return r;
  }

  // Coroutines take the state by shared_ptr parameter: the frame owns it from creation on.
  static asio::awaitable<void> serve(std::shared_ptr<State> self, std::shared_ptr<tcp::socket> socket) {
    auto& connections = self->connections;
    // Accepted just before stop(): close_all() has not seen this one, so it ends here.
    if (self->stopped) co_return;
    auto it = connections.insert(connections.end(), socket);
    auto& log = self->log;
    asio::steady_timer timeout(self->executor, kRequestTimeout);
    timeout.async_wait([socket](boost::system::error_code ec) {
      if (!ec) socket->close(ec);
    });
    try {
      std::string request;
      Response response;
      try {
        co_await asio::async_read_until(*socket, asio::dynamic_buffer(request, kMaxRequestHeaderBytes), "\r\n\r\n",
                                        asio::use_awaitable);
        response = self->respond(request);
      } catch (const boost::system::system_error& e) {
        // read_until reports a full buffer as not_found.
        if (e.code() != asio::error::not_found) throw;
        response = plain(431, "Request Header Fields Too Large", "request headers too large\n");
      }
      co_await asio::async_write(*socket, asio::buffer(render(response)), asio::use_awaitable);
      // Lingering close: closing with unread request bytes would send a RST that can destroy
      // the reply in the client's buffers. Say we are done, then drain until the client closes
      // (bounded by the timeout and a byte cap).
      boost::system::error_code ec;
      socket->shutdown(tcp::socket::shutdown_send, ec);
      std::array<char, 4096> sink;
      std::size_t drained = 0;
      while (!ec && drained < kMaxDrainBytes) {
        drained += co_await socket->async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
      }
    } catch (const boost::system::system_error& e) {
      log->debug("metrics: connection ended: {}", e.code().message());
    }
    timeout.cancel();
    boost::system::error_code ec;
    socket->close(ec);
    connections.erase(it);
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<State> self) {
    auto& log = self->log;
    auto& connections = self->connections;
    while (!self->stopped) {
      auto socket = std::make_shared<tcp::socket>(self->executor);
      try {
        co_await self->acceptor.async_accept(*socket, asio::use_awaitable);
      } catch (const boost::system::system_error& e) {
        if (self->stopped || e.code() == asio::error::operation_aborted) break;
        log->warn("metrics: accept failed: {}", e.code().message());
        continue;
      }
      if (self->stopped) break;
      if (connections.size() >= kMaxConnections) {
        log->warn("metrics: {} connections open, refusing another", connections.size());
        continue;  // the socket closes as it goes out of scope
      }
      asio::co_spawn(self->executor, serve(self, std::move(socket)), asio::detached);
    }
  }

  void close_all() {
    boost::system::error_code ec;
    acceptor.close(ec);
    for (auto& s : connections) s->close(ec);
  }
};

MetricsServer::MetricsServer(asio::any_io_executor executor, std::string bind_address, std::uint16_t port,
                             std::function<std::string()> body, std::shared_ptr<spdlog::logger> logger)
    : state_(std::make_shared<State>(executor, std::move(bind_address), port, std::move(body),
                                     logger ? std::move(logger) : spdlog::default_logger())) {}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::start() {
  State& s = *state_;
  const std::string where = fmt::format("{}:{}", s.bind_address, s.requested_port);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(s.bind_address, ec);
  if (ec) throw std::runtime_error(fmt::format("metrics: bad bind address '{}': {}", s.bind_address, ec.message()));
  const tcp::endpoint endpoint(address, s.requested_port);
  // SO_REUSEADDR lets a restart bind past TIME_WAIT; on Linux it never shares a live listener.
  if (s.acceptor.open(endpoint.protocol(), ec) || s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec) ||
      s.acceptor.bind(endpoint, ec) || s.acceptor.listen(asio::socket_base::max_listen_connections, ec)) {
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    throw std::runtime_error(fmt::format("metrics: cannot listen on {}: {}", where, ec.message()));
  }
  s.bound_port = s.acceptor.local_endpoint().port();
  s.log->info("metrics: serving http://{}:{}/metrics", s.bind_address, s.bound_port.load());
  asio::post(s.executor, [state = state_] {
    if (!state->stopped) asio::co_spawn(state->executor, State::accept_loop(state), asio::detached);
  });
}

void MetricsServer::stop() {
  if (state_->stopped.exchange(true)) return;
  asio::post(state_->executor, [state = state_] { state->close_all(); });
}

std::uint16_t MetricsServer::port() const { return state_->bound_port; }

}  // namespace ghostcut::engine
