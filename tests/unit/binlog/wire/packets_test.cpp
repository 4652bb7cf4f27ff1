#include "binlog/wire/packets.h"

#include <gtest/gtest.h>

#include "wire_test_util.h"

using namespace ghostcut::binlog;
using namespace ghostcut::binlog::test;

namespace {
// Captured from MariaDB 10.11.19 (Debian 12) on loopback, SSL not configured; frame header removed.
const char* kMariaDbGreeting =
    "0a352e352e352d31302e31312e31392d4d6172696144422d302b646562313275312d6c6f6700060000006f683b2c684a"
    "763800fef7080200ff81150000000000001d000000537574672830584c54402537006d7973716c5f6e61746976655f70"
    "617373776f726400";

// A MySQL 8.0-shaped greeting (caching_sha2_password, SSL offered), built by hand from the spec.
std::vector<std::uint8_t> mysql8_greeting() {
  return concat({{0x0a},
                 bytes_of("8.0.36"),
                 {0x00},
                 {0x2a, 0, 0, 0},
                 {1, 2, 3, 4, 5, 6, 7, 8},
                 {0x00},
                 {0xff, 0xff},  // caps low (incl. SSL 0x800)
                 {0xff},
                 {0x02, 0x00},  // charset, status
                 {0xff, 0xdf},  // caps high
                 {21},
                 {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                 {9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 0},
                 bytes_of("caching_sha2_password"),
                 {0x00}});
}
}  // namespace

TEST(Packets, ParseOk) {
  auto ok = parse_ok_packet(from_hex("00 fc e8 03 05 0200 0100 696e666f"));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->affected_rows, 1000u);
  EXPECT_EQ(ok->last_insert_id, 5u);
  EXPECT_EQ(ok->status_flags, 2u);
  EXPECT_EQ(ok->warnings, 1u);
  EXPECT_EQ(ok->info, "info");
  auto eof_style = parse_ok_packet(from_hex("fe 00 00 0200 0000"));
  ASSERT_TRUE(eof_style);
  EXPECT_EQ(eof_style->status_flags, 2u);
  EXPECT_FALSE(parse_ok_packet(from_hex("ff 0000")));
}

TEST(Packets, ParseOkTruncatedAtEachField) {
  const auto full = from_hex("00 fc e8 03 05 0200 0100");
  // Cutting inside affected_rows / last_insert_id / status / warnings must fail cleanly.
  for (std::size_t cut : {0u, 1u, 2u, 3u, 6u, 8u}) {
    SCOPED_TRACE("cut " + std::to_string(cut));
    auto ok = parse_ok_packet(Bytes(full).first(cut));
    ASSERT_FALSE(ok);
    EXPECT_TRUE(ok.error().is(Errc::kTruncated));
  }
}

