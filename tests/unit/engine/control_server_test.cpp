// ControlServer over real sockets (unix and TCP), with the real command handler and RuntimeSettings.
#include "engine/control/control_server.h"
#include "support/temp_dir.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/sinks/null_sink.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace ghostcut::engine;
namespace asio = boost::asio;
using namespace std::chrono_literals;

// A blocking client on a raw socket; every read is bounded so a broken server fails the test, not hangs it.
class Client {
 public:
  static Client unix_socket(const std::string& path) {
    Client c(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
    c.connected_ = ::connect(c.fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    c.connect_errno_ = c.connected_ ? 0 : errno;
    return c;
  }
  static Client tcp(const char* address, std::uint16_t port) {
    Client c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    ::inet_pton(AF_INET, address, &sa.sin_addr);
    c.connected_ = ::connect(c.fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    c.connect_errno_ = c.connected_ ? 0 : errno;
    return c;
  }
  Client(Client&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)), connected_(o.connected_), connect_errno_(o.connect_errno_) {}
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  int connect_errno() const { return connect_errno_; }
  int fd() const { return fd_; }

  void send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void shut_write() { ::shutdown(fd_, SHUT_WR); }

  // Up to and including the next "\n"; whatever came when the deadline passed or EOF arrived.
  std::string read_line(std::chrono::milliseconds timeout = 5s) {
    return read_until([](const std::string& s) { return s.find('\n') != std::string::npos; }, timeout, true);
  }
  // Until EOF (or the deadline).
  std::string read_all(std::chrono::milliseconds timeout = 5s) {
    return read_until([](const std::string&) { return false; }, timeout, false);
  }
  bool saw_eof() const { return eof_; }
  // True while the server keeps the connection open (no EOF within `wait`).
  bool still_open(std::chrono::milliseconds wait = 50ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) == 0) return true;
    char c;
    return ::recv(fd_, &c, 1, MSG_PEEK) > 0;
  }

 private:
  explicit Client(int fd) : fd_(fd) {}
  template <typename Done>
  std::string read_until(Done done, std::chrono::milliseconds timeout, bool one_line) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (one_line) {
        const auto nl = pending_.find('\n');
        if (nl != std::string::npos) {
          std::string line = pending_.substr(0, nl + 1);
          pending_.erase(0, nl + 1);
          return line;
        }
      } else if (done(pending_)) {
        break;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms || eof_) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[8192];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      pending_.append(buf, static_cast<std::size_t>(n));
    }
    return std::exchange(pending_, {});
  }

  int fd_ = -1;
  bool connected_ = false;
  int connect_errno_ = 0;
  bool eof_ = false;
  std::string pending_;
};

std::shared_ptr<spdlog::logger> quiet_logger() {
  return std::make_shared<spdlog::logger>("control-test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ghostcut::test::make_temp_dir("gc-ctl");
    ASSERT_FALSE(dir_.empty());
    path_ = dir_ + "/c.sock";
  }
  void TearDown() override {
    servers_.clear();  // stop() + close every client
    stop_io();
    std::filesystem::remove_all(dir_);
  }

  ControlLineHandler handler() {
    return [this](std::string_view line) { return handle_command_line(line, settings_, table_); };
  }
  ControlServer& make_server(ControlServerConfig config, ControlLineHandler h = {}) {
    servers_.push_back(
        std::make_unique<ControlServer>(io_.get_executor(), std::move(config), h ? h : handler(), quiet_logger()));
    return *servers_.back();
  }
  ControlServer& start_unix() {
    auto& s = make_server({path_, std::nullopt, "127.0.0.1"});
    s.start();
    return s;
  }
  void run_io() {
    io_thread_ = std::thread([this] { io_.run(); });
  }
  // Once the servers are gone their coroutines end, so run() returns; a hang is a failure.
  void stop_io() {
    guard_.reset();
    if (!io_thread_.joinable()) return;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!io_.stopped() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    EXPECT_TRUE(io_.stopped()) << "connection coroutines still running after the server was destroyed";
    io_.stop();
    io_thread_.join();
  }

  RuntimeSettings settings_;
  std::string table_ = "orders";
  std::string dir_, path_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
  std::thread io_thread_;
  std::vector<std::unique_ptr<ControlServer>> servers_;
};

