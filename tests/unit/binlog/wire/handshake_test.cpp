#include "binlog/wire/handshake.h"

#include <gtest/gtest.h>

#include "binlog/wire/auth.h"
#include "rsa_test_key.h"
#include "wire_test_util.h"

using namespace ghostcut::binlog;
using ghostcut::TlsMode;
using namespace ghostcut::binlog::test;

namespace {

const std::vector<std::uint8_t> kSalt{6, 81, 96, 114, 14, 42, 50, 30, 76, 47, 1, 95, 126, 81, 62, 94, 83, 80, 52, 85};

// A v10 greeting with the given plugin and capability flags (salt = kSalt).
std::vector<std::uint8_t> greeting(std::string_view plugin, std::uint32_t caps) {
  std::vector<std::uint8_t> g = concat({{0x0a}, bytes_of("8.0.36"), {0}, {7, 0, 0, 0}});
  g.insert(g.end(), kSalt.begin(), kSalt.begin() + 8);
  g.push_back(0);
  g.push_back(static_cast<std::uint8_t>(caps));
  g.push_back(static_cast<std::uint8_t>(caps >> 8));
  g.push_back(255);
  g.push_back(2);
  g.push_back(0);
  g.push_back(static_cast<std::uint8_t>(caps >> 16));
  g.push_back(static_cast<std::uint8_t>(caps >> 24));
  g.push_back(21);
  g.insert(g.end(), 10, 0);
  g.insert(g.end(), kSalt.begin() + 8, kSalt.end());
  g.push_back(0);
  g.insert(g.end(), plugin.begin(), plugin.end());
  g.push_back(0);
  return g;
}

constexpr std::uint32_t kServerCaps = 0xFFFFF7FF & ~capability::kSsl;  // everything but TLS
constexpr std::uint32_t kServerCapsTls = 0xFFFFFFFF;

const std::vector<std::uint8_t> kOk = from_hex("00 00 00 0200 0000");
const std::vector<std::uint8_t> kAccessDenied =
    concat({{0xff, 0x15, 0x04}, bytes_of("#28000Access denied for user 'gc'@'localhost' (using password: YES)")});

HandshakeConfig config(TlsMode tls = TlsMode::kDisabled) {
  HandshakeConfig c;
  c.user = "gc";
  c.password = "secret";
  c.tls_mode = tls;
  return c;
}

// Splits a HandshakeResponse41 into (user, auth_response, plugin) for the checks.
struct ParsedResponse {
  std::uint32_t caps;
  std::string user;
  std::vector<std::uint8_t> auth;
  std::string db;
  std::string plugin;
};
ParsedResponse parse_response(Bytes p) {
  ByteReader r(p);
  ParsedResponse out;
  out.caps = r.u32();
  r.skip(4 + 1 + 23);
  out.user = std::string(r.null_str());
  auto auth = r.bytes(static_cast<std::size_t>(r.lenenc()));
  out.auth.assign(auth.begin(), auth.end());
  if (out.caps & capability::kConnectWithDb) out.db = std::string(r.null_str());
  out.plugin = std::string(r.null_str());
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.at_end());
  return out;
}

}  // namespace

TEST(Handshake, NativePassword) {
  HandshakeAlgorithm hs(config());
  auto s = hs.on_packet(greeting("mysql_native_password", kServerCaps));
  ASSERT_EQ(s.action, HandshakeAction::kSend) << s.error.message();
  auto resp = parse_response(s.payload);
  EXPECT_EQ(resp.user, "gc");
  EXPECT_EQ(resp.plugin, "mysql_native_password");
  EXPECT_EQ(resp.auth, scramble_native_password("secret", kSalt));
  EXPECT_EQ(resp.caps & capability::kSsl, 0u);
  EXPECT_NE(resp.caps & capability::kProtocol41, 0u);
  EXPECT_NE(resp.caps & capability::kPluginAuthLenencClientData, 0u);
  EXPECT_EQ(resp.caps & capability::kConnectWithDb, 0u);
  EXPECT_EQ(hs.on_packet(kOk).action, HandshakeAction::kDone);
  EXPECT_TRUE(hs.finished());
}

