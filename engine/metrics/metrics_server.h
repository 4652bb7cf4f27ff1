// MetricsServer: a minimal HTTP/1.1 endpoint for Prometheus, on the caller's Asio executor (the
// one io_context thread, DESIGN §4). GET /metrics → 200 with body(); other paths 404; other
// methods 405; request headers over 8 KiB 431; one request per connection (Connection: close).
// body() runs on the executor's thread for every scrape: keep it cheap and thread-safe.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

class MetricsServer {
 public:
  static constexpr std::size_t kMaxRequestHeaderBytes = 8 * 1024;

  // bind_address: loopback unless the operator says otherwise; port 0 picks a free port.
  MetricsServer(boost::asio::any_io_executor executor, std::string bind_address, std::uint16_t port,
                std::function<std::string()> body, std::shared_ptr<spdlog::logger> logger);
  // Calls stop(). Destroy it before the io_context it runs on.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds and listens now (so a busy port or a bad address throws std::runtime_error naming
  // them, before the migration starts), then serves on the executor. Call once.
  void start();
  // Closes the listener and open connections (on the executor). Thread-safe; idempotent.
  void stop();
  // The bound port (the real one when 0 was asked for); 0 before start().
  std::uint16_t port() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace ghostcut::engine
