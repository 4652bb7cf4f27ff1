#include "engine/sql/query_builder.h"

#include "engine/sql/changelog.h"

#include <gtest/gtest.h>

#include <cctype>

using namespace ghostcut::engine;

namespace {

// Collapses whitespace runs to one space and trims, as gh-ost's builder_test normalises.
std::string normalize(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

ColumnInfo qb_col(std::string name, std::string type = "int", bool generated = false) {
  ColumnInfo c;
  c.name = std::move(name);
  c.data_type = type;
  c.column_type = type;
  c.generated = generated;
  return c;
}

TableSchema schema_of(std::vector<ColumnInfo> cols) {
  TableSchema t;
  t.schema = "db";
  t.table = "t";
  t.columns = std::move(cols);
  return t;
}

IndexInfo key(std::string name, std::vector<std::string> cols) {
  IndexInfo k;
  k.name = std::move(name);
  k.unique = true;
  k.primary = k.name == "PRIMARY";
  k.columns = std::move(cols);
  return k;
}

QueryBuilder builder(IndexInfo k, std::string table = "t") {
  auto s = schema_of({qb_col("id"), qb_col("k2"), qb_col("name", "varchar(20)")});
  auto r = QueryBuilder::create("db", std::move(table), std::move(k), build_column_mapping(s, s), s);
  EXPECT_TRUE(r.has_value());
  return *r;
}

const std::string kSingleGt = "(`id` > ?)";

}  // namespace

TEST(TableNames, DerivedNames) {
  EXPECT_EQ(ghost_table_name("t"), "t_gho");
  EXPECT_EQ(changelog_table_name("t"), "t_ghc");
  EXPECT_EQ(old_table_name("t"), "t_del");
  EXPECT_EQ(ghost_table_name("my`tbl"), "my`tbl_gho");
}

// The cut-over needs the RENAME's first table lock to be t's (engine/cutover/cutover.h): every derived
// name must sort after the table's in the server's lock order, whatever the table is called.
TEST(TableNames, DerivedNamesSortAfterTheTableInLockOrder) {
  const std::string u8 = "\xc3\xa9";
  std::vector<std::string> tables = {"t",
                                     "T",
                                     "orders",
                                     "Orders",
                                     "ORDERS",
                                     "_t",
                                     "0t",
                                     "a_b",
                                     "zzz",
                                     "Z",
                                     u8 + "t",
                                     "t" + u8,
                                     std::string(59, 'a'),
                                     std::string(60, 'a'),
                                     std::string(64, 'z'),
                                     std::string(63, 'Z') + "a",
                                     std::string(64, 'M')};
  for (const auto& t : tables) {
    SCOPED_TRACE(t);
    for (const auto& name : {ghost_table_name(t), changelog_table_name(t), old_table_name(t)}) {
      ASSERT_FALSE(name.empty());
      EXPECT_TRUE(sorts_after_in_lock_order(name, t)) << name;
      EXPECT_FALSE(sorts_after_in_lock_order(t, name)) << name;
    }
  }
  // The old gh-ost style prefix sorts BEFORE a lower-case table: the cause of lost writes.
  EXPECT_FALSE(sorts_after_in_lock_order("_t_gho", "t"));
  EXPECT_TRUE(sorts_after_in_lock_order("t_gho", "t"));
  EXPECT_FALSE(sorts_after_in_lock_order("a_gho", "B"));  // lower-cased, a < b
  // A long name of characters above 'z' only has no such cut.
  std::string wide;
  for (int i = 0; i < 61; ++i) wide += u8;
  EXPECT_EQ(ghost_table_name(wide), "");
}

TEST(TableNames, LongNamesStayWithin64Characters) {
  struct Case {
    std::string name;
    std::string table;
    bool truncated;
  };
  const std::string u8 = "\xc3\xa9";  // é: 2 bytes, 1 character
  const std::vector<Case> cases = {
      {"60 chars fits exactly", std::string(60, 'a'), false},
      {"61 chars truncated", std::string(61, 'a'), true},
      {"64 chars truncated", std::string(64, 'b'), true},
      {"60 chars fit with multibyte ones (90 bytes)",
       [&] {
         std::string s;
         for (int i = 0; i < 30; ++i) s += u8;
         return s + std::string(30, 'x');
       }(),
       false},
      {"multibyte chars truncated on a character boundary",
       [&] {
         std::string s;
         for (int i = 0; i < 49; ++i) s += "x" + u8;
         return s;
       }(),
       true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    for (const auto& name : {ghost_table_name(c.table), changelog_table_name(c.table), old_table_name(c.table)}) {
      std::size_t chars = 0;
      for (unsigned char ch : name) chars += (ch & 0xC0) != 0x80;
      if (c.truncated) {
        EXPECT_LE(chars, 64u);
        EXPECT_TRUE(sorts_after_in_lock_order(name, c.table));
        // no split UTF-8 sequence: every lead byte is followed by its continuation
        EXPECT_EQ(name.find("\xc3~"), std::string::npos);
      } else {
        EXPECT_EQ(name, c.table + name.substr(name.size() - 4));
      }
    }
  }
  // deterministic, distinct for different long names sharing a prefix
  const auto a = std::string(70, 'x') + "a", b = std::string(70, 'x') + "b";
  EXPECT_EQ(ghost_table_name(a), ghost_table_name(a));
  EXPECT_NE(ghost_table_name(a), ghost_table_name(b));
  EXPECT_EQ(ghost_table_name(a).substr(0, 52), std::string(50, 'x') + "~_");
  EXPECT_EQ(ghost_table_name(a).substr(60), "_gho");
}

TEST(QueryBuilder, CreateRejectsBadInput) {
  auto s = schema_of({qb_col("id"), qb_col("v")});
  auto only_v = schema_of({qb_col("v")});
  struct Case {
    const char* name;
    IndexInfo key;
    ColumnMapping mapping;
  };
  const std::vector<Case> cases = {
      {"empty key", key("PRIMARY", {}), build_column_mapping(s, s)},
      {"no shared columns", key("PRIMARY", {"id"}), ColumnMapping{}},
      {"key column dropped", key("PRIMARY", {"id"}), build_column_mapping(s, only_v)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = QueryBuilder::create("db", "t", c.key, c.mapping, s);
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().is(ghostcut::binlog::Errc::kBadValue));
    EXPECT_FALSE(r.error().context.empty());
  }
}

TEST(QueryBuilder, MinMaxKey) {
  struct Case {
    const char* name;
    IndexInfo key;
    std::string min, max;
  };
  const std::vector<Case> cases = {
      {"single", key("PRIMARY", {"id"}),
       "/* ghostcut db.t min-key */ SELECT `id` FROM `db`.`t` FORCE INDEX (`PRIMARY`) ORDER BY `id` LIMIT 1",
       "/* ghostcut db.t max-key */ SELECT `id` FROM `db`.`t` FORCE INDEX (`PRIMARY`) ORDER BY `id` DESC LIMIT 1"},
      {"composite", key("uk", {"id", "k2"}),
       "/* ghostcut db.t min-key */ SELECT `id`, `k2` FROM `db`.`t` FORCE INDEX (`uk`) ORDER BY `id`, `k2` LIMIT 1",
       "/* ghostcut db.t max-key */ SELECT `id`, `k2` FROM `db`.`t` FORCE INDEX (`uk`) ORDER BY `id` DESC, `k2` DESC LIMIT 1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto b = builder(c.key);
    EXPECT_EQ(normalize(b.min_key_query()), c.min);
    EXPECT_EQ(normalize(b.max_key_query()), c.max);
  }
}

TEST(QueryBuilder, NextChunkEnd) {
  using P = std::vector<SqlParam>;
  struct Case {
    const char* name;
    IndexInfo key;
    std::optional<KeyTuple> lower;
    bool inclusive;
    KeyTuple max;
    std::string sql;
    P params;
  };
  const std::vector<Case> cases = {
      {"single, first chunk, no lower bound",
       key("PRIMARY", {"id"}),
       std::nullopt,
       false,
       {std::int64_t{100}},
       "/* ghostcut db.t next-chunk-end */ SELECT `id` FROM (SELECT `id` FROM `db`.`t` FORCE INDEX (`PRIMARY`) "
       "WHERE (`id` <= ?) ORDER BY `id` LIMIT 1000) sel ORDER BY `id` DESC LIMIT 1",
       {std::int64_t{100}}},
      {"single, first chunk from min inclusive",
       key("PRIMARY", {"id"}),
       KeyTuple{std::int64_t{1}},
       true,
       {std::int64_t{100}},
       "/* ghostcut db.t next-chunk-end */ SELECT `id` FROM (SELECT `id` FROM `db`.`t` FORCE INDEX (`PRIMARY`) "
       "WHERE (`id` >= ?) AND (`id` <= ?) ORDER BY `id` LIMIT 1000) sel ORDER BY `id` DESC LIMIT 1",
       {std::int64_t{1}, std::int64_t{100}}},
      {"single, after last key",
       key("PRIMARY", {"id"}),
       KeyTuple{std::int64_t{50}},
       false,
       {std::int64_t{100}},
       "/* ghostcut db.t next-chunk-end */ SELECT `id` FROM (SELECT `id` FROM `db`.`t` FORCE INDEX (`PRIMARY`) "
       "WHERE (`id` > ?) AND (`id` <= ?) ORDER BY `id` LIMIT 1000) sel ORDER BY `id` DESC LIMIT 1",
       {std::int64_t{50}, std::int64_t{100}}},
      {"composite, after last key",
       key("uk", {"id", "k2"}),
       KeyTuple{std::int64_t{5}, std::string("b")},
       false,
       {std::int64_t{9}, std::string("z")},
       "/* ghostcut db.t next-chunk-end */ SELECT `id`, `k2` FROM (SELECT `id`, `k2` FROM `db`.`t` FORCE INDEX (`uk`) "
       "WHERE ((`id` > ?) OR (`id` = ? AND `k2` > ?)) AND ((`id` < ?) OR (`id` = ? AND `k2` <= ?)) "
       "ORDER BY `id`, `k2` LIMIT 1000) sel ORDER BY `id` DESC, `k2` DESC LIMIT 1",
       {std::int64_t{5}, std::int64_t{5}, std::string("b"), std::int64_t{9}, std::int64_t{9}, std::string("z")}},
      {"composite, first inclusive",
       key("uk", {"id", "k2"}),
       KeyTuple{std::int64_t{1}, std::string("a")},
       true,
       {std::int64_t{9}, std::string("z")},
       "/* ghostcut db.t next-chunk-end */ SELECT `id`, `k2` FROM (SELECT `id`, `k2` FROM `db`.`t` FORCE INDEX (`uk`) "
       "WHERE ((`id` > ?) OR (`id` = ? AND `k2` >= ?)) AND ((`id` < ?) OR (`id` = ? AND `k2` <= ?)) "
       "ORDER BY `id`, `k2` LIMIT 1000) sel ORDER BY `id` DESC, `k2` DESC LIMIT 1",
       {std::int64_t{1}, std::int64_t{1}, std::string("a"), std::int64_t{9}, std::int64_t{9}, std::string("z")}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = builder(c.key).next_chunk_end_query(c.lower, c.inclusive, c.max, 1000);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(normalize(r->sql), c.sql);
    EXPECT_EQ(r->params, c.params);
  }
}

TEST(QueryBuilder, ThreeColumnKeyExpandsEveryPrefix) {
  auto s = schema_of({qb_col("a"), qb_col("b"), qb_col("c")});
  auto b = QueryBuilder::create("db", "t", key("k", {"a", "b", "c"}), build_column_mapping(s, s), s);
  ASSERT_TRUE(b.has_value());
  auto r = b->range_copy_query(KeyTuple{std::int64_t{1}, std::int64_t{2}, std::int64_t{3}}, false,
                               KeyTuple{std::int64_t{7}, std::int64_t{8}, std::int64_t{9}});
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(
      normalize(r->sql).find("WHERE ((`a` > ?) OR (`a` = ? AND `b` > ?) OR (`a` = ? AND `b` = ? AND `c` > ?)) AND "
                             "((`a` < ?) OR (`a` = ? AND `b` < ?) OR (`a` = ? AND `b` = ? AND `c` <= ?)) LOCK"),
      std::string::npos)
      << r->sql;
  const std::vector<SqlParam> want = {std::int64_t{1}, std::int64_t{1}, std::int64_t{2}, std::int64_t{1},
                                      std::int64_t{2}, std::int64_t{3}, std::int64_t{7}, std::int64_t{7},
                                      std::int64_t{8}, std::int64_t{7}, std::int64_t{8}, std::int64_t{9}};
  EXPECT_EQ(r->params, want);
}

TEST(QueryBuilder, KeyTupleSizeMismatchIsAnError) {
  auto b = builder(key("uk", {"id", "k2"}));
  struct Case {
    const char* name;
    std::optional<KeyTuple> lower;
    KeyTuple upper;
  };
  const std::vector<Case> cases = {
      {"lower too short", KeyTuple{std::int64_t{1}}, KeyTuple{std::int64_t{1}, std::int64_t{2}}},
      {"upper too long", std::nullopt, KeyTuple{std::int64_t{1}, std::int64_t{2}, std::int64_t{3}}},
      {"upper empty", std::nullopt, KeyTuple{}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto copy = b.range_copy_query(c.lower, false, c.upper);
    ASSERT_FALSE(copy.has_value());
    EXPECT_TRUE(copy.error().is(ghostcut::binlog::Errc::kBadValue));
    auto next = b.next_chunk_end_query(c.lower, false, c.upper, 10);
    EXPECT_FALSE(next.has_value());
  }
  EXPECT_FALSE(b.next_chunk_end_query(std::nullopt, false, {std::int64_t{1}, std::int64_t{2}}, 0).has_value());
}

TEST(QueryBuilder, RangeCopy) {
  struct Case {
    const char* name;
    std::optional<KeyTuple> lower;
    bool inclusive;
    std::string where;
    std::size_t params;
  };
  const std::vector<Case> cases = {
      {"no lower bound", std::nullopt, false, "WHERE (`id` <= ?)", 1},
      {"first chunk inclusive", KeyTuple{std::int64_t{1}}, true, "WHERE (`id` >= ?) AND (`id` <= ?)", 2},
      {"later chunk exclusive", KeyTuple{std::int64_t{1}}, false, "WHERE (`id` > ?) AND (`id` <= ?)", 2},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = builder(key("PRIMARY", {"id"})).range_copy_query(c.lower, c.inclusive, {std::int64_t{1000}});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(
        normalize(r->sql),
        "/* ghostcut db.t row-copy */ INSERT IGNORE INTO `db`.`t_gho` (`id`, `k2`, `name`) SELECT `id`, `k2`, `name` "
        "FROM `db`.`t` FORCE INDEX (`PRIMARY`) " +
            c.where + " LOCK IN SHARE MODE");
    EXPECT_EQ(r->params.size(), c.params);
    EXPECT_EQ(r->params.back(), SqlParam{std::int64_t{1000}});
  }
}

TEST(QueryBuilder, RangeCopyUsesMappingAndSkipsGeneratedAndDropped) {
  auto old_t = schema_of({qb_col("id"), qb_col("Name", "varchar(10)"), qb_col("gone"), qb_col("g", "int", true)});
  auto new_t =
      schema_of({qb_col("id", "bigint"), qb_col("name", "varchar(20)"), qb_col("g", "int", true), qb_col("added")});
  auto b = QueryBuilder::create("db", "t", key("PRIMARY", {"ID"}), build_column_mapping(old_t, new_t), old_t);
  ASSERT_TRUE(b.has_value()) << b.error().message();
  auto r = b->range_copy_query(std::nullopt, false, {std::int64_t{1}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(
      normalize(r->sql),
      "/* ghostcut db.t row-copy */ INSERT IGNORE INTO `db`.`t_gho` (`id`, `name`) SELECT `id`, `Name` FROM `db`.`t` "
      "FORCE INDEX (`PRIMARY`) WHERE (`ID` <= ?) LOCK IN SHARE MODE");
}

TEST(QueryBuilder, Tables) {
  auto b = builder(key("PRIMARY", {"id"}), "my`t");
  struct Case {
    const char* name;
    std::string got;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"create ghost", b.create_ghost_query(),
       "/* ghostcut db.my`t create-ghost */ CREATE TABLE `db`.`my``t_gho` LIKE `db`.`my``t`"},
      {"alter ghost", b.alter_ghost_query("ADD COLUMN x int"),
       "/* ghostcut db.my`t alter-ghost */ ALTER TABLE `db`.`my``t_gho` ADD COLUMN x int"},
      {"drop", b.drop_table_query(b.old_table()),
       "/* ghostcut db.my`t drop-table */ DROP TABLE IF EXISTS `db`.`my``t_del`"},
      {"create changelog", b.changelog().create_query(),
       "/* ghostcut db.my`t create-changelog */ CREATE TABLE `db`.`my``t_ghc` (`id` bigint unsigned NOT NULL AUTO_INCREMENT, "
       "`last_update` timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), "
       "`hint` varchar(64) CHARACTER SET ascii NOT NULL, `value` varchar(4096) CHARACTER SET utf8mb4 NOT NULL, "
       "PRIMARY KEY (`id`), UNIQUE KEY `hint_uidx` (`hint`)) ENGINE=InnoDB AUTO_INCREMENT=256"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(normalize(c.got), c.want);
  }
}

TEST(QueryBuilder, HeartbeatForwardsToTheChangelog) {
  auto b = builder(key("PRIMARY", {"id"}));
  auto hb = b.changelog().heartbeat_query("2026-01-01 00:00:00.000001");
  EXPECT_EQ(normalize(hb.sql),
            "/* ghostcut db.t heartbeat */ INSERT INTO `db`.`t_ghc` (`id`, `hint`, `value`) VALUES (?, ?, ?) "
            "ON DUPLICATE KEY UPDATE `value` = ?, `last_update` = NOW(6)");
  const std::vector<SqlParam> want = {std::uint64_t{1}, std::string("heartbeat"),
                                      std::string("2026-01-01 00:00:00.000001"),
                                      std::string("2026-01-01 00:00:00.000001")};
  EXPECT_EQ(hb.params, want);
}

TEST(QueryBuilder, CommentCannotBeClosedByAName) {
  auto s = schema_of({qb_col("id")});
  auto b = QueryBuilder::create("d*/b", "t*/x", key("PRIMARY", {"id"}), build_column_mapping(s, s), s);
  ASSERT_TRUE(b.has_value());
  const auto sql = b->drop_table_query("u");
  EXPECT_EQ(sql, "/* ghostcut d* /b.t* /x drop-table */ DROP TABLE IF EXISTS `d*/b`.`u`");
}

TEST(QueryBuilderTestHelper, NormalizeCollapsesWhitespace) {
  EXPECT_EQ(normalize("  SELECT\n\t a ,  b  \n"), "SELECT a , b");
  EXPECT_EQ(normalize(""), "");
}