TEST(Handshake, ConnectWithDatabase) {
  auto cfg = config();
  cfg.database = "shop";
  HandshakeAlgorithm hs(cfg);
  auto s = hs.on_packet(greeting("mysql_native_password", kServerCaps));
  ASSERT_EQ(s.action, HandshakeAction::kSend);
  auto resp = parse_response(s.payload);
  EXPECT_NE(resp.caps & capability::kConnectWithDb, 0u);
  EXPECT_EQ(resp.db, "shop");
}

TEST(Handshake, CachingSha2FastPath) {
  HandshakeAlgorithm hs(config());
  auto s = hs.on_packet(greeting("caching_sha2_password", kServerCaps));
  ASSERT_EQ(s.action, HandshakeAction::kSend);
  auto resp = parse_response(s.payload);
  EXPECT_EQ(resp.plugin, "caching_sha2_password");
  EXPECT_EQ(to_hex(resp.auth), to_hex(std::vector<std::uint8_t>{171, 201, 138, 146, 89, 159, 11,  170, 0,   67, 165,
                                                                49,  175, 94,  218, 68, 177, 109, 110, 86,  34, 33,
                                                                44,  190, 67,  240, 70, 110, 40,  139, 124, 41}));
  EXPECT_EQ(hs.on_packet(from_hex("01 03")).action, HandshakeAction::kWait);
  EXPECT_EQ(hs.on_packet(kOk).action, HandshakeAction::kDone);
}

TEST(Handshake, CachingSha2FullAuthOverTls) {
  HandshakeAlgorithm hs(config(TlsMode::kRequired));
  auto s = hs.on_packet(greeting("caching_sha2_password", kServerCapsTls));
  ASSERT_EQ(s.action, HandshakeAction::kSendAndStartTls);
  ASSERT_EQ(s.payload.size(), 32u);  // SSLRequest
  ByteReader r(s.payload);
  EXPECT_NE(r.u32() & capability::kSsl, 0u);
  s = hs.on_tls_established();
  ASSERT_EQ(s.action, HandshakeAction::kSend);
  auto resp = parse_response(s.payload);
  EXPECT_NE(resp.caps & capability::kSsl, 0u);
  EXPECT_EQ(resp.auth, scramble_caching_sha2_password("secret", kSalt));
  s = hs.on_packet(from_hex("01 04"));
  ASSERT_EQ(s.action, HandshakeAction::kSend);
  EXPECT_EQ(s.payload, clear_password_with_nul("secret"));
  EXPECT_EQ(hs.on_packet(kOk).action, HandshakeAction::kDone);
}

TEST(Handshake, CachingSha2FullAuthOverUnixSocketIsClear) {
  auto cfg = config();
  cfg.transport_secure = true;
  HandshakeAlgorithm hs(cfg);
  ASSERT_EQ(hs.on_packet(greeting("caching_sha2_password", kServerCaps)).action, HandshakeAction::kSend);
  auto s = hs.on_packet(from_hex("01 04"));
  ASSERT_EQ(s.action, HandshakeAction::kSend);
  EXPECT_EQ(s.payload, clear_password_with_nul("secret"));
}

TEST(Handshake, CachingSha2FullAuthWithRsaKey) {
  RsaTestKey key;
  auto cfg = config();
  cfg.get_server_public_key = true;  // --get-server-public-key
  HandshakeAlgorithm hs(cfg);
  ASSERT_EQ(hs.on_packet(greeting("caching_sha2_password", kServerCaps)).action, HandshakeAction::kSend);
  auto s = hs.on_packet(from_hex("01 04"));
  ASSERT_EQ(s.action, HandshakeAction::kSend);
  EXPECT_EQ(s.payload, std::vector<std::uint8_t>{0x02});  // request the public key
  s = hs.on_packet(concat({{0x01}, bytes_of(key.public_pem())}));
  ASSERT_EQ(s.action, HandshakeAction::kSend) << s.error.message();
  auto plain = key.decrypt(s.payload);
  ASSERT_EQ(plain.size(), 7u);
  for (std::size_t i = 0; i < plain.size(); ++i) plain[i] ^= kSalt[i % kSalt.size()];
  EXPECT_EQ(plain, clear_password_with_nul("secret"));
  EXPECT_EQ(hs.on_packet(kOk).action, HandshakeAction::kDone);
}