// What the handler answers for `lines`, framed as the server frames it: the expected wire text.
std::string expected_wire(const std::vector<std::string>& lines, const std::string& table) {
  RuntimeSettings model;
  std::string out;
  for (const auto& l : lines) {
    std::string line = l;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto r = handle_command_line(line, model, table);
    out += (r.ok ? "" : "ERROR: ") + r.text + "\n";
  }
  return out;
}

TEST_F(ControlServerTest, AnswersALineAndChangesTheSetting) {
  start_unix();
  run_io();
  const auto old = settings_.chunk_size();
  ASSERT_NE(old, 500u);
  auto c = Client::unix_socket(path_);
  ASSERT_TRUE(c.connected()) << std::strerror(c.connect_errno());
  c.send("chunk-size=500\n");
  const std::string reply = c.read_line();
  EXPECT_EQ(reply.rfind("chunk-size: ", 0), 0u) << reply;
  EXPECT_NE(reply.find("-> 500\n"), std::string::npos) << reply;
  EXPECT_EQ(settings_.chunk_size(), 500u);
  EXPECT_TRUE(c.still_open()) << "the connection stays open for more commands";
}

TEST_F(ControlServerTest, SeveralLinesOnOneConnectionAnsweredInOrder) {
  struct Case {
    std::string name;
    std::vector<std::string> lines;
  };
  const std::vector<Case> cases = {
      {"settings", {"chunk-size=500", "threads=4", "dml-batch-size=20", "chunk-size=?", "threads=?"}},
      {"crlf and empty lines", {"threads=3\r", "", "\r", "nice-ratio=0.5\r", "threads=?"}},
      {"errors interleaved", {"threads=2", "bogus", "threads=0", "threads=?", "max-load=Threads_running=30"}},
  };
  start_unix();
  run_io();
  std::vector<std::string> history;  // every case starts from the state the previous ones left
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    std::string payload;
    for (const auto& l : tc.lines) payload += l + "\n";
    auto c = Client::unix_socket(path_);
    ASSERT_TRUE(c.connected());
    c.send(payload);  // one write: the server must split it into lines itself
    c.shut_write();
    const std::string before = expected_wire(history, table_);
    history.insert(history.end(), tc.lines.begin(), tc.lines.end());
    const std::string all = expected_wire(history, table_);
    EXPECT_EQ(c.read_all(), all.substr(before.size()));
    EXPECT_TRUE(c.saw_eof()) << "the server closes after the client's EOF";
  }
  EXPECT_EQ(settings_.threads(), 2u);
  EXPECT_EQ(settings_.chunk_size(), 500u);
  EXPECT_EQ(settings_.max_load(), (LoadMap{{"Threads_running", 30}}));
}

TEST_F(ControlServerTest, LastLineWithoutNewlineIsAnsweredAtEof) {
  start_unix();
  run_io();
  auto c = Client::unix_socket(path_);
  c.send("threads=7");
  c.shut_write();
  EXPECT_EQ(c.read_all(), expected_wire({"threads=7"}, table_));
  EXPECT_EQ(settings_.threads(), 7u);
}

TEST_F(ControlServerTest, ConcurrentClientsAnsweredWhileAnotherIdles) {
  start_unix();
  run_io();
  auto idle = Client::unix_socket(path_);
  ASSERT_TRUE(idle.connected());
  idle.send("threads=");  // half a line: the server waits for the rest on this connection only
  constexpr int kClients = 4;
  std::vector<std::future<std::string>> replies;
  for (int i = 0; i < kClients; ++i) {
    replies.push_back(std::async(std::launch::async, [this, i] {
      auto c = Client::unix_socket(path_);
      c.send("dml-batch-size=" + std::to_string(10 + i) + "\ndml-batch-size=?\n");
      return c.read_line() + c.read_line();
    }));
  }
  for (int i = 0; i < kClients; ++i) {
    SCOPED_TRACE(i);
    const std::string r = replies[i].get();
    EXPECT_NE(r.find("dml-batch-size: "), std::string::npos) << r;
    EXPECT_NE(r.find("-> " + std::to_string(10 + i) + "\n"), std::string::npos) << r;
    EXPECT_EQ(r.find("ERROR"), std::string::npos) << r;
  }
  EXPECT_TRUE(idle.still_open());
  idle.send("?\n");
  EXPECT_EQ(idle.read_line(), expected_wire({"threads=?"}, table_));
}

