#include "engine/sql/sql_connection.h"

#include <gtest/gtest.h>

#include "engine/sql/quoting.h"
#include "integration/test_server.h"

using namespace ghostcut::engine;
using ghostcut::ConnectionSettings;
using ghostcut::testing::LiveServerTest;

using SqlConnectionTest = LiveServerTest;

TEST_F(SqlConnectionTest, ConnectsAndQueries) {
  auto t = conn_->query("SELECT 1 AS one, NULL AS nothing, 'x' AS ex, DATABASE() AS db");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t.columns, (std::vector<std::string>{"one", "nothing", "ex", "db"}));
  EXPECT_EQ(t.at(0, "one"), "1");
  EXPECT_FALSE(t.at(0, "nothing").has_value());
  EXPECT_EQ(t.at(0, "ex"), "x");
  EXPECT_EQ(t.at(0, "db"), db_);
  EXPECT_GT(conn_->connection_id(), 0u);
  EXPECT_TRUE(conn_->is_valid());
}

TEST_F(SqlConnectionTest, UnknownTableCarriesServerCode) {
  try {
    conn_->query("SELECT * FROM no_such_table");
    FAIL() << "expected SqlError";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.code(), sql_errc::kNoSuchTable);
    EXPECT_EQ(e.sqlstate(), "42S02");
    EXPECT_EQ(e.category(), SqlErrorCategory::kFatal);
    EXPECT_NE(std::string(e.what()).find("1146"), std::string::npos);
  }
}

TEST_F(SqlConnectionTest, SyntaxErrorCarriesServerCode) {
  try {
    conn_->execute("SELEKT 1");
    FAIL() << "expected SqlError";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.code(), sql_errc::kParseError);
  }
}

TEST_F(SqlConnectionTest, WrongPasswordIsAClearAuthError) {
  ConnectionSettings bad = settings_;
  bad.password = "definitely-not-the-password";
  try {
    SqlConnection::open(bad);
    FAIL() << "expected SqlError";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.code(), sql_errc::kAccessDenied);
    const std::string what = e.what();
    EXPECT_NE(what.find("Access denied"), std::string::npos) << what;
    EXPECT_EQ(what.find(bad.password), std::string::npos) << "password leaked into the error";
  }
}

TEST_F(SqlConnectionTest, UnreachableHostIsAClearError) {
  ConnectionSettings bad = settings_;
  bad.port = 1;  // nothing listens on port 1 of loopback
  bad.connect_timeout = std::chrono::seconds(2);
  try {
    SqlConnection::open(bad);
    FAIL() << "expected SqlError";
  } catch (const SqlError& e) {
    // libmariadb says 2002 (CR_CONNECTION_ERROR), libmysqlclient 2003 (CR_CONN_HOST_ERROR).
    EXPECT_TRUE(e.code() == 2002 || e.code() == sql_errc::kCantConnect) << e.what();
    EXPECT_NE(std::string(e.what()).find("connect"), std::string::npos) << e.what();
  }
}

TEST_F(SqlConnectionTest, IdentifierQuotingRoundTripsBacktickAndSpace) {
  const std::string table = "we`ird name";
  conn_->execute("CREATE TABLE " + quote_identifier(table) + " (" + quote_identifier("co`l 1") + " INT PRIMARY KEY)");
  conn_->update("INSERT INTO " + quote_qualified(db_, table) + " VALUES (?)", {std::int64_t{42}});
  auto t = conn_->query("SELECT table_name FROM information_schema.tables WHERE table_schema = ?", {db_});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t.rows[0][0], table);
  auto cols = conn_->query("SELECT column_name FROM information_schema.columns WHERE table_schema = ?", {db_});
  ASSERT_EQ(cols.size(), 1u);
  EXPECT_EQ(cols.rows[0][0], "co`l 1");
  EXPECT_EQ(conn_->query("SELECT " + quote_identifier("co`l 1") + " FROM " + quote_identifier(table)).scalar(), "42");
}

TEST_F(SqlConnectionTest, BoundParametersAreBinarySafe) {
  conn_->execute(
      "CREATE TABLE b (id INT PRIMARY KEY, v VARBINARY(64), s VARCHAR(64) CHARACTER SET utf8mb4, n BIGINT UNSIGNED, d DOUBLE)");
  const std::string bytes("\x00\xff'\"\\\n\x1a", 7);
  EXPECT_EQ(conn_->update("INSERT INTO b VALUES (?, ?, ?, ?, ?)", {std::int64_t{1}, bytes, std::string("héllo ✓"),
                                                                   std::uint64_t{18446744073709551615ULL}, 2.5}),
            1u);
  conn_->update("INSERT INTO b VALUES (?, ?, ?, ?, ?)", {std::int64_t{2}, nullptr, nullptr, nullptr, nullptr});
  auto t = conn_->query("SELECT v, s, n, d, HEX(v) FROM b ORDER BY id");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t.rows[0][0], bytes);
  EXPECT_EQ(t.rows[0][1], "héllo ✓");
  EXPECT_EQ(t.rows[0][2], "18446744073709551615");
  EXPECT_EQ(t.rows[0][3], "2.5");
  EXPECT_EQ(t.rows[0][4], "00FF27225C0A1A");
  EXPECT_FALSE(t.rows[1][0].has_value());
  // The same bytes through literal quoting come back equal.
  conn_->execute("INSERT INTO b (id, v) VALUES (3, " + quote_string(bytes) + "), (4, " + hex_literal(bytes) + ")");
  auto lit = conn_->query("SELECT v FROM b WHERE id IN (3, 4) ORDER BY id");
  EXPECT_EQ(lit.rows[0][0], bytes);
  EXPECT_EQ(lit.rows[1][0], bytes);
}

TEST_F(SqlConnectionTest, KilledConnectionIsCategorisedAsLost) {
  auto victim = SqlConnection::open(settings_);
  admin_->execute("KILL " + std::to_string(victim->connection_id()));
  try {
    victim->query("SELECT 1");
    FAIL() << "expected SqlError";
  } catch (const SqlError& e) {
    EXPECT_TRUE(e.connection_lost()) << e.what();
  }
  EXPECT_FALSE(victim->is_valid());
}

// Which errors mean the session is gone (work without server-side state is then done again on a
// new one): MariaDB's killed connection, MySQL's wait_timeout close (4031), a restarting server.
TEST(SqlErrorCategories, ASessionGoneIsToldFromAFailure) {
  auto gone = [](int code) { return session_gone(SqlError(code, "HY000", "x")); };
  for (int code : {2006, 2013, 2055, 1927, 4031, 1053, 2002, 2003}) EXPECT_TRUE(gone(code)) << code;
  for (int code : {1205, 1213, 1317, 1062, 1146, 1064}) EXPECT_FALSE(gone(code)) << code;
  EXPECT_TRUE(SqlError(1213, "40001", "x").retryable());
}
