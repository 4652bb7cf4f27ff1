// Every --ssl-mode against the TLS test server (scripts/test-server makes a CA, a server certificate
// for 127.0.0.1/localhost, a client certificate and a second, unrelated CA), for the SQL
// connections (Connector/C++) and the binlog client alike: what is encrypted, what is verified,
// and that a wrong CA is refused. Skipped when the server has no certificates.
#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

#include "binlog/net/binlog_connection.h"
#include "engine/sql/binlog_settings.h"
#include "engine/sql/quoting.h"
#include "integration/test_server.h"

namespace asio = boost::asio;
using ghostcut::ConnectionSettings;
using ghostcut::TlsMode;
using ghostcut::binlog::BinlogConnection;
using ghostcut::binlog::ConnectionError;
using ghostcut::engine::SqlConnection;
using ghostcut::engine::SqlError;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// How the client is told to check the server's certificate.
enum class Ca { kNone, kGiven, kGivenByPath, kWrong };

struct TlsModeCase {
  const char* what;
  TlsMode mode;
  Ca ca;
  const char* host;  // nullptr: the test server's 127.0.0.1, which is in the certificate's SAN
  bool refused;      // the connection must fail: the certificate is not signed by the given CA
  bool encrypted;    // otherwise: whether the session is encrypted
};

// Every mode, the CA given by file (--ssl-ca) and by directory (--ssl-capath), identity verified by
// address and by name, and an unrelated CA: refused where verified, ignored where not (the CLI
// warns that required checks nothing). The SQL connections and the binlog client get every row.
const TlsModeCase kTlsModes[] = {
    {"disabled", TlsMode::kDisabled, Ca::kNone, nullptr, false, false},
    {"preferred", TlsMode::kPreferred, Ca::kNone, nullptr, false, true},
    {"required", TlsMode::kRequired, Ca::kNone, nullptr, false, true},
    {"verify_ca", TlsMode::kVerifyCa, Ca::kGiven, nullptr, false, true},
    {"verify_ca by path", TlsMode::kVerifyCa, Ca::kGivenByPath, nullptr, false, true},
    {"verify_identity", TlsMode::kVerifyIdentity, Ca::kGiven, nullptr, false, true},
    {"verify_identity by name", TlsMode::kVerifyIdentity, Ca::kGiven, "localhost", false, true},
    {"verify_identity by path", TlsMode::kVerifyIdentity, Ca::kGivenByPath, nullptr, false, true},
    {"required, wrong CA", TlsMode::kRequired, Ca::kWrong, nullptr, false, true},
    {"verify_ca, wrong CA", TlsMode::kVerifyCa, Ca::kWrong, nullptr, true, false},
    {"verify_identity, wrong CA", TlsMode::kVerifyIdentity, Ca::kWrong, nullptr, true, false},
};

class TlsLive : public ghostcut::testing::LiveServerTest {
 protected:
  void SetUp() override {
    ghostcut::testing::LiveServerTest::SetUp();
    if (IsSkipped()) return;
    ca_ = env("GHOSTCUT_TEST_SSL_CA");
    wrong_ca_ = env("GHOSTCUT_TEST_SSL_WRONG_CA");
    cert_ = env("GHOSTCUT_TEST_SSL_CERT");
    key_ = env("GHOSTCUT_TEST_SSL_KEY");
    if (ca_.empty() || wrong_ca_.empty())
      GTEST_SKIP() << "the test server has no certificates (GHOSTCUT_TEST_SSL_CA unset)";
    base_ = settings_;
    base_.database.clear();
  }

  // --ssl-capath: a directory holding the CA under its subject-hash name (what c_rehash makes).
  std::string ca_dir() {
    const auto dir = std::filesystem::temp_directory_path() / ("ghostcut-capath-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    FILE* f = std::fopen(ca_.c_str(), "r");
    X509* cert = f ? PEM_read_X509(f, nullptr, nullptr, nullptr) : nullptr;
    if (f) std::fclose(f);
    if (!cert) throw std::runtime_error("cannot read " + ca_);
    char name[16];
    std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(cert));
    X509_free(cert);
    std::filesystem::copy_file(ca_, dir / name, std::filesystem::copy_options::overwrite_existing);
    return dir.string();
  }

  // The base settings with one row of kTlsModes applied.
  ConnectionSettings settings_for(const TlsModeCase& c) {
    ConnectionSettings s = base_;
    s.tls_mode = c.mode;
    if (c.ca == Ca::kGiven) s.ssl_ca = ca_;
    if (c.ca == Ca::kWrong) s.ssl_ca = wrong_ca_;
    if (c.ca == Ca::kGivenByPath) s.ssl_capath = ca_dir();
    if (c.host) {
      s.host = c.host;  // a TCP name, no unix socket: still TLS, still verified
      s.socket.clear();
    }
    return s;
  }

  // The session's TLS version over SQL ("" = no TLS); throws SqlError when the connection fails.
  static std::string sql_tls(const ConnectionSettings& s) {
    auto c = SqlConnection::open(s);
    auto r = c->query("SHOW SESSION STATUS LIKE 'Ssl_version'");
    return r.rows.empty() ? "" : r.rows[0].at(1).value_or("");
  }

