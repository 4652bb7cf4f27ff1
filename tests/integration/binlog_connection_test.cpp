// BinlogConnection against a live server (GHOSTCUT_TEST_*; skipped when unset).
#include "binlog/net/binlog_connection.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <set>
#include <string>

namespace asio = boost::asio;
using namespace ghostcut::binlog;
using ghostcut::TlsMode;

namespace {

std::optional<BinlogConnectionSettings> live_settings() {
  const char* host = std::getenv("GHOSTCUT_TEST_HOST");
  const char* port = std::getenv("GHOSTCUT_TEST_PORT");
  const char* user = std::getenv("GHOSTCUT_TEST_USER");
  const char* pass = std::getenv("GHOSTCUT_TEST_PASSWORD");
  if (!host || !port || !user || !pass) return std::nullopt;
  BinlogConnectionSettings s;
  s.host = host;
  s.port = static_cast<std::uint16_t>(std::atoi(port));
  s.user = user;
  s.password = pass;
  s.connect_timeout = std::chrono::seconds(10);
  // Unique among replicas of the test server, and never the server's own id.
  s.server_id = 100000 + static_cast<std::uint32_t>(::getpid() % 100000);
  return s;
}

// gtest's ASSERT_* returns; coroutines must co_return.
#define CO_ASSERT_TRUE(cond)                     \
  if (!(cond)) {                                 \
    ADD_FAILURE() << "assertion failed: " #cond; \
    co_return;                                   \
  }

// Runs one coroutine to completion on `io`; rethrows what it threw.
void run(asio::io_context& io, asio::awaitable<void> body) {
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(body), [&](std::exception_ptr e) { failure = e; });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
}

// Fails (by closing `conn`) instead of hanging when the server stays silent.
struct Watchdog {
  asio::steady_timer timer;
  Watchdog(asio::io_context& io, BinlogConnection& conn, std::chrono::seconds limit) : timer(io) {
    timer.expires_after(limit);
    timer.async_wait([&conn](const boost::system::error_code& ec) {
      if (!ec) conn.close();
    });
  }
  ~Watchdog() { timer.cancel(); }
};

// The 19-byte v4 event header: timestamp u32, type u8, server_id u32, size u32, log_pos u32, flags u16.
std::uint8_t event_type(const std::vector<std::uint8_t>& ev) { return ev.size() >= 19 ? ev[4] : 0xFF; }
std::uint32_t event_size(const std::vector<std::uint8_t>& ev) {
  return ev.size() >= 19 ? std::uint32_t(ev[9]) | std::uint32_t(ev[10]) << 8 | std::uint32_t(ev[11]) << 16 |
                               std::uint32_t(ev[12]) << 24
                         : 0;
}

constexpr std::uint8_t kQueryEvent = 2;
constexpr std::uint8_t kRotateEvent = 4;
constexpr std::uint8_t kFormatDescriptionEvent = 15;
constexpr std::uint8_t kXidEvent = 16;
constexpr std::uint8_t kTableMapEvent = 19;
constexpr std::uint8_t kWriteRowsV1 = 23;  // MariaDB
constexpr std::uint8_t kWriteRowsV2 = 30;  // MySQL

class BinlogConnectionLive : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = live_settings();
    if (!s) GTEST_SKIP() << "no test server (GHOSTCUT_TEST_* unset; scripts/test-server starts one)";
    settings_ = *s;
    db_ = "gct_binlog_" + std::to_string(::getpid());
  }
  void TearDown() override {
    if (db_.empty() || !live_settings()) return;
    try {
      run(io_, [this]() -> asio::awaitable<void> {
        BinlogConnection c(io_.get_executor(), settings_);
        co_await c.async_connect();
        co_await c.async_execute("DROP DATABASE IF EXISTS `" + db_ + "`");
      }());
    } catch (...) {
    }
  }

  asio::io_context io_;
  BinlogConnectionSettings settings_;
  std::string db_;
};

}  // namespace