TEST_F(ControlServerTest, MalformedCommandAnswersErrorAndChangesNothing) {
  const std::vector<std::string> bad = {"chunk-size=abc",
                                        "chunk-size=5",
                                        "threads=0",
                                        "threads=65",
                                        "frobnicate",
                                        "nice-ratio=-1",
                                        "max-load=Threads_running",
                                        "panic=wrong_table",
                                        "panic",
                                        "throttle-query=DELETE FROM t",
                                        "status=1"};
  start_unix();
  run_io();
  const auto before = settings_.snapshot();
  auto c = Client::unix_socket(path_);
  for (const auto& line : bad) {
    SCOPED_TRACE(line);
    c.send(line + "\n");
    const std::string reply = c.read_line();
    EXPECT_EQ(reply.rfind("ERROR: ", 0), 0u) << reply;
    EXPECT_EQ(reply.back(), '\n');
    EXPECT_EQ(reply.find('\n'), reply.size() - 1) << "one line per error";
  }
  const auto after = settings_.snapshot();
  EXPECT_EQ(after.version, before.version);
  EXPECT_EQ(after.chunk_size, before.chunk_size);
  EXPECT_EQ(after.threads, before.threads);
  EXPECT_EQ(after.nice_ratio, before.nice_ratio);
  EXPECT_EQ(after.max_load, before.max_load);
  EXPECT_EQ(after.throttle_query, before.throttle_query);
  EXPECT_FALSE(after.panic);
}

TEST_F(ControlServerTest, HandlerExceptionBecomesAnErrorReply) {
  auto& s = make_server({path_, std::nullopt, "127.0.0.1"}, [](std::string_view line) -> CommandReply {
    if (line == "boom") throw std::runtime_error("kaboom");
    return {true, std::string(line)};
  });
  s.start();
  run_io();
  auto c = Client::unix_socket(path_);
  c.send("boom\nafter\n");
  EXPECT_EQ(c.read_line(), "ERROR: internal error: kaboom\n");
  EXPECT_EQ(c.read_line(), "after\n");
}

TEST_F(ControlServerTest, SocketFileIsPrivateAndRemovedOnStopOrDestruction) {
  for (const bool destroy : {false, true}) {
    SCOPED_TRACE(destroy ? "destroyed" : "stop()");
    if (!io_thread_.joinable()) run_io();
    auto& s = start_unix();
    struct stat st {};
    ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    auto c = Client::unix_socket(path_);
    c.send("threads=?\n");
    EXPECT_EQ(c.read_line(), expected_wire({"threads=?"}, table_));
    if (destroy) servers_.clear();
    else s.stop();
    EXPECT_NE(::lstat(path_.c_str(), &st), 0) << "socket file still there";
    EXPECT_EQ(errno, ENOENT);
    // The connected client is closed too.
    c.read_all(2s);
    EXPECT_TRUE(c.saw_eof());
    EXPECT_FALSE(Client::unix_socket(path_).connected());
    servers_.clear();
  }
}

TEST_F(ControlServerTest, StaleSocketFileIsReplaced) {
  {  // A socket file whose process is gone: bound, never listened, closed.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path_.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ::close(fd);
  }
  struct stat st {};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  start_unix();
  run_io();
  auto c = Client::unix_socket(path_);
  ASSERT_TRUE(c.connected());
  c.send("threads=?\n");
  EXPECT_EQ(c.read_line(), expected_wire({"threads=?"}, table_));
}