  // The binlog client's TLS state after connecting, cross-checked with the server's view;
  // throws ConnectionError when the connection fails.
  bool binlog_tls(const ConnectionSettings& s) {
    bool active = false;
    std::string server_view;
    auto b = ghostcut::engine::to_binlog_settings(s, 0);
    asio::io_context io;
    std::exception_ptr failure;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          BinlogConnection c(io.get_executor(), b);
          co_await c.async_connect();
          active = c.tls_active();
          auto rs = co_await c.async_query("SHOW SESSION STATUS LIKE 'Ssl_version'");
          if (!rs.rows.empty()) server_view = rs.rows[0].at(1).value_or("");
          co_await c.async_quit();
        }(),
        [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) std::rethrow_exception(failure);
    EXPECT_EQ(active, !server_view.empty()) << "client and server disagree about TLS";
    return active;
  }

  ConnectionSettings base_;
  std::string ca_, wrong_ca_, cert_, key_;
};

TEST_F(TlsLive, SqlConnectionEveryMode) {
  for (const TlsModeCase& c : kTlsModes) {
    SCOPED_TRACE(c.what);
    const ConnectionSettings s = settings_for(c);
    if (!c.refused) {
      EXPECT_EQ(sql_tls(s).empty(), !c.encrypted);
      continue;
    }
    try {
      (void)SqlConnection::open(s);
      ADD_FAILURE() << "connected although the server certificate is not signed by the given CA";
    } catch (const SqlError& e) {
      EXPECT_NE(std::string(e.what()).find("certificate"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find(base_.password), std::string::npos);
    }
  }
}

TEST_F(TlsLive, BinlogClientEveryMode) {
  for (const TlsModeCase& c : kTlsModes) {
    SCOPED_TRACE(c.what);
    const ConnectionSettings s = settings_for(c);
    if (!c.refused) {
      EXPECT_EQ(binlog_tls(s), c.encrypted);
      continue;
    }
    try {
      (void)binlog_tls(s);
      ADD_FAILURE() << "connected although the server certificate is not signed by the given CA";
    } catch (const ConnectionError& e) {
      EXPECT_NE(std::string(e.what()).find("TLS handshake with"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("certificate verify failed"), std::string::npos) << e.what();
    }
  }
}

// A user that must present a client certificate (REQUIRE X509): --ssl-cert/--ssl-key send it.
TEST_F(TlsLive, ClientCertificateForX509User) {
  if (cert_.empty() || key_.empty()) GTEST_SKIP() << "no client certificate";
  const std::string user = "gct_x509_" + std::to_string(::getpid());
  const std::string pw = "x509-" + std::to_string(::getpid());
  admin_->execute("DROP USER IF EXISTS '" + user + "'@'127.0.0.1'");
  admin_->execute("CREATE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY '" + pw + "' REQUIRE X509");
  struct Drop {
    SqlConnection& admin;
    std::string user;
    ~Drop() {
      try {
        admin.execute("DROP USER IF EXISTS '" + user + "'@'127.0.0.1'");
      } catch (...) {
      }
    }
  } drop{*admin_, user};
  auto s = base_;
  s.tls_mode = TlsMode::kVerifyIdentity;
  s.ssl_ca = ca_;
  s.user = user;
  s.password = pw;
  EXPECT_THROW((void)sql_tls(s), SqlError);  // no certificate: access denied
  EXPECT_THROW((void)binlog_tls(s), ConnectionError);
  s.ssl_cert = cert_;
  s.ssl_key = key_;
  EXPECT_NE(sql_tls(s), "");
  EXPECT_TRUE(binlog_tls(s));
}

// Against a server without TLS (GHOSTCUT_TEST_SERVER_NO_TLS=1 scripts/test-server start): every
// mode from required up is refused, by the SQL connections too (their client library would go on in
// plain text), and disabled/preferred connect in plain text. Skipped when the server offers TLS.
class TlsNotOffered : public ghostcut::testing::LiveServerTest {};

TEST_F(TlsNotOffered, RequiredModesRefusedPreferredGoesPlain) {
  if (admin_->query("SELECT @@have_ssl").scalar().value_or("") == "YES")
    GTEST_SKIP() << "the test server offers TLS (start one with GHOSTCUT_TEST_SERVER_NO_TLS=1)";
  ConnectionSettings base = settings_;
  base.database.clear();
  for (TlsMode m :
       {TlsMode::kDisabled, TlsMode::kPreferred, TlsMode::kRequired, TlsMode::kVerifyCa, TlsMode::kVerifyIdentity}) {
    SCOPED_TRACE(to_string(m));
    ConnectionSettings s = base;
    s.tls_mode = m;
    const bool refuse = m >= TlsMode::kRequired;
    try {
      auto c = SqlConnection::open(s);
      EXPECT_FALSE(refuse) << "connected in plain text although TLS is required";
      EXPECT_EQ(c->query("SHOW SESSION STATUS LIKE 'Ssl_version'").rows.at(0).at(1).value_or(""), "");
    } catch (const SqlError& e) {
      EXPECT_TRUE(refuse) << e.what();
      EXPECT_NE(std::string(e.what()).find("not encrypted"), std::string::npos) << e.what();
    }
    auto b = ghostcut::engine::to_binlog_settings(s, 0);
    asio::io_context io;
    std::exception_ptr failure;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          BinlogConnection c(io.get_executor(), b);
          co_await c.async_connect();
          EXPECT_FALSE(c.tls_active());
        }(),
        [&](std::exception_ptr e) { failure = e; });
    io.run();
    try {
      if (failure) std::rethrow_exception(failure);
      EXPECT_FALSE(refuse) << "binlog client connected in plain text although TLS is required";
    } catch (const ConnectionError& e) {
      EXPECT_TRUE(refuse) << e.what();
      EXPECT_NE(std::string(e.what()).find("does not offer it"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