TEST(Packets, ParseErr) {
  struct Case {
    const char* name;
    std::vector<std::uint8_t> bytes;
    ErrPacket want;
  };
  const Case cases[] = {
      {"with sql state",
       concat({{0xff, 0x15, 0x04}, bytes_of("#28000Access denied for user 'x'@'localhost'")}),
       {1045, "28000", "Access denied for user 'x'@'localhost'"}},
      {"pre-handshake, no sql state",
       concat({{0xff, 0x10, 0x04}, bytes_of("Too many connections")}),
       {1040, "", "Too many connections"}},
      {"empty message", {0xff, 0x10, 0x04}, {1040, "", ""}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto err = parse_err_packet(c.bytes);
    ASSERT_TRUE(err) << err.error().message();
    EXPECT_EQ(*err, c.want);
  }
  EXPECT_EQ(cases[0].want.to_string(), "1045 (28000): Access denied for user 'x'@'localhost'");
  for (auto bad : {from_hex(""), from_hex("ff"), from_hex("ff15"), from_hex("ff1504 23 3238")}) {
    SCOPED_TRACE(to_hex(bad));
    EXPECT_FALSE(parse_err_packet(bad));
  }
}

TEST(Packets, ParseEof) {
  auto eof = parse_eof_packet(from_hex("fe 0100 2200"));
  ASSERT_TRUE(eof);
  EXPECT_EQ(eof->warnings, 1u);
  EXPECT_EQ(eof->status_flags, 0x22u);
  EXPECT_TRUE(is_eof_packet(from_hex("fe 0100 2200")));
  EXPECT_FALSE(is_eof_packet(from_hex("fe 0000000000000000")));  // 9 bytes: a row, not EOF
  EXPECT_FALSE(parse_eof_packet(from_hex("fe 01")));
  EXPECT_FALSE(parse_eof_packet(from_hex("00 0000 0000")));
}

TEST(Packets, ParseCapturedMariaDbGreeting) {
  auto h = parse_handshake(from_hex(kMariaDbGreeting));
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_EQ(h->server_version, "5.5.5-10.11.19-MariaDB-0+deb12u1-log");
  EXPECT_TRUE(h->is_mariadb());
  EXPECT_EQ(h->connection_id, 6u);
  EXPECT_EQ(h->auth_plugin_data.size(), 20u);
  EXPECT_EQ(as_chars(h->auth_plugin_data), "oh;,hJv8Sutg(0XLT@%7");
  EXPECT_EQ(h->capabilities, 0x81FFF7FEu);
  EXPECT_EQ(h->capabilities & capability::kSsl, 0u);
  EXPECT_EQ(h->charset, 8);
  EXPECT_EQ(h->status_flags, 2);
  EXPECT_EQ(h->mariadb_capabilities, 0x1Du);
  EXPECT_EQ(h->auth_plugin_name, "mysql_native_password");
}

TEST(Packets, ParseMysql8Greeting) {
  auto h = parse_handshake(mysql8_greeting());
  ASSERT_TRUE(h) << h.error().message();
  EXPECT_EQ(h->server_version, "8.0.36");
  EXPECT_FALSE(h->is_mariadb());
  EXPECT_EQ(h->connection_id, 42u);
  EXPECT_EQ(h->auth_plugin_data,
            (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}));
  EXPECT_NE(h->capabilities & capability::kSsl, 0u);
  EXPECT_EQ(h->auth_plugin_name, "caching_sha2_password");
}

TEST(Packets, GreetingTruncatedAnywhereFailsCleanly) {
  const auto full = from_hex(kMariaDbGreeting);
  // Anything cut before the plugin name is an error (or, right after capability_flags_1, the
  // pre-4.1 short form); nothing may crash.
  for (std::size_t cut = 0; cut + 22 < full.size(); ++cut) {
    SCOPED_TRACE("cut " + std::to_string(cut));
    auto h = parse_handshake(Bytes(full).first(cut));
    const std::size_t after_caps1 = 1 + 37 + 4 + 8 + 1 + 2;
    if (cut == after_caps1) {
      EXPECT_TRUE(h);
    } else {
      ASSERT_FALSE(h);
      EXPECT_TRUE(h.error().is(Errc::kTruncated)) << h.error().message();
    }
  }
  auto v9 = from_hex(kMariaDbGreeting);
  v9[0] = 9;
  auto h = parse_handshake(v9);
  ASSERT_FALSE(h);
  EXPECT_TRUE(h.error().is(Errc::kUnsupported));
}

TEST(Packets, HandshakeResponse41Bytes) {
  HandshakeResponse r;
  r.capabilities = capability::kProtocol41 | capability::kSecureConnection | capability::kPluginAuth |
                   capability::kPluginAuthLenencClientData | capability::kConnectWithDb;
  r.max_packet_size = 0x01000000;
  r.charset = 45;
  r.user = "gc";
  r.auth_response = {0xAA, 0xBB};
  r.database = "db";
  r.auth_plugin_name = "mysql_native_password";
  const auto want = concat({{0x08, 0x82, 0x28, 0x00},
                            {0x00, 0x00, 0x00, 0x01},
                            {45},
                            std::vector<std::uint8_t>(23, 0),
                            bytes_of("gc"),
                            {0},
                            {2, 0xAA, 0xBB},
                            bytes_of("db"),
                            {0},
                            bytes_of("mysql_native_password"),
                            {0}});
  EXPECT_EQ(to_hex(build_handshake_response(r)), to_hex(want));

  // Without CONNECT_WITH_DB the database is not sent; without LENENC the length is one byte.
  r.capabilities = capability::kProtocol41 | capability::kSecureConnection | capability::kPluginAuth;
  const auto want2 = concat({{0x00, 0x82, 0x08, 0x00},
                             {0x00, 0x00, 0x00, 0x01},
                             {45},
                             std::vector<std::uint8_t>(23, 0),
                             bytes_of("gc"),
                             {0},
                             {2, 0xAA, 0xBB},
                             bytes_of("mysql_native_password"),
                             {0}});
  EXPECT_EQ(to_hex(build_handshake_response(r)), to_hex(want2));
}