TEST_F(ControlServerTest, StartRefusesWithAClearError) {
  struct Case {
    std::string name;
    std::function<ControlServerConfig()> setup;  // prepares the situation, returns the config
    std::string message;                         // expected in what()
  };
  const std::string long_path = dir_ + "/" + std::string(120, 'x') + ".sock";
  const std::vector<Case> cases = {
      {"live server on the path",
       [&] {
         start_unix();
         return ControlServerConfig{path_, std::nullopt, "127.0.0.1"};
       },
       "another ghostcut is serving " + path_},
      {"path is a regular file",
       [&] {
         std::ofstream(dir_ + "/plain") << "keep me";
         return ControlServerConfig{dir_ + "/plain", std::nullopt, "127.0.0.1"};
       },
       dir_ + "/plain exists and is not a socket"},
      {"path too long for sun_path",
       [&] {
         return ControlServerConfig{long_path, std::nullopt, "127.0.0.1"};
       },
       "must be shorter than 108 bytes"},
      {"directory missing",
       [&] {
         return ControlServerConfig{dir_ + "/nope/c.sock", std::nullopt, "127.0.0.1"};
       },
       "cannot create control socket " + dir_ + "/nope/c.sock: No such file or directory"},
      {"bad TCP bind address",
       [&] {
         return ControlServerConfig{"", 0, "localhost-ish"};
       },
       "'localhost-ish' is not an IP address"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    auto& s = make_server(tc.setup());
    try {
      s.start();
      ADD_FAILURE() << "start() succeeded";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(tc.message), std::string::npos) << e.what();
    }
  }
  // The refusals destroyed nothing: the live server's socket and the regular file are intact.
  run_io();
  auto c = Client::unix_socket(path_);
  ASSERT_TRUE(c.connected());
  c.send("threads=?\n");
  EXPECT_EQ(c.read_line(), expected_wire({"threads=?"}, table_));
  std::ifstream plain(dir_ + "/plain");
  std::string kept;
  std::getline(plain, kept);
  EXPECT_EQ(kept, "keep me");
}

TEST_F(ControlServerTest, StartingTwiceIsALogicError) {
  auto& s = start_unix();
  EXPECT_THROW(s.start(), std::logic_error);
  run_io();
  auto c = Client::unix_socket(path_);
  c.send("threads=?\n");
  EXPECT_EQ(c.read_line(), expected_wire({"threads=?"}, table_)) << "the first start still serves";
}

TEST_F(ControlServerTest, UnwritableDirectoryIsRefused) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes anywhere; the missing-directory case covers bind errors";
  const std::string ro = dir_ + "/ro";
  ASSERT_EQ(::mkdir(ro.c_str(), 0500), 0);
  auto& s = make_server({ro + "/c.sock", std::nullopt, "127.0.0.1"});
  try {
    s.start();
    ADD_FAILURE() << "start() succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("Permission denied"), std::string::npos) << e.what();
  }
  ::chmod(ro.c_str(), 0700);
}

TEST_F(ControlServerTest, TcpOnAnEphemeralLoopbackPort) {
  auto& s = make_server({"", 0, "127.0.0.1", "0123456789abcdef0123"});
  s.start();
  run_io();
  const std::uint16_t port = s.tcp_port();
  ASSERT_NE(port, 0);
  auto c = Client::tcp("127.0.0.1", port);
  ASSERT_TRUE(c.connected()) << std::strerror(c.connect_errno());
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  ASSERT_EQ(::getpeername(c.fd(), reinterpret_cast<sockaddr*>(&peer), &len), 0);
  char text[INET_ADDRSTRLEN];
  EXPECT_STREQ(::inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text), "127.0.0.1");
  c.send("chunk-size=1000\n");  // no token yet: refused, nothing changed
  EXPECT_EQ(c.read_line().rfind("ERROR: this command changes the migration", 0), 0u);
  EXPECT_NE(settings_.chunk_size(), 1000u);
  c.send("auth 0123456789abcdef0123\n");
  EXPECT_EQ(c.read_line(), "ok: authenticated\n");
  c.send("chunk-size=1000\n");
  EXPECT_NE(c.read_line().find("-> 1000\n"), std::string::npos);
  EXPECT_EQ(settings_.chunk_size(), 1000u);
  // Bound to 127.0.0.1 only, not every address: another loopback address is refused.
  auto other = Client::tcp("127.0.0.2", port);
  EXPECT_FALSE(other.connected());
  EXPECT_EQ(other.connect_errno(), ECONNREFUSED);
  EXPECT_TRUE(s.socket_path().empty());
}