TEST(Handshake, BadPublicKeyFails) {
  auto cfg = config();
  cfg.get_server_public_key = true;
  HandshakeAlgorithm hs(cfg);
  ASSERT_EQ(hs.on_packet(greeting("caching_sha2_password", kServerCaps)).action, HandshakeAction::kSend);
  ASSERT_EQ(hs.on_packet(from_hex("01 04")).action, HandshakeAction::kSend);
  auto s = hs.on_packet(concat({{0x01}, bytes_of("not a key")}));
  EXPECT_EQ(s.action, HandshakeAction::kFailed);
  EXPECT_TRUE(s.error.is(Errc::kAuthFailed));
}

TEST(Handshake, AuthSwitchToNative) {
  HandshakeAlgorithm hs(config());
  ASSERT_EQ(hs.on_packet(greeting("caching_sha2_password", kServerCaps)).action, HandshakeAction::kSend);
  const std::vector<std::uint8_t> salt2{70, 114, 92,  94,  1,  38, 11, 116, 63, 114,
                                        23, 101, 126, 103, 26, 95, 81, 17,  24, 21};
  auto s = hs.on_packet(concat({{0xfe}, bytes_of("mysql_native_password"), {0}, salt2, {0}}));
  ASSERT_EQ(s.action, HandshakeAction::kSend) << s.error.message();
  EXPECT_EQ(s.payload, (std::vector<std::uint8_t>{53,  177, 140, 159, 251, 189, 127, 53, 109, 252,
                                                  172, 50,  211, 192, 240, 164, 26,  48, 207, 45}));
  EXPECT_EQ(hs.plugin(), "mysql_native_password");
  EXPECT_EQ(hs.on_packet(kOk).action, HandshakeAction::kDone);
}

// Without TLS, a socket, a key file or --get-server-public-key the server's RSA key is never asked
// for (libmysqlclient's default): the password would go to whoever answers with a key.
TEST(Handshake, CachingSha2FullAuthWithoutKeyOrPermissionFails) {
  HandshakeAlgorithm hs(config());
  ASSERT_EQ(hs.on_packet(greeting("caching_sha2_password", kServerCaps)).action, HandshakeAction::kSend);
  auto s = hs.on_packet(from_hex("01 04"));
  ASSERT_EQ(s.action, HandshakeAction::kFailed);
  EXPECT_TRUE(s.error.is(Errc::kAuthFailed));
  EXPECT_NE(s.error.message().find("--get-server-public-key"), std::string::npos) << s.error.message();
  EXPECT_NE(s.error.message().find("--server-public-key-path"), std::string::npos) << s.error.message();
  EXPECT_TRUE(s.payload.empty());
}

// --server-public-key-path: the password is encrypted with the operator's key; nothing is fetched.
TEST(Handshake, CachingSha2FullAuthWithConfiguredKeyFetchesNothing) {
  RsaTestKey key;
  auto cfg = config();
  cfg.server_public_key = key.public_pem();
  HandshakeAlgorithm hs(cfg);
  ASSERT_EQ(hs.on_packet(greeting("caching_sha2_password", kServerCaps)).action, HandshakeAction::kSend);
  auto s = hs.on_packet(from_hex("01 04"));
  ASSERT_EQ(s.action, HandshakeAction::kSend) << s.error.message();
  ASSERT_NE(s.payload, std::vector<std::uint8_t>{0x02});
  auto plain = key.decrypt(s.payload);
  ASSERT_EQ(plain.size(), 7u);
  for (std::size_t i = 0; i < plain.size(); ++i) plain[i] ^= kSalt[i % kSalt.size()];
  EXPECT_EQ(plain, clear_password_with_nul("secret"));
  EXPECT_EQ(hs.on_packet(kOk).action, HandshakeAction::kDone);
}

