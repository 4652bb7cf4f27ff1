#include "engine/metrics/metrics_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "engine/metrics/prometheus_format.h"
#include "support/http_get.h"

using namespace ghostcut::engine;
using namespace ghostcut::test;

namespace {

// An io_context on its own thread, as in the binary (one io thread).
class MetricsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    servers_.clear();  // stop() posts to the io thread, which still runs
    work_.reset();
    io_.stop();
    thread_.join();
  }
  MetricsServer& make(std::function<std::string()> body, std::uint16_t port = 0, std::string address = "127.0.0.1") {
    servers_.push_back(
        std::make_unique<MetricsServer>(io_.get_executor(), std::move(address), port, std::move(body), nullptr));
    return *servers_.back();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread thread_;
  std::vector<std::unique_ptr<MetricsServer>> servers_;
};

// Listening sockets on `port` from /proc/net/tcp: the local addresses, as hex "ADDR:PORT".
std::vector<std::string> listeners_on(std::uint16_t port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::vector<std::string> out;
  char want[8];
  std::snprintf(want, sizeof want, ":%04X", port);
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string slot, local, remote, state;
    ls >> slot >> local >> remote >> state;
    if (state == "0A" && local.ends_with(want)) out.push_back(local);  // 0A = LISTEN
  }
  return out;
}

}  // namespace

TEST_F(MetricsServerTest, ServesMetricsAndTheBodyMoves) {
  std::atomic<int> scrapes{0};
  auto& server = make([&] {
    MetricsSnapshot s;
    s.database = "db";
    s.table = "t";
    s.rows_copied = static_cast<std::uint64_t>(++scrapes) * 100;
    return format_prometheus(s);
  });
  EXPECT_EQ(server.port(), 0);
  server.start();
  ASSERT_NE(server.port(), 0);

  auto first = http_get(server.port(), "/metrics");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(first->headers["connection"], "close");
  EXPECT_EQ(first->headers["content-length"], std::to_string(first->body.size()));
  EXPECT_NE(first->body.find("ghostcut_rows_copied_total{database=\"db\",table=\"t\"} 100\n"), std::string::npos)
      << first->body;

  auto second = http_get(server.port(), "/metrics?x=1");  // a query string is ignored
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_NE(second->body.find("ghostcut_rows_copied_total{database=\"db\",table=\"t\"} 200\n"), std::string::npos)
      << second->body;
  EXPECT_EQ(scrapes.load(), 2);
}

TEST_F(MetricsServerTest, StatusCodes) {
  auto& server = make([] { return std::string("m 1\n"); });
  server.start();
  struct Case {
    const char* name;
    std::string request;
    int status;
    bool has_body;
  };
  const std::vector<Case> cases{
      {"get", "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200, true},
      {"http/1.0", "GET /metrics HTTP/1.0\r\n\r\n", 200, true},
      {"head", "HEAD /metrics HTTP/1.1\r\n\r\n", 200, false},
      {"other path", "GET / HTTP/1.1\r\n\r\n", 404, true},
      {"prefix path", "GET /metricsx HTTP/1.1\r\n\r\n", 404, true},
      {"post", "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405, true},
      {"delete", "DELETE /metrics HTTP/1.1\r\n\r\n", 405, true},
      {"garbage", "hello\r\n\r\n", 400, true},
      {"not http", "GET /metrics SPDY/3\r\n\r\n", 400, true},
      {"headers too large", "GET /metrics HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n", 431, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto reply = http_request(server.port(), c.request);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, c.status) << reply->raw;
    EXPECT_EQ(reply->body.empty(), !c.has_body) << reply->raw;
    if (c.status == 200) {
      EXPECT_EQ(reply->headers["content-length"], "4");
    }
    if (c.status == 405) {
      EXPECT_EQ(reply->headers["allow"], "GET, HEAD");
    }
  }
}

TEST_F(MetricsServerTest, ManyClientsAtOnce) {
  auto& server = make([] { return std::string("m 1\n"); });
  server.start();
  // All connect first, then all ask: the server must not serve one client at a time to the end.
  std::vector<int> fds;
  for (int i = 0; i < 20; ++i) {
    int fd = http_connect(server.port());
    ASSERT_GE(fd, 0);
    fds.push_back(fd);
  }
  for (auto it = fds.rbegin(); it != fds.rend(); ++it) ASSERT_TRUE(http_send_all(*it, "GET /metrics HTTP/1.1\r\n\r\n"));
  for (int fd : fds) {
    auto reply = http_read_reply(fd);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, "m 1\n");
  }
}

TEST_F(MetricsServerTest, BoundToLoopbackOnly) {
  auto& server = make([] { return std::string("m 1\n"); });
  server.start();
  const auto listeners = listeners_on(server.port());
  ASSERT_EQ(listeners.size(), 1u);
  EXPECT_EQ(listeners[0].substr(0, 8), "0100007F");  // 127.0.0.1, little-endian hex
}

TEST_F(MetricsServerTest, PortInUseIsAClearError) {
  auto& first = make([] { return std::string(); });
  first.start();
  auto& second = make([] { return std::string(); }, first.port());
  try {
    second.start();
    FAIL() << "a second listener on the same port started";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("127.0.0.1:" + std::to_string(first.port())), std::string::npos) << what;
    EXPECT_NE(what.find("in use"), std::string::npos) << what;
  }
}

TEST_F(MetricsServerTest, BadAddressIsAClearError) {
  for (const char* address : {"not-an-ip", "", "127.0.0.1:80", "999.1.1.1"}) {
    SCOPED_TRACE(address);
    auto& server = make([] { return std::string(); }, 0, address);
    try {
      server.start();
      FAIL() << "started on a bad address";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("bad bind address"), std::string::npos) << e.what();
    }
  }
}

TEST_F(MetricsServerTest, BodyThatThrowsGives500AndServerLives) {
  std::atomic<bool> fail{true};
  auto& server = make([&]() -> std::string {
    if (fail) throw std::runtime_error("boom");
    return "m 1\n";
  });
  server.start();
  auto bad = http_get(server.port(), "/metrics");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 500);
  fail = false;
  auto good = http_get(server.port(), "/metrics");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
}

TEST_F(MetricsServerTest, StopClosesListenerAndIdleConnections) {
  auto& server = make([] { return std::string("m 1\n"); });
  server.start();
  const auto port = server.port();
  int idle = http_connect(port);  // connected, never sends a request
  ASSERT_GE(idle, 0);
  server.stop();
  server.stop();  // idempotent
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  bool refused = false;
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    int fd = http_connect(port);
    if (fd < 0) refused = true;
    else {
      ::close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  EXPECT_TRUE(refused);
  // The server dropped the idle connection: EOF, or a reset if it was still in the accept
  // queue when the listener closed — but not the client's 5 s receive timeout.
  char c;
  const ssize_t n = ::recv(idle, &c, 1, 0);
  EXPECT_TRUE(n == 0 || (n < 0 && errno == ECONNRESET)) << n << " " << std::strerror(errno);
  ::close(idle);
}
