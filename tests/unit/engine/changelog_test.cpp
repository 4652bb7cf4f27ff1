#include "engine/sql/changelog.h"

#include <gtest/gtest.h>

using namespace ghostcut::engine;
using namespace std::chrono_literals;

namespace {

ghostcut::binlog::RowImage changelog_row(std::string hint, std::string value) {
  ghostcut::binlog::RowImage r;
  r.values = {ghostcut::binlog::Value{std::uint64_t{1}}, ghostcut::binlog::Value{},
              ghostcut::binlog::BytesValue{std::move(hint)}, ghostcut::binlog::BytesValue{std::move(value)}};
  r.present.assign(r.values.size(), true);
  return r;
}

}  // namespace

TEST(Changelog, Statements) {
  const Changelog c("db", "my`t_ghc", "db.my`t");
  EXPECT_EQ(c.create_query(),
            "/* ghostcut db.my`t create-changelog */ CREATE TABLE `db`.`my``t_ghc` (`id` bigint unsigned NOT NULL "
            "AUTO_INCREMENT, `last_update` timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE "
            "CURRENT_TIMESTAMP(6), `hint` varchar(64) CHARACTER SET ascii NOT NULL, `value` varchar(4096) CHARACTER "
            "SET utf8mb4 NOT NULL, PRIMARY KEY (`id`), UNIQUE KEY `hint_uidx` (`hint`)) ENGINE=InnoDB "
            "AUTO_INCREMENT=256");
  const auto hb = c.heartbeat_query("42");
  EXPECT_EQ(hb.sql,
            "/* ghostcut db.my`t heartbeat */ INSERT INTO `db`.`my``t_ghc` (`id`, `hint`, `value`) VALUES (?, ?, ?) "
            "ON DUPLICATE KEY UPDATE `value` = ?, `last_update` = NOW(6)");
  const std::vector<SqlParam> want = {std::uint64_t{1}, std::string("heartbeat"), std::string("42"), std::string("42")};
  EXPECT_EQ(hb.params, want);
  // Without a subject the comment names the changelog table (the replica probe's statement).
  EXPECT_EQ(Changelog("db", "t_ghc").read_heartbeat_query(),
            "/* ghostcut db.t_ghc heartbeat-read */ SELECT `value` FROM `db`.`t_ghc` WHERE `id` = 1");
}

// The row the writer writes is the row the applier loop reads back out of the binlog.
TEST(Changelog, HeartbeatInARowImage) {
  EXPECT_EQ(Changelog::heartbeat_in(changelog_row("heartbeat", "1700000000000000")), 1'700'000'000'000'000);
  EXPECT_EQ(Changelog::heartbeat_in(changelog_row("state", "1700000000000000")), std::nullopt);
  EXPECT_EQ(Changelog::heartbeat_in(changelog_row("heartbeat", "junk")), std::nullopt);
  EXPECT_EQ(Changelog::heartbeat_in(changelog_row("heartbeat", "0")), std::nullopt);
  auto narrow = changelog_row("heartbeat", "1");
  narrow.values.pop_back();
  EXPECT_EQ(Changelog::heartbeat_in(narrow), std::nullopt);
}

TEST(Changelog, HeartbeatLag) {
  struct C {
    std::string name;
    Cell value;
    std::int64_t now;
    std::optional<std::chrono::milliseconds> lag;  // nullopt: error expected
  };
  const std::vector<C> cases = {
      {"2.31 s", std::string("1700000000000000"), 1'700'000'002'310'000, 2310ms},
      {"sub-millisecond rounds down", std::string("1000"), 1999, 0ms},
      {"clock skew: never negative", std::string("1700000000500000"), 1'700'000'000'000'000, 0ms},
      {"NULL", std::nullopt, 1, std::nullopt},
      {"empty", std::string(""), 1, std::nullopt},
      {"junk", std::string("12ab"), 1, std::nullopt},
      {"decimal", std::string("1.5"), 1, std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = Changelog::lag(c.value, c.now);
    ASSERT_EQ(r.has_value(), c.lag.has_value());
    if (c.lag) {
      EXPECT_EQ(*r, *c.lag);
    }
  }
}