TEST_F(BinlogConnectionLive, SelectRoundTrip) {
  run(io_, [this]() -> asio::awaitable<void> {
    BinlogConnection c(io_.get_executor(), settings_);
    co_await c.async_connect();
    EXPECT_TRUE(c.is_open());
    EXPECT_GT(c.connection_id(), 0u);
    auto rs = co_await c.async_query("SELECT 1, NULL, 'x'");
    const std::vector<std::string> names{"1", "NULL", "x"};
    EXPECT_EQ(rs.column_names(), names);
    CO_ASSERT_TRUE(rs.rows.size() == 1u);
    const TextRow want{"1", std::nullopt, "x"};
    EXPECT_EQ(rs.rows[0], want);
    // Several statements on the same connection, and an empty result.
    auto empty = co_await c.async_query("SELECT 1 FROM DUAL WHERE 1 = 0");
    EXPECT_EQ(empty.columns.size(), 1u);
    EXPECT_TRUE(empty.rows.empty());
    auto ok = co_await c.async_execute("SET @ghostcut_probe = 1");
    EXPECT_EQ(ok.affected_rows, 0u);
    co_await c.async_ping();
    // A server error keeps its code and the connection stays usable.
    try {
      co_await c.async_query("SELECT * FROM no_such_db.no_such_table");
      ADD_FAILURE() << "expected an error";
    } catch (const ConnectionError& e) {
      EXPECT_EQ(e.server_code(), 1146);
      EXPECT_FALSE(e.connection_lost());
    }
    auto again = co_await c.async_query("SELECT 2");
    EXPECT_EQ(again.rows.at(0).at(0), "2");
    co_await c.async_quit();
    EXPECT_FALSE(c.is_open());
  }());
}

TEST_F(BinlogConnectionLive, UnixSocket) {
  const char* socket = std::getenv("GHOSTCUT_TEST_SOCKET");
  if (!socket) GTEST_SKIP() << "GHOSTCUT_TEST_SOCKET unset";
  settings_.socket = socket;
  run(io_, [this]() -> asio::awaitable<void> {
    BinlogConnection c(io_.get_executor(), settings_);
    co_await c.async_connect();
    EXPECT_FALSE(c.tls_active());  // TLS preferred means none over a socket
    auto rs = co_await c.async_query("SELECT CONNECTION_ID()");
    CO_ASSERT_TRUE(rs.rows.size() == 1u);
    EXPECT_EQ(rs.rows[0].at(0), std::to_string(c.connection_id()));
  }());
}

TEST_F(BinlogConnectionLive, ServerStatusQueries) {
  run(io_, [this]() -> asio::awaitable<void> {
    BinlogConnection c(io_.get_executor(), settings_);
    co_await c.async_connect();
    auto status = co_await c.async_query("SHOW MASTER STATUS");
    CO_ASSERT_TRUE(status.rows.size() == 1u);  // binary logging must be on
    EXPECT_EQ(status.column_names().at(0), "File");
    EXPECT_FALSE(status.rows[0].at(0).value_or("").empty());
    EXPECT_GE(std::stoul(status.rows[0].at(1).value_or("0")), 4u);
    auto vars = co_await c.async_query("SELECT @@server_id, @@global.binlog_checksum");
    CO_ASSERT_TRUE(vars.rows.size() == 1u);
    EXPECT_TRUE(vars.rows[0][0].has_value());
    EXPECT_TRUE(vars.rows[0][1] == "CRC32" || vars.rows[0][1] == "NONE");
  }());
}

