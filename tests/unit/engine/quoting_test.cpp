#include "engine/sql/quoting.h"
#include "common/connection_settings.h"

#include <gtest/gtest.h>

using namespace ghostcut::engine;

TEST(Quoting, Identifiers) {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {{"t", "`t`"}, {"a`b", "`a``b`"}, {"``", "``````"}, {"with space", "`with space`"}, {"", "``"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(quote_identifier(c.in), c.want);
  }
  EXPECT_EQ(quote_qualified("d`b", "t"), "`d``b`.`t`");
}

TEST(Quoting, StringsAndHex) {
  EXPECT_EQ(quote_string("it's"), "'it\\'s'");
  EXPECT_EQ(quote_string(std::string("a\0b\\\n\r\x1a", 7)), "'a\\0b\\\\\\n\\r\\Z'");
  EXPECT_EQ(hex_literal(std::string("\x00\xff", 2)), "X'00FF'");
  EXPECT_EQ(hex_literal(""), "X''");
}

TEST(ConnectionSettings, RedactedNeverShowsPassword) {
  ghostcut::ConnectionSettings s;
  s.user = "u";
  s.password = "s3cret";
  s.host = "db1";
  s.port = 3307;
  s.database = "app";
  EXPECT_EQ(s.redacted(), "u@db1:3307/app");
  s.socket = "/run/mysqld.sock";
  EXPECT_EQ(s.redacted(), "u@unix:/run/mysqld.sock/app");
}