TEST(Packets, SslRequestIsTheResponsePrefix) {
  const auto ssl = build_ssl_request(capability::kProtocol41 | capability::kSsl, 0x40000000, 45);
  EXPECT_EQ(to_hex(ssl),
            "000a000000000040"
            "2d" +
                std::string(46, '0'));
}

TEST(Packets, AuthSwitchAndMoreData) {
  auto sw = parse_auth_switch_request(concat({{0xfe}, bytes_of("caching_sha2_password"), {0}, {1, 2, 3, 0}}));
  ASSERT_TRUE(sw);
  EXPECT_EQ(sw->plugin_name, "caching_sha2_password");
  EXPECT_EQ(sw->plugin_data, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_FALSE(parse_auth_switch_request(concat({{0xfe}, bytes_of("no-nul")})));
  EXPECT_FALSE(parse_auth_switch_request(from_hex("00")));
  auto more = parse_auth_more_data(from_hex("01 04"));
  ASSERT_TRUE(more);
  EXPECT_EQ(*more, std::vector<std::uint8_t>{4});
  EXPECT_FALSE(parse_auth_more_data(from_hex("")));
  EXPECT_FALSE(parse_auth_more_data(from_hex("02 04")));
}

TEST(Packets, SimpleCommands) {
  EXPECT_EQ(to_hex(build_com_query("SELECT 1")), "03" + to_hex(bytes_of("SELECT 1")));
  EXPECT_EQ(to_hex(build_com_ping()), "0e");
  EXPECT_EQ(to_hex(build_com_quit()), "01");
}

TEST(Packets, ComRegisterSlave) {
  RegisterReplica r{
      .server_id = 0x01020304, .host = "h", .user = "us", .password = "pw", .port = 3306, .rank = 0, .master_id = 7};
  auto p = build_com_register_slave(r);
  ASSERT_TRUE(p);
  EXPECT_EQ(to_hex(*p),
            "15"
            "04030201"
            "01"
            "68"
            "02"
            "7573"
            "02"
            "7077"
            "ea0c"
            "00000000"
            "07000000");
  r.password = std::string(256, 'x');
  auto too_long = build_com_register_slave(r);
  ASSERT_FALSE(too_long);
  EXPECT_TRUE(too_long.error().is(Errc::kBadLength));
}

TEST(Packets, ComBinlogDump) {
  BinlogDump d{.file = "mysql-bin.000001", .position = 0x1234, .flags = kBinlogDumpNonBlock, .server_id = 99};
  EXPECT_EQ(to_hex(build_com_binlog_dump(d)),
            "12"
            "34120000"
            "0100"
            "63000000" +
                to_hex(bytes_of("mysql-bin.000001")));
}

TEST(Packets, ComBinlogDumpGtid) {
  BinlogDumpGtid d{.file = "b.1", .position = 4, .flags = 0, .server_id = 2, .gtid_set = {}};
  EXPECT_EQ(to_hex(build_com_binlog_dump_gtid(d)),
            "1e"
            "0000"
            "02000000"
            "03000000" +
                to_hex(bytes_of("b.1")) + "0400000000000000");
  d.gtid_set = {0xAB, 0xCD};
  EXPECT_EQ(to_hex(build_com_binlog_dump_gtid(d)),
            "1e"
            "0400"
            "02000000"
            "03000000" +
                to_hex(bytes_of("b.1")) +
                "0400000000000000"
                "02000000"
                "abcd");
}
