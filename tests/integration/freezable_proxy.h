// A loopback TCP proxy whose existing connections can be frozen: bytes stop flowing but the
// sockets stay open — a silently dead network path, which only heartbeats can reveal.
#pragma once
#include <boost/asio.hpp>

#include <atomic>
#include <memory>
#include <thread>

namespace ghostcut::testing {

class FreezableProxy {
 public:
  FreezableProxy(std::string upstream_host, std::uint16_t upstream_port)
      : acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        upstream_(boost::asio::ip::make_address(upstream_host), upstream_port) {
    boost::asio::co_spawn(ioc_, accept_loop(), boost::asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~FreezableProxy() {
    ioc_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // Freezes every connection accepted so far; later ones flow normally.
  void freeze_existing() { frozen_below_ = generation_.load(); }
  int connections() const { return generation_.load(); }

 private:
  using tcp = boost::asio::ip::tcp;

  boost::asio::awaitable<void> accept_loop() {
    for (;;) {
      auto client = std::make_shared<tcp::socket>(co_await acceptor_.async_accept(boost::asio::use_awaitable));
      auto server = std::make_shared<tcp::socket>(ioc_);
      boost::system::error_code ec;
      server->connect(upstream_, ec);
      if (ec) continue;
      const int gen = ++generation_;
      boost::asio::co_spawn(ioc_, pump(client, server, gen), boost::asio::detached);
      boost::asio::co_spawn(ioc_, pump(server, client, gen), boost::asio::detached);
    }
  }
  boost::asio::awaitable<void> pump(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to, int gen) {
    std::array<char, 16384> buf{};
    try {
      for (;;) {
        std::size_t n = co_await from->async_read_some(boost::asio::buffer(buf), boost::asio::use_awaitable);
        if (gen <= frozen_below_.load()) {
          // Frozen: swallow everything, keep both sockets open.
          continue;
        }
        co_await boost::asio::async_write(*to, boost::asio::buffer(buf.data(), n), boost::asio::use_awaitable);
      }
    } catch (...) {
      boost::system::error_code ec;
      if (gen > frozen_below_.load()) to->close(ec);
    }
  }

  boost::asio::io_context ioc_;
  tcp::acceptor acceptor_;
  tcp::endpoint upstream_;
  std::atomic<int> generation_{0};
  std::atomic<int> frozen_below_{0};
  std::thread thread_;
};

}  // namespace ghostcut::testing
