// Binlog positions order by the file's sequence number, then offset: a drain target in
// mysql-bin.1000000 is after everything in mysql-bin.999999.
#include "binlog/position.h"

#include <gtest/gtest.h>

using ghostcut::binlog::BinlogPosition;

TEST(BinlogPosition, OrdersByFileSequenceNumberThenOffset) {
  struct Case {
    BinlogPosition a, b;
    int want;  // sign of a <=> b
  };
  const Case cases[] = {
      {{"mysql-bin.000009", 900}, {"mysql-bin.000010", 4}, -1},
      {{"mysql-bin.999999", 123456}, {"mysql-bin.1000000", 4}, -1},  // a string compare says +1
      {{"mysql-bin.1000000", 4}, {"mysql-bin.999999", 99999999}, 1},
      {{"mysql-bin.000010", 4}, {"mysql-bin.000010", 5}, -1},
      {{"mysql-bin.000010", 77}, {"mysql-bin.000010", 77}, 0},
      {{"mysql-bin.10", 4}, {"mysql-bin.000010", 4}, 1},  // same number, different spelling: ordered, not equal
      {{"binlog.000002", 4}, {"binlog.000001", 1000}, 1},
      {{"mariadb-bin.000001", 4}, {"mysql-bin.000001", 4}, -1},  // base name first
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.a.to_string() + " vs " + c.b.to_string());
    const auto got = c.a <=> c.b;
    EXPECT_EQ(got < 0 ? -1 : got > 0 ? 1 : 0, c.want);
    EXPECT_EQ(c.a == c.b, c.want == 0);
  }
  // Drain loops ask "reached?" with >=.
  EXPECT_TRUE((BinlogPosition{"mysql-bin.1000000", 4} >= BinlogPosition{"mysql-bin.999999", 500}));
  EXPECT_FALSE((BinlogPosition{"mysql-bin.999999", 500} >= BinlogPosition{"mysql-bin.1000000", 4}));
}

// Every caller asks the server for its position with this one statement.
TEST(BinlogStatusStatement, FollowsTheVersionMatrix) {
  using ghostcut::binlog::binlog_status_statement;
  const std::pair<const char*, const char*> cases[] = {
      {"5.7.44-log", "SHOW MASTER STATUS"},
      {"8.0.36", "SHOW MASTER STATUS"},
      {"8.1.0", "SHOW MASTER STATUS"},
      {"8.2.0", "SHOW BINARY LOG STATUS"},
      {"8.4.3", "SHOW BINARY LOG STATUS"},
      {"9.1.0-commercial", "SHOW BINARY LOG STATUS"},
      {"10.11.6-MariaDB-log", "SHOW MASTER STATUS"},
      {"11.4.2-MariaDB", "SHOW MASTER STATUS"},
      {"5.5.5-10.11.6-MariaDB-1:10.11.6+maria~deb12", "SHOW MASTER STATUS"},  // MariaDB's handshake
      {"", "SHOW MASTER STATUS"},
  };
  for (const auto& [version, want] : cases) EXPECT_STREQ(binlog_status_statement(version), want) << version;
}