TEST_F(ControlServerTest, TcpPortInUseIsRefused) {
  auto& first = make_server({"", 0, "127.0.0.1"});
  first.start();
  auto& second = make_server({path_, first.tcp_port(), "127.0.0.1"});
  try {
    second.start();
    ADD_FAILURE() << "start() succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(first.tcp_port())),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
  struct stat st {};
  EXPECT_NE(::lstat(path_.c_str(), &st), 0) << "a failed start leaves no socket file behind";
}

TEST_F(ControlServerTest, OverlongLineGetsAnErrorAndTheConnectionCloses) {
  start_unix();
  run_io();
  {  // Exactly at the limit: an ordinary (unknown-command) error, and the connection goes on.
    auto c = Client::unix_socket(path_);
    c.send(std::string(kMaxControlLineBytes, 'a') + "\n");
    EXPECT_EQ(c.read_line().rfind("ERROR: unknown command", 0), 0u);
    c.send("threads=?\n");
    EXPECT_EQ(c.read_line(), expected_wire({"threads=?"}, table_));
  }
  {  // One byte over, even with no newline yet: refused and closed.
    auto c = Client::unix_socket(path_);
    c.send(std::string(kMaxControlLineBytes + 1, 'a'));
    const std::string reply = c.read_all();
    EXPECT_EQ(reply, "ERROR: line longer than 65536 bytes; closing the connection\n");
    EXPECT_TRUE(c.saw_eof());
  }
  auto c = Client::unix_socket(path_);
  c.send("threads=?\n");
  EXPECT_EQ(c.read_line(), expected_wire({"threads=?"}, table_)) << "the server still serves";
}

TEST_F(ControlServerTest, ClientVanishingMidReplyDoesNotHurtTheServer) {
  auto& s = make_server({path_, 0, "127.0.0.1"});
  s.start();
  run_io();
  std::string flood;
  for (int i = 0; i < 3000; ++i) flood += "help\n";  // megabytes of replies nobody reads
  for (const bool tcp : {false, true}) {
    SCOPED_TRACE(tcp ? "tcp" : "unix");
    {
      auto c = tcp ? Client::tcp("127.0.0.1", s.tcp_port()) : Client::unix_socket(path_);
      ASSERT_TRUE(c.connected());
      timeval one_second{1, 0};  // the server stops reading while its replies back up
      ::setsockopt(c.fd(), SOL_SOCKET, SO_SNDTIMEO, &one_second, sizeof one_second);
      try {
        c.send(flood);
      } catch (const std::runtime_error&) {
        // The send buffer filled while the server blocked on its replies: fine, we leave anyway.
      }
      linger hard{1, 0};  // close with RST on TCP
      ::setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    auto c = tcp ? Client::tcp("127.0.0.1", s.tcp_port()) : Client::unix_socket(path_);
    c.send("threads=?\n");
    EXPECT_EQ(c.read_line(), expected_wire({"threads=?"}, table_));
  }
}

TEST(DefaultSocketPath, FollowsGhostStyleInAPrivateDirectory) {
  struct Case {
    std::string db, table, want;
  };
  ::setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
  EXPECT_EQ(default_socket_path("shop", "orders"), "/run/user/1000/ghostcut/ghostcut.shop.orders.sock");
  ::unsetenv("XDG_RUNTIME_DIR");
  const std::string dir = "/tmp/ghostcut-" + std::to_string(::geteuid());
  for (const auto& tc : std::vector<Case>{{"shop", "orders", dir + "/ghostcut.shop.orders.sock"},
                                          {"a/b", "c", dir + "/ghostcut.a_b.c.sock"},
                                          {"db", "t-1", dir + "/ghostcut.db.t-1.sock"}}) {
    SCOPED_TRACE(tc.db + "." + tc.table);
    EXPECT_EQ(default_socket_path(tc.db, tc.table), tc.want);
  }
}

}  // namespace