// mysql_clear_password: the clear password only over a unix socket or TLS with a verified server.
TEST(Handshake, ClearPasswordOnlyOverVerifiedTlsOrSocket) {
  const auto switch_to_clear = concat({{0xfe}, bytes_of("mysql_clear_password"), {0}});
  struct Case {
    const char* name;
    TlsMode tls;
    bool socket;
    bool allowed;
  };
  const Case cases[] = {
      {"plain TCP", TlsMode::kDisabled, false, false},
      {"TLS, certificate not checked", TlsMode::kRequired, false, false},
      {"TLS preferred", TlsMode::kPreferred, false, false},
      {"TLS verify-ca", TlsMode::kVerifyCa, false, true},
      {"TLS verify-identity", TlsMode::kVerifyIdentity, false, true},
      {"unix socket", TlsMode::kDisabled, true, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto cfg = config(c.tls);
    cfg.transport_secure = c.socket;
    HandshakeAlgorithm hs(cfg);
    auto s =
        hs.on_packet(greeting("mysql_native_password", c.tls == TlsMode::kDisabled ? kServerCaps : kServerCapsTls));
    if (s.action == HandshakeAction::kSendAndStartTls) s = hs.on_tls_established();
    ASSERT_EQ(s.action, HandshakeAction::kSend);
    s = hs.on_packet(switch_to_clear);
    if (c.allowed) {
      ASSERT_EQ(s.action, HandshakeAction::kSend) << s.error.message();
      EXPECT_EQ(s.payload, clear_password_with_nul("secret"));
    } else {
      ASSERT_EQ(s.action, HandshakeAction::kFailed);
      EXPECT_TRUE(s.error.is(Errc::kAuthFailed));
      EXPECT_NE(s.error.message().find("verify-ca"), std::string::npos) << s.error.message();
    }
  }
}

// Every mode from required up refuses a server without TLS; disabled/preferred go on in clear.
TEST(Handshake, TlsModesAgainstServerWithoutTls) {
  for (TlsMode m :
       {TlsMode::kDisabled, TlsMode::kPreferred, TlsMode::kRequired, TlsMode::kVerifyCa, TlsMode::kVerifyIdentity}) {
    SCOPED_TRACE(to_string(m));
    HandshakeAlgorithm hs(config(m));
    auto s = hs.on_packet(greeting("mysql_native_password", kServerCaps));
    if (m >= TlsMode::kRequired) {
      ASSERT_EQ(s.action, HandshakeAction::kFailed);
      EXPECT_TRUE(s.error.is(Errc::kUnsupported));
    } else {
      EXPECT_EQ(s.action, HandshakeAction::kSend);
    }
  }
}

TEST(Handshake, AuthSwitchToCachingSha2ThenFullAuth) {
  auto cfg = config();
  cfg.get_server_public_key = true;
  HandshakeAlgorithm hs(cfg);
  ASSERT_EQ(hs.on_packet(greeting("mysql_native_password", kServerCaps)).action, HandshakeAction::kSend);
  auto s = hs.on_packet(concat({{0xfe}, bytes_of("caching_sha2_password"), {0}, kSalt, {0}}));
  ASSERT_EQ(s.action, HandshakeAction::kSend);
  EXPECT_EQ(s.payload, scramble_caching_sha2_password("secret", kSalt));
  EXPECT_EQ(hs.on_packet(from_hex("01 04")).payload, std::vector<std::uint8_t>{0x02});
}

TEST(Handshake, UnknownGreetingPluginAnswersAsNative) {
  HandshakeAlgorithm hs(config());
  auto s = hs.on_packet(greeting("auth_gssapi_client", kServerCaps));
  ASSERT_EQ(s.action, HandshakeAction::kSend);
  EXPECT_EQ(parse_response(s.payload).plugin, "mysql_native_password");
}

TEST(Handshake, ErrorsKeepTheServersWords) {
  struct Case {
    const char* name;
    std::vector<std::vector<std::uint8_t>> server;  // packets after the greeting
    Errc want;
    std::uint16_t server_code;
  };
  const Case cases[] = {
      {"access denied", {kAccessDenied}, Errc::kAuthFailed, 1045},
      {"access denied after fast auth", {from_hex("01 03"), kAccessDenied}, Errc::kAuthFailed, 1045},
      {"switch to unknown plugin", {concat({{0xfe}, bytes_of("dialog"), {0}, {1, 2}})}, Errc::kAuthFailed, 0},
      {"switch to clear text without TLS",
       {concat({{0xfe}, bytes_of("mysql_clear_password"), {0}})},
       Errc::kAuthFailed,
       0},
      {"old password switch", {from_hex("fe")}, Errc::kUnsupported, 0},
      {"bad more-data code", {from_hex("01 09")}, Errc::kProtocolError, 0},
      {"unexpected packet", {from_hex("05 01")}, Errc::kProtocolError, 0},
      {"empty packet", {from_hex("")}, Errc::kProtocolError, 0},
      {"truncated ERR", {from_hex("ff 15")}, Errc::kTruncated, 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    HandshakeAlgorithm hs(config());
    ASSERT_EQ(hs.on_packet(greeting("caching_sha2_password", kServerCaps)).action, HandshakeAction::kSend);
    HandshakeStep s;
    for (const auto& p : c.server) s = hs.on_packet(p);
    ASSERT_EQ(s.action, HandshakeAction::kFailed);
    EXPECT_TRUE(s.error.is(c.want)) << s.error.message();
    if (c.server_code) {
      ASSERT_TRUE(s.server_error);
      EXPECT_EQ(s.server_error->code, c.server_code);
      EXPECT_EQ(s.server_error->sql_state, "28000");
      EXPECT_NE(s.error.message().find("Access denied"), std::string::npos);
    }
    // Once failed, it stays failed.
    EXPECT_EQ(hs.on_packet(kOk).action, HandshakeAction::kFailed);
  }
}

TEST(Handshake, GreetingProblems) {
  struct Case {
    const char* name;
    std::vector<std::uint8_t> greeting;
    TlsMode tls;
    Errc want;
  };
  const Case cases[] = {
      {"ERR instead of greeting", concat({{0xff, 0x10, 0x04}, bytes_of("Too many connections")}), TlsMode::kDisabled,
       Errc::kServerError},
      {"TLS required, not offered", greeting("mysql_native_password", kServerCaps), TlsMode::kRequired,
       Errc::kUnsupported},
      {"no PROTOCOL_41", greeting("mysql_native_password", kServerCaps & ~capability::kProtocol41), TlsMode::kDisabled,
       Errc::kUnsupported},
      {"truncated greeting", from_hex("0a 38 2e 30 00 07"), TlsMode::kDisabled, Errc::kTruncated},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    HandshakeAlgorithm hs(config(c.tls));
    auto s = hs.on_packet(c.greeting);
    ASSERT_EQ(s.action, HandshakeAction::kFailed);
    EXPECT_TRUE(s.error.is(c.want)) << s.error.message();
  }
}

TEST(Handshake, TlsPreferredSkipsTlsWhenNotOffered) {
  HandshakeAlgorithm hs(config(TlsMode::kPreferred));
  auto s = hs.on_packet(greeting("mysql_native_password", kServerCaps));
  EXPECT_EQ(s.action, HandshakeAction::kSend);
  EXPECT_FALSE(hs.tls_requested());
}

TEST(Handshake, TlsDisabledIgnoresOffer) {
  HandshakeAlgorithm hs(config(TlsMode::kDisabled));
  auto s = hs.on_packet(greeting("mysql_native_password", kServerCapsTls));
  EXPECT_EQ(s.action, HandshakeAction::kSend);
  EXPECT_EQ(parse_response(s.payload).caps & capability::kSsl, 0u);
}