TEST_F(BinlogConnectionLive, WrongPasswordIsAuthError) {
  settings_.password = "definitely-not-the-password";
  run(io_, [this]() -> asio::awaitable<void> {
    BinlogConnection c(io_.get_executor(), settings_);
    try {
      co_await c.async_connect();
      ADD_FAILURE() << "connected with a wrong password";
    } catch (const ConnectionError& e) {
      EXPECT_EQ(e.code(), make_error_code(Errc::kAuthFailed)) << e.what();
      EXPECT_EQ(e.server_code(), 1045);
      EXPECT_NE(std::string(e.what()).find("Access denied"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("definitely-not-the-password"), std::string::npos);
      EXPECT_FALSE(e.connection_lost());
    }
    EXPECT_FALSE(c.is_open());
  }());
}

TEST_F(BinlogConnectionLive, UnreachablePortIsConnectionError) {
  settings_.host = "127.0.0.1";
  settings_.port = 1;  // nothing listens on tcpmux
  run(io_, [this]() -> asio::awaitable<void> {
    BinlogConnection c(io_.get_executor(), settings_);
    try {
      co_await c.async_connect();
      ADD_FAILURE() << "connected to port 1";
    } catch (const ConnectionError& e) {
      EXPECT_NE(std::string(e.what()).find("cannot connect to 127.0.0.1:1"), std::string::npos) << e.what();
      EXPECT_FALSE(e.server_error());
    }
  }());
}

TEST_F(BinlogConnectionLive, TlsRequired) {
  bool offered = false;
  run(io_, [&]() -> asio::awaitable<void> {
    BinlogConnection probe(io_.get_executor(), settings_);
    co_await probe.async_connect();
    offered = (probe.server_handshake().capabilities & capability::kSsl) != 0;
  }());
  if (!offered) GTEST_SKIP() << "the test server does not offer TLS (no ssl-cert/ssl-key)";
  settings_.tls_mode = TlsMode::kRequired;
  run(io_, [this]() -> asio::awaitable<void> {
    BinlogConnection c(io_.get_executor(), settings_);
    co_await c.async_connect();
    EXPECT_TRUE(c.tls_active());
    auto rs = co_await c.async_query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    CO_ASSERT_TRUE(rs.rows.size() == 1u);
    EXPECT_FALSE(rs.rows[0].at(1).value_or("").empty());
    // A dump works over TLS too.
    auto status = co_await c.async_query("SHOW MASTER STATUS");
    co_await c.async_register_replica();
    co_await c.async_start_dump(status.rows.at(0).at(0).value(),
                                static_cast<std::uint32_t>(std::stoul(status.rows.at(0).at(1).value())),
                                kBinlogDumpNonBlock);
    int events = 0;
    while (co_await c.async_read_event()) ++events;
    EXPECT_GE(events, 2);
  }());
}

TEST_F(BinlogConnectionLive, TlsRequiredRefusedWhenNotOffered) {
  bool offered = true;
  run(io_, [&]() -> asio::awaitable<void> {
    BinlogConnection probe(io_.get_executor(), settings_);
    co_await probe.async_connect();
    offered = (probe.server_handshake().capabilities & capability::kSsl) != 0;
  }());
  if (offered) GTEST_SKIP() << "the test server offers TLS";
  settings_.tls_mode = TlsMode::kRequired;
  run(io_, [this]() -> asio::awaitable<void> {
    BinlogConnection c(io_.get_executor(), settings_);
    try {
      co_await c.async_connect();
      ADD_FAILURE() << "connected without TLS although TLS is required";
    } catch (const ConnectionError& e) {
      EXPECT_EQ(e.code(), make_error_code(Errc::kUnsupported)) << e.what();
    }
  }());
}

TEST_F(BinlogConnectionLive, DumpDeliversRawEvents) {
  run(io_, [this]() -> asio::awaitable<void> {
    BinlogConnection admin(io_.get_executor(), settings_);
    co_await admin.async_connect();
    auto status = co_await admin.async_query("SHOW MASTER STATUS");
    const std::string file = status.rows.at(0).at(0).value();
    const auto pos = static_cast<std::uint32_t>(std::stoul(status.rows.at(0).at(1).value()));

    BinlogConnection dump(io_.get_executor(), settings_);
    co_await dump.async_connect();
    co_await dump.async_register_replica();
    co_await dump.async_start_dump(file, pos);
    EXPECT_TRUE(dump.dumping());
    Watchdog watchdog(io_, dump, std::chrono::seconds(30));

    // The stream opens with an artificial ROTATE (log_pos 0, flag 0x20) then the FORMAT_DESCRIPTION.
    auto first = co_await dump.async_read_event();
    EXPECT_EQ(event_type(first.value()), kRotateEvent);
    EXPECT_EQ(event_size(*first), first->size());
    auto second = co_await dump.async_read_event();
    EXPECT_EQ(event_type(second.value()), kFormatDescriptionEvent);

    co_await admin.async_execute("CREATE DATABASE `" + db_ + "`");
    co_await admin.async_execute("CREATE TABLE `" + db_ + "`.t (id INT PRIMARY KEY, v VARCHAR(20))");
    co_await admin.async_execute("INSERT INTO `" + db_ + "`.t VALUES (1, 'hello')");

    std::set<std::uint8_t> seen;
    bool saw_create = false;
    while (!seen.count(kXidEvent) || !(seen.count(kWriteRowsV1) || seen.count(kWriteRowsV2))) {
      auto ev = co_await dump.async_read_event();
      if (!ev) {
        ADD_FAILURE() << "stream ended";
        co_return;
      }
      CO_ASSERT_TRUE(ev->size() >= 19u);
      // Each event's size field covers the whole event (checksum included).
      EXPECT_EQ(event_size(*ev), ev->size());
      seen.insert(event_type(*ev));
      const std::string body(ev->begin(), ev->end());
      if (event_type(*ev) == kQueryEvent && body.find("CREATE TABLE") != std::string::npos) saw_create = true;
    }
    EXPECT_TRUE(saw_create);
    EXPECT_TRUE(seen.count(kTableMapEvent));
    dump.close();
  }());
}

TEST_F(BinlogConnectionLive, NonBlockingDumpEnds) {
  run(io_, [this]() -> asio::awaitable<void> {
    BinlogConnection admin(io_.get_executor(), settings_);
    co_await admin.async_connect();
    auto status = co_await admin.async_query("SHOW MASTER STATUS");
    const std::string file = status.rows.at(0).at(0).value();
    const auto pos = static_cast<std::uint32_t>(std::stoul(status.rows.at(0).at(1).value()));
    BinlogConnection dump(io_.get_executor(), settings_);
    co_await dump.async_connect();
    co_await dump.async_register_replica();
    co_await dump.async_start_dump(file, pos, kBinlogDumpNonBlock);
    Watchdog watchdog(io_, dump, std::chrono::seconds(30));
    int events = 0;
    while (auto ev = co_await dump.async_read_event()) {
      ++events;
      CO_ASSERT_TRUE(events < 1000);
    }
    EXPECT_GE(events, 2);  // ROTATE + FORMAT_DESCRIPTION at least
    EXPECT_FALSE(dump.dumping());
  }());
}

TEST_F(BinlogConnectionLive, KilledDumpIsConnectionLost) {
  run(io_, [this]() -> asio::awaitable<void> {
    BinlogConnection admin(io_.get_executor(), settings_);
    co_await admin.async_connect();
    auto status = co_await admin.async_query("SHOW MASTER STATUS");
    BinlogConnection dump(io_.get_executor(), settings_);
    co_await dump.async_connect();
    co_await dump.async_register_replica();
    co_await dump.async_start_dump(status.rows.at(0).at(0).value(),
                                   static_cast<std::uint32_t>(std::stoul(status.rows.at(0).at(1).value())));
    Watchdog watchdog(io_, dump, std::chrono::seconds(30));
    auto rotate = co_await dump.async_read_event();
    EXPECT_EQ(event_type(rotate.value()), kRotateEvent);

    co_await admin.async_execute("KILL " + std::to_string(dump.connection_id()));
    try {
      for (int i = 0; i < 100; ++i) co_await dump.async_read_event();  // drain what was already sent
      ADD_FAILURE() << "the killed dump kept delivering events";
    } catch (const ConnectionError& e) {
      EXPECT_TRUE(e.connection_lost()) << e.what();
      // Either the socket dropped or the server said it killed us (MariaDB 1927).
      const std::string what = e.what();
      EXPECT_TRUE(what.find("connection lost") != std::string::npos || e.server_code() == 1927) << what;
      std::printf("killed dump: %s\n", what.c_str());
    }
  }());
}
