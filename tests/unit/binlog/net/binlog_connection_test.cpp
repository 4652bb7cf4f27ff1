// BinlogConnection against a scripted fake server on loopback: protocol edge cases that a real
// server will not produce on demand (timeouts, huge events, bad sequence ids, dropped sockets).
// The main tests run against a real server: tests/integration/binlog_connection_test.cpp.
#include "binlog/net/binlog_connection.h"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <unistd.h>
#include <cstdio>

#include <functional>

#include "binlog/wire/auth.h"
#include "binlog/wire/byte_writer.h"

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using namespace ghostcut::binlog;
using ghostcut::TlsMode;

namespace {

const std::vector<std::uint8_t> kSalt{70, 114, 92,  94,  1,  38, 11, 116, 63, 114,
                                      23, 101, 126, 103, 26, 95, 81, 17,  24, 21};

std::vector<std::uint8_t> greeting(std::string_view version, bool tls = false,
                                   std::string_view plugin = "mysql_native_password") {
  ByteWriter w;
  w.u8(10);
  w.null_str(version);
  w.u32(77);
  w.bytes(Bytes(kSalt).first(8));
  w.u8(0);
  const std::uint32_t caps = tls ? 0xFFFFFFFF : 0xFFFFFFFF & ~capability::kSsl;
  w.u16(static_cast<std::uint16_t>(caps));
  w.u8(45);
  w.u16(2);
  w.u16(static_cast<std::uint16_t>(caps >> 16));
  w.u8(21);
  w.zeros(10);
  w.bytes(Bytes(kSalt).subspan(8));
  w.u8(0);
  w.null_str(plugin);
  return w.take();
}

// GCC 12 miscompiles braced temporaries inside a co_await expression; name the packets instead.
const std::vector<std::uint8_t> kOneColumn{0x01};
const std::vector<std::uint8_t> kRowOne{0x01, '1'};
const std::vector<std::uint8_t> kOkTerminator{0xFE, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
const std::vector<std::uint8_t> kEof{0xFE, 0x00, 0x00, 0x02, 0x00};
const std::vector<std::uint8_t> kBadSequence{0x05, 0x00, 0x00, 0x09, 0x00, 1, 2, 3, 4};
const std::vector<std::uint8_t> kUnexpected{0x07, 0x01};

// gtest's ASSERT_* returns; coroutines must co_return.
#define CO_ASSERT_TRUE(cond)                     \
  if (!(cond)) {                                 \
    ADD_FAILURE() << "assertion failed: " #cond; \
    co_return;                                   \
  }

std::vector<std::uint8_t> ok_packet() { return {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}; }
std::vector<std::uint8_t> err_packet(std::uint16_t code, std::string_view state, std::string_view msg) {
  ByteWriter w;
  w.u8(0xFF);
  w.u16(code);
  w.u8('#');
  w.str(state);
  w.str(msg);
  return w.take();
}
// A fake binlog event: 19-byte header with the given type and the event's own size, then `body` bytes.
std::vector<std::uint8_t> event_packet(std::uint8_t type, std::size_t body) {
  ByteWriter w(20 + body);
  w.u8(0x00);  // the dump packet's OK byte
  w.u32(1700000000);
  w.u8(type);
  w.u32(1);
  w.u32(static_cast<std::uint32_t>(19 + body));
  w.u32(0);
  w.u16(0);
  for (std::size_t i = 0; i < body; ++i) w.u8(static_cast<std::uint8_t>(i));
  return w.take();
}

// The server end of one connection.
struct ServerConn {
  tcp::socket socket;
  FrameAssembler assembler;
  std::uint8_t seq = 0;
  std::vector<std::string> queries;  // COM_QUERY texts seen
  std::vector<std::uint8_t> handshake_response;

  explicit ServerConn(tcp::socket s) : socket(std::move(s)) {}

  awaitable<std::vector<std::uint8_t>> read() {
    std::array<std::uint8_t, 4096> buf;
    for (;;) {
      auto p = assembler.next();
      if (!p) throw std::runtime_error(p.error().message());
      if (*p) {
        seq = assembler.expected_sequence();
        co_return std::move(**p);
      }
      std::size_t n = co_await socket.async_read_some(asio::buffer(buf), use_awaitable);
      assembler.feed(Bytes(buf.data(), n));
    }
  }
  awaitable<void> send(const std::vector<std::uint8_t>& payload) {
    auto wire = frame_payload(payload, seq);
    assembler.set_expected_sequence(seq);
    co_await asio::async_write(socket, asio::buffer(wire), use_awaitable);
  }
  awaitable<void> send_raw(const std::vector<std::uint8_t>& wire) {
    co_await asio::async_write(socket, asio::buffer(wire), use_awaitable);
  }
  // Greeting → response → OK.
  awaitable<void> accept_login(std::string_view version = "8.0.36") {
    seq = 0;
    co_await send(greeting(version));
    handshake_response = co_await read();
    co_await send(ok_packet());
  }
  // Answers COM_QUERYs with OK until a packet that is not a COM_QUERY arrives; returns it.
  awaitable<std::vector<std::uint8_t>> answer_queries() {
    for (;;) {
      assembler.set_expected_sequence(0);
      auto p = co_await read();
      if (p.empty() || p[0] != 0x03) co_return p;
      queries.emplace_back(p.begin() + 1, p.end());
      co_await send(ok_packet());
    }
  }
};

class FakeServerTest : public ::testing::Test {
 protected:
  FakeServerTest() : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    settings_.host = "127.0.0.1";
    settings_.port = acceptor_.local_endpoint().port();
    settings_.user = "gc";
    settings_.password = "secret";
    settings_.server_id = 4242;
    settings_.tls_mode = TlsMode::kDisabled;
    settings_.connect_timeout = std::chrono::seconds(5);
  }

  // Runs the server script and the client body together; rethrows the client's exception.
  void run(std::function<awaitable<void>(ServerConn&)> server,
           std::function<awaitable<void>(BinlogConnection&)> client) {
    std::exception_ptr client_failure;
    std::string server_failure;
    asio::co_spawn(
        io_,
        [&]() -> awaitable<void> {
          ServerConn conn(co_await acceptor_.async_accept(use_awaitable));
          try {
            co_await server(conn);
          } catch (const std::exception& e) {
            server_failure = e.what();
          }
          server_conn_queries_ = conn.queries;
          handshake_response_ = conn.handshake_response;
        },
        asio::detached);
    asio::co_spawn(
        io_,
        [&]() -> awaitable<void> {
          BinlogConnection c(io_.get_executor(), settings_);
          co_await client(c);
        },
        [&](std::exception_ptr e) {
          client_failure = e;
          boost::system::error_code ignored;
          acceptor_.cancel(ignored);
        });
    io_.run_for(std::chrono::seconds(20));
    EXPECT_EQ(server_failure, "") << "the fake server's script failed";
    if (client_failure) std::rethrow_exception(client_failure);
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  BinlogConnectionSettings settings_;
  std::vector<std::string> server_conn_queries_;
  std::vector<std::uint8_t> handshake_response_;
};

TEST_F(FakeServerTest, LoginSendsNativeScrambleAndQueryWorks) {
  run(
      [](ServerConn& s) -> awaitable<void> {
        co_await s.accept_login();
        s.assembler.set_expected_sequence(0);
        auto q = co_await s.read();
        EXPECT_EQ(std::string(q.begin() + 1, q.end()), "SELECT 1");
        // Column count, one column, rows, OK terminator (CLIENT_DEPRECATE_EOF was negotiated).
        co_await s.send(kOneColumn);
        ByteWriter col;
        const std::string names[] = {"def", "", "", "", "1", ""};
        for (const auto& str : names) col.lenenc_str(str);
        col.lenenc(0x0C);
        col.u16(63);
        col.u32(1);
        col.u8(8);
        col.u16(0);
        col.u8(0);
        col.u16(0);
        co_await s.send(col.take());
        co_await s.send(kRowOne);
        co_await s.send(kOkTerminator);
      },
      [](BinlogConnection& c) -> awaitable<void> {
        co_await c.async_connect();
        EXPECT_EQ(c.connection_id(), 77u);
        auto rs = co_await c.async_query("SELECT 1");
        CO_ASSERT_TRUE(rs.rows.size() == 1u);
        EXPECT_EQ(rs.rows[0][0], "1");
      });
  // The response carried the native scramble for "secret", never the password.
  const auto scramble = scramble_native_password("secret", kSalt);
  auto it = std::search(handshake_response_.begin(), handshake_response_.end(), scramble.begin(), scramble.end());
  EXPECT_NE(it, handshake_response_.end());
  const std::string raw(handshake_response_.begin(), handshake_response_.end());
  EXPECT_EQ(raw.find("secret"), std::string::npos);
}

TEST_F(FakeServerTest, ConnectTimeoutWhenServerIsSilent) {
  settings_.connect_timeout = std::chrono::milliseconds(200);
  run(
      [](ServerConn& s) -> awaitable<void> {
        asio::steady_timer t(s.socket.get_executor());
        t.expires_after(std::chrono::seconds(1));
        co_await t.async_wait(use_awaitable);
      },
      [](BinlogConnection& c) -> awaitable<void> {
        try {
          co_await c.async_connect();
          ADD_FAILURE() << "connected to a silent server";
        } catch (const ConnectionError& e) {
          EXPECT_EQ(e.code(), std::error_code(boost::system::error_code(asio::error::timed_out))) << e.what();
          EXPECT_NE(std::string(e.what()).find("timed out after 200 ms"), std::string::npos) << e.what();
        }
      });
}

TEST_F(FakeServerTest, DumpSetsSessionVariablesMySql) {
  run(
      [](ServerConn& s) -> awaitable<void> {
        co_await s.accept_login("8.0.36");
        co_await s.answer_queries();  // ends at COM_REGISTER_SLAVE or COM_BINLOG_DUMP
        co_await s.send(ok_packet());
        auto dump = co_await s.answer_queries();
        EXPECT_EQ(dump.at(0), 0x12);
        co_await s.send(event_packet(4, 20));
        co_await s.send(kEof);
      },
      [](BinlogConnection& c) -> awaitable<void> {
        co_await c.async_connect();
        co_await c.async_register_replica();
        co_await c.async_start_dump("binlog.000001", 4, kBinlogDumpNonBlock);
        auto ev = co_await c.async_read_event();
        CO_ASSERT_TRUE(ev);
        EXPECT_EQ(ev->size(), 39u);
        EXPECT_EQ((*ev)[4], 4);
        EXPECT_FALSE(co_await c.async_read_event());
        EXPECT_FALSE(c.dumping());
      });
  EXPECT_EQ(server_conn_queries_, (std::vector<std::string>{"SET @master_binlog_checksum = @@global.binlog_checksum",
                                                            "SET @source_binlog_checksum = @@global.binlog_checksum",
                                                            "SET @master_heartbeat_period = 5000000000",
                                                            "SET @source_heartbeat_period = 5000000000"}));
}

TEST_F(FakeServerTest, DumpSetsSessionVariablesMariaDb) {
  settings_.heartbeat_period = std::chrono::milliseconds(0);
  run(
      [](ServerConn& s) -> awaitable<void> {
        co_await s.accept_login("5.5.5-10.11.6-MariaDB");
        auto dump = co_await s.answer_queries();
        EXPECT_EQ(dump.at(0), 0x12);
        co_await s.send(kEof);
      },
      [](BinlogConnection& c) -> awaitable<void> {
        co_await c.async_connect();
        EXPECT_TRUE(c.is_mariadb());
        co_await c.async_start_dump("mysql-bin.000001", 4, kBinlogDumpNonBlock);
        EXPECT_FALSE(co_await c.async_read_event());
      });
  EXPECT_EQ(server_conn_queries_, (std::vector<std::string>{"SET @master_binlog_checksum = @@global.binlog_checksum",
                                                            "SET @mariadb_slave_capability = 4"}));
}

TEST_F(FakeServerTest, HugeEventAcrossContinuationFrames) {
  const std::size_t body = 0xFFFFFF + 100;  // the packet spans two frames
  run(
      [body](ServerConn& s) -> awaitable<void> {
        co_await s.accept_login();
        co_await s.answer_queries();
        co_await s.send(event_packet(30, body));
        co_await s.send(event_packet(16, 8));
      },
      [body](BinlogConnection& c) -> awaitable<void> {
        co_await c.async_connect();
        co_await c.async_start_dump("binlog.000001", 4);
        auto big = co_await c.async_read_event();
        CO_ASSERT_TRUE(big);
        EXPECT_EQ(big->size(), 19 + body);
        EXPECT_EQ((*big)[4], 30);
        EXPECT_EQ(big->back(), static_cast<std::uint8_t>(body - 1));
        auto small = co_await c.async_read_event();
        EXPECT_EQ(small.value().at(4), 16);
      });
}

TEST_F(FakeServerTest, DumpErrors) {
  struct Case {
    const char* name;
    std::function<awaitable<void>(ServerConn&)> after_dump;
    std::size_t max_packet;
    std::function<void(const ConnectionError&)> check;
    bool closes = false;  // the client closes a stream it can no longer follow
  };
  const Case cases[] = {
      {"server ERR keeps its code",
       [](ServerConn& s) -> awaitable<void> {
         co_await s.send(err_packet(1236, "HY000", "Could not find first log file name in binary log index file"));
       },
       kDefaultMaxPacketSize,
       [](const ConnectionError& e) {
         EXPECT_EQ(e.server_code(), 1236);
         EXPECT_FALSE(e.connection_lost());
         EXPECT_NE(std::string(e.what()).find("Could not find first log file"), std::string::npos);
       }},
      {"server closes the socket",
       [](ServerConn& s) -> awaitable<void> {
         s.socket.close();
         co_return;
       },
       kDefaultMaxPacketSize,
       [](const ConnectionError& e) {
         EXPECT_TRUE(e.connection_lost()) << e.what();
         EXPECT_NE(std::string(e.what()).find("connection lost"), std::string::npos) << e.what();
       },
       true},
      {"killed connection (MariaDB 1927)",
       [](ServerConn& s) -> awaitable<void> { co_await s.send(err_packet(1927, "70100", "Connection was killed")); },
       kDefaultMaxPacketSize, [](const ConnectionError& e) { EXPECT_TRUE(e.connection_lost()) << e.what(); }},
      {"bad sequence id", [](ServerConn& s) -> awaitable<void> { co_await s.send_raw(kBadSequence); },
       kDefaultMaxPacketSize,
       [](const ConnectionError& e) { EXPECT_EQ(e.code(), make_error_code(Errc::kSequenceMismatch)) << e.what(); },
       true},
      {"event larger than the limit", [](ServerConn& s) -> awaitable<void> { co_await s.send(event_packet(30, 5000)); },
       4096, [](const ConnectionError& e) { EXPECT_EQ(e.code(), make_error_code(Errc::kPacketTooLarge)) << e.what(); },
       true},
      {"unexpected packet header", [](ServerConn& s) -> awaitable<void> { co_await s.send(kUnexpected); },
       kDefaultMaxPacketSize,
       [](const ConnectionError& e) { EXPECT_EQ(e.code(), make_error_code(Errc::kProtocolError)) << e.what(); }, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    io_.restart();
    settings_.max_packet_size = c.max_packet;
    bool threw = false;
    run(
        [&](ServerConn& s) -> awaitable<void> {
          co_await s.accept_login();
          co_await s.answer_queries();
          co_await c.after_dump(s);
          asio::steady_timer t(s.socket.get_executor());  // keep the socket open while the client reads
          t.expires_after(std::chrono::milliseconds(300));
          co_await t.async_wait(use_awaitable);
        },
        [&](BinlogConnection& conn) -> awaitable<void> {
          co_await conn.async_connect();
          co_await conn.async_start_dump("binlog.000001", 4);
          try {
            co_await conn.async_read_event();
          } catch (const ConnectionError& e) {
            threw = true;
            c.check(e);
          }
          EXPECT_FALSE(conn.dumping());
          if (c.closes) {
            EXPECT_FALSE(conn.is_open());
          }
        });
    EXPECT_TRUE(threw);
  }
}

TEST_F(FakeServerTest, AuthErrorCarriesServerCode) {
  run(
      [](ServerConn& s) -> awaitable<void> {
        co_await s.send(greeting("8.0.36"));
        co_await s.read();
        co_await s.send(err_packet(1045, "28000", "Access denied for user 'gc'@'localhost' (using password: YES)"));
      },
      [](BinlogConnection& c) -> awaitable<void> {
        try {
          co_await c.async_connect();
          ADD_FAILURE() << "login should fail";
        } catch (const ConnectionError& e) {
          EXPECT_EQ(e.code(), make_error_code(Errc::kAuthFailed));
          EXPECT_EQ(e.server_code(), 1045);
          EXPECT_EQ(e.server_error()->sql_state, "28000");
        }
        EXPECT_FALSE(c.is_open());
      });
}

TEST_F(FakeServerTest, OperationsNeedAConnection) {
  BinlogConnection c(io_.get_executor(), settings_);
  std::exception_ptr failure;
  asio::co_spawn(io_, c.async_query("SELECT 1"), [&](std::exception_ptr e, TextResultSet) { failure = e; });
  io_.run();
  ASSERT_TRUE(failure);
  try {
    std::rethrow_exception(failure);
  } catch (const ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("not connected"), std::string::npos);
  }
}

// A TLS server context with a throwaway self-signed certificate.
void use_self_signed_cert(asio::ssl::context& ctx) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_sign(cert.get(), key.get(), EVP_sha256());
  SSL_CTX_use_certificate(ctx.native_handle(), cert.get());
  SSL_CTX_use_PrivateKey(ctx.native_handle(), key.get());
}

// Reads one packet from any stream with `fa`, writes with `seq`.
template <class Stream>
awaitable<std::vector<std::uint8_t>> read_packet(Stream& stream, FrameAssembler& fa, std::uint8_t& seq) {
  std::array<std::uint8_t, 4096> buf;
  for (;;) {
    auto p = fa.next();
    if (!p) throw std::runtime_error(p.error().message());
    if (*p) {
      seq = fa.expected_sequence();
      co_return std::move(**p);
    }
    std::size_t n = co_await stream.async_read_some(asio::buffer(buf), use_awaitable);
    fa.feed(Bytes(buf.data(), n));
  }
}
template <class Stream>
awaitable<void> write_packet(Stream& stream, FrameAssembler& fa, std::uint8_t& seq,
                             const std::vector<std::uint8_t>& p) {
  auto wire = frame_payload(p, seq);
  fa.set_expected_sequence(seq);
  co_await asio::async_write(stream, asio::buffer(wire), use_awaitable);
}

TEST_F(FakeServerTest, TlsUpgradeThenCachingSha2FullAuthSendsPasswordInsideTls) {
  settings_.tls_mode = TlsMode::kRequired;
  asio::ssl::context server_ctx(asio::ssl::context::tls_server);
  use_self_signed_cert(server_ctx);
  std::vector<std::uint8_t> ssl_request, response, full_auth;
  std::string query;
  run(
      [&](ServerConn& s) -> awaitable<void> {
        const auto hello = greeting("8.0.36", true, "caching_sha2_password");
        co_await s.send(hello);
        // Exactly the SSLRequest frame (36 bytes): the TLS ClientHello follows right behind it.
        std::vector<std::uint8_t> frame(36);
        co_await asio::async_read(s.socket, asio::buffer(frame), use_awaitable);
        EXPECT_EQ(frame[3], 1);  // sequence id
        ssl_request.assign(frame.begin() + 4, frame.end());
        s.seq = 2;
        s.assembler.set_expected_sequence(2);
        asio::ssl::stream<tcp::socket&> tls(s.socket, server_ctx);
        co_await tls.async_handshake(asio::ssl::stream_base::server, use_awaitable);
        response = co_await read_packet(tls, s.assembler, s.seq);  // seq 2, inside TLS
        const std::vector<std::uint8_t> perform_full_auth{0x01, 0x04};
        co_await write_packet(tls, s.assembler, s.seq, perform_full_auth);
        full_auth = co_await read_packet(tls, s.assembler, s.seq);
        const auto ok = ok_packet();
        co_await write_packet(tls, s.assembler, s.seq, ok);
        s.assembler.set_expected_sequence(0);
        auto q = co_await read_packet(tls, s.assembler, s.seq);
        query.assign(q.begin() + 1, q.end());
        co_await write_packet(tls, s.assembler, s.seq, ok);
      },
      [](BinlogConnection& c) -> awaitable<void> {
        co_await c.async_connect();
        EXPECT_TRUE(c.tls_active());
        co_await c.async_execute("SET @x = 1");
      });
  ASSERT_EQ(ssl_request.size(), 32u);
  EXPECT_NE((ssl_request[1] << 8) & capability::kSsl, 0);
  const auto scramble = scramble_caching_sha2_password("secret", kSalt);
  EXPECT_NE(std::search(response.begin(), response.end(), scramble.begin(), scramble.end()), response.end());
  EXPECT_EQ(full_auth, clear_password_with_nul("secret"));
  EXPECT_EQ(query, "SET @x = 1");
}

// verify-ca checks the chain only; verify-identity also the name. The fake server's certificate is
// self-signed (it is its own CA) with CN=127.0.0.1 and no subjectAltName: the chain verifies, the
// identity does not (an IP address must be in the SAN), so verify-ca connects and verify-identity
// is refused in the TLS handshake, before any password is sent.
TEST_F(FakeServerTest, VerifyCaChecksTheChainVerifyIdentityTheName) {
  asio::ssl::context server_ctx(asio::ssl::context::tls_server);
  use_self_signed_cert(server_ctx);
  const std::string ca = "/tmp/ghostcut-fake-ca-" + std::to_string(::getpid()) + ".pem";
  {
    FILE* f = std::fopen(ca.c_str(), "w");
    ASSERT_TRUE(f);
    PEM_write_X509(f, SSL_CTX_get0_certificate(server_ctx.native_handle()));
    std::fclose(f);
  }
  struct Remove {
    std::string p;
    ~Remove() { std::remove(p.c_str()); }
  } remove{ca};
  settings_.ssl_ca = ca;
  for (TlsMode mode : {TlsMode::kVerifyCa, TlsMode::kVerifyIdentity}) {
    SCOPED_TRACE(to_string(mode));
    settings_.tls_mode = mode;
    const bool should_connect = mode == TlsMode::kVerifyCa;
    std::vector<std::uint8_t> response;
    bool connected = false;
    std::string error;
    try {
      run(
          [&](ServerConn& s) -> awaitable<void> {
            const auto hello = greeting("8.0.36", true, "mysql_native_password");
            co_await s.send(hello);
            std::vector<std::uint8_t> frame(36);  // the SSLRequest
            co_await asio::async_read(s.socket, asio::buffer(frame), use_awaitable);
            s.seq = 2;
            s.assembler.set_expected_sequence(2);
            asio::ssl::stream<tcp::socket&> tls(s.socket, server_ctx);
            try {
              co_await tls.async_handshake(asio::ssl::stream_base::server, use_awaitable);
            } catch (const boost::system::system_error&) {
              co_return;  // the client refused our certificate
            }
            response = co_await read_packet(tls, s.assembler, s.seq);
            const auto ok = ok_packet();
            co_await write_packet(tls, s.assembler, s.seq, ok);
          },
          [&](BinlogConnection& c) -> awaitable<void> {
            co_await c.async_connect();
            connected = c.tls_active();
          });
    } catch (const ConnectionError& e) {
      error = e.what();
    }
    io_.restart();
    if (should_connect) {
      EXPECT_TRUE(connected) << error;
      EXPECT_FALSE(response.empty());
    } else {
      EXPECT_FALSE(connected);
      EXPECT_NE(error.find("TLS handshake with 127.0.0.1"), std::string::npos) << error;
      EXPECT_TRUE(response.empty()) << "the login was sent to an unverified server";
    }
  }
}

}  // namespace
