#include "engine/inspect/key_bounds.h"

#include <gtest/gtest.h>

#include "engine/sql/query_builder.h"

using namespace ghostcut::engine;

namespace {

ColumnInfo kb_col(std::string name, std::string data_type, std::string column_type, bool is_unsigned = false,
                  std::optional<std::string> charset = std::nullopt,
                  std::optional<std::string> collation = std::nullopt) {
  ColumnInfo c;
  c.name = std::move(name);
  c.data_type = std::move(data_type);
  c.column_type = std::move(column_type);
  c.is_unsigned = is_unsigned;
  c.charset = std::move(charset);
  c.collation = std::move(collation);
  return c;
}

}  // namespace

TEST(KeyBounds, CountMembersReadsTheServersSpelling) {
  EXPECT_EQ(count_members("enum('red','green','blue','orange')"), 4u);
  EXPECT_EQ(count_members("enum('a')"), 1u);
  EXPECT_EQ(count_members("set('a,b','c')"), 2u);               // a comma inside a member
  EXPECT_EQ(count_members("enum('it''s','x')"), 2u);            // a doubled quote
  EXPECT_EQ(count_members("enum('back\\\\','q\\'',')')"), 3u);  // backslash escapes, a ')' member
  EXPECT_EQ(count_members("enum('')"), 1u);                     // the empty string is a member
  EXPECT_EQ(count_members("enum("), std::nullopt);
  EXPECT_EQ(count_members("enum('a'"), std::nullopt);
  EXPECT_EQ(count_members("enum('a',)"), std::nullopt);
  EXPECT_EQ(count_members("enum()"), std::nullopt);
  EXPECT_EQ(count_members("enum('a)"), std::nullopt);
}

TEST(KeyBounds, EachTypeIsReadExactlyAndComparedAsItsOwnType) {
  struct Case {
    ColumnInfo c;
    KeyBound::Param param;
    std::string read, value;
    std::uint64_t domain;
  };
  using P = KeyBound::Param;
  const std::vector<Case> cases = {
      {kb_col("i", "int", "int(11)"), P::kInt64, "`i`", "?", 0},
      {kb_col("u", "bigint", "bigint(20) unsigned", true), P::kUInt64, "`u`", "?", 0},
      {kb_col("e", "enum", "enum('red','green','blue','orange')"), P::kUInt64, "`e` + 0", "?", 5},
      {kb_col("s", "set", "set('a','b','c')"), P::kUInt64, "`s` + 0", "?", 8},
      {kb_col("b", "bit", "bit(10)"), P::kUInt64, "`b` + 0", "?", 0},
      {kb_col("y", "year", "year(4)"), P::kUInt64, "`y` + 0", "?", 0},
      {kb_col("d", "decimal", "decimal(65,30) unsigned"), P::kString, "`d`", "CAST(? AS DECIMAL(65,30))", 0},
      {kb_col("d0", "decimal", "decimal(10,0)"), P::kString, "`d0`", "CAST(? AS DECIMAL(10,0))", 0},
      {kb_col("f", "float", "float"), P::kDouble, "CAST(`f` + 0e0 AS CHAR)", "?", 0},
      {kb_col("dt", "datetime", "datetime(6)"), P::kString, "CAST(`dt` AS CHAR)", "CAST(? AS DATETIME(6))", 0},
      {kb_col("ts", "timestamp", "timestamp(3)"), P::kString, "CAST(`ts` AS CHAR)", "CAST(? AS DATETIME(6))", 0},
      {kb_col("da", "date", "date"), P::kString, "CAST(`da` AS CHAR)", "CAST(? AS DATE)", 0},
      {kb_col("t", "time", "time(6)"), P::kString, "CAST(`t` AS CHAR)", "CAST(? AS TIME(6))", 0},
      {kb_col("v", "varchar", "varchar(10)", false, "latin1", "latin1_swedish_ci"), P::kString, "HEX(`v`)",
       "CONVERT(UNHEX(?) USING latin1) COLLATE latin1_swedish_ci", 0},
      {kb_col("np", "varchar", "varchar(10)", false, "utf8mb4", "utf8mb4_nopad_bin"), P::kString, "HEX(`np`)",
       "CONVERT(UNHEX(?) USING utf8mb4) COLLATE utf8mb4_nopad_bin", 0},
      {kb_col("vb", "varbinary", "varbinary(8)"), P::kString, "HEX(`vb`)", "UNHEX(?)", 0},
      {kb_col("uu", "uuid", "uuid"), P::kString, "CAST(`uu` AS CHAR)", "CAST(? AS UUID)", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.c.name);
    auto b = key_bound_for(c.c);
    ASSERT_TRUE(b.has_value()) << b.error().message();
    EXPECT_EQ(b->param, c.param);
    EXPECT_EQ(b->read_expr, c.read);
    EXPECT_EQ(b->value_expr, c.value);
    EXPECT_EQ(b->ordinal_domain, c.domain);
  }
  // A SET of 11 members has 2048 values: too many for an IN list, compared with `>` instead.
  auto big_set = key_bound_for(kb_col("s", "set", "set('a','b','c','d','e','f','g','h','i','j','k')"));
  ASSERT_TRUE(big_set.has_value());
  EXPECT_EQ(big_set->ordinal_domain, 0u);
}

TEST(KeyBounds, UnknownTypesAndUnusualCollationsAreRefused) {
  for (const auto& c : {kb_col("g", "point", "point"), kb_col("j", "json", "longtext"),
                        kb_col("v", "varchar", "varchar(3)", false, std::nullopt, std::nullopt),
                        kb_col("v", "varchar", "varchar(3)", false, "utf8mb4", "x; DROP TABLE t"),
                        kb_col("e", "enum", "enum('a'"), kb_col("d", "decimal", "decimal(1,2,3)")}) {
    SCOPED_TRACE(c.name + " " + c.column_type);
    auto b = key_bound_for(c);
    ASSERT_FALSE(b.has_value());
    EXPECT_NE(b.error().message().find(c.name), std::string::npos);
  }
}

TEST(KeyBounds, ParseKeyValues) {
  auto u = *key_bound_for(kb_col("u", "bigint", "bigint(20) unsigned", true));
  EXPECT_EQ(parse_key_value(u, "18446744073709551615").value(), SqlParam{std::uint64_t{18446744073709551615ull}});
  EXPECT_FALSE(parse_key_value(u, "-1").has_value());
  auto i = *key_bound_for(kb_col("i", "bigint", "bigint(20)"));
  EXPECT_EQ(parse_key_value(i, "-9223372036854775808").value(), SqlParam{std::int64_t{INT64_MIN}});
  EXPECT_FALSE(parse_key_value(i, "1x").has_value());
  auto f = *key_bound_for(kb_col("f", "float", "float"));
  EXPECT_EQ(parse_key_value(f, "0.10000000149011612").value(), SqlParam{static_cast<double>(0.1f)});
  EXPECT_EQ(parse_key_value(f, "0.30000000000000004").value(), SqlParam{0.1 + 0.2});
  EXPECT_FALSE(parse_key_value(f, "").has_value());
  auto v = *key_bound_for(kb_col("v", "varbinary", "varbinary(3)"));
  EXPECT_EQ(parse_key_value(v, "00FF").value(), SqlParam{std::string("00FF")});
}

TEST(KeyBounds, OrdinalBoundsAreInListsOverTheDomain) {
  auto e = *key_bound_for(kb_col("e", "enum", "enum('red','green','blue','orange')"));  // ordinals 0..4
  struct Case {
    const char* op;
    std::uint64_t v;
    std::string want;
  };
  const std::vector<Case> cases = {
      {">", 2, "`e` IN (3, 4)"},
      {">", 3, "`e` = 4"},
      {">", 4, "FALSE"},
      {">=", 2, "`e` IN (2, 3, 4)"},
      {">=", 4, "`e` = 4"},
      {"<", 2, "`e` IN (0, 1)"},
      {"<", 0, "FALSE"},
      {"<=", 0, "`e` = 0"},
      {"<=", 4, "`e` IN (0, 1, 2, 3, 4)"},
      {"<=", 9, "`e` IN (0, 1, 2, 3, 4)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.op) + " " + std::to_string(c.v));
    std::vector<SqlParam> params;
    EXPECT_EQ(key_comparison(e, c.op, std::uint64_t{c.v}, params), c.want);
    EXPECT_TRUE(params.empty());
  }
  std::vector<SqlParam> params;
  EXPECT_EQ(key_comparison(e, "=", std::uint64_t{2}, params), "`e` = ?");
  EXPECT_EQ(params, std::vector<SqlParam>{std::uint64_t{2}});
}

TEST(KeyBounds, QueryBuilderReadsAndComparesTypedBounds) {
  TableSchema t;
  t.schema = "db";
  t.table = "t";
  t.columns = {kb_col("id", "int", "int(11)"), kb_col("i", "int", "int(11)"),
               kb_col("e", "enum", "enum('red','green','blue','orange')"),
               kb_col("s", "varchar", "varchar(5)", false, "utf8mb4", "utf8mb4_general_ci")};
  IndexInfo k;
  k.name = "PRIMARY";
  k.primary = k.unique = true;
  k.columns = {"id", "e", "s"};
  auto b = QueryBuilder::create("db", "t", k, build_column_mapping(t, t), t);
  ASSERT_TRUE(b.has_value()) << b.error().message();
  EXPECT_EQ(b->min_key_query(),
            "/* ghostcut db.t min-key */ SELECT `id`, `e` + 0, HEX(`s`) FROM `db`.`t` FORCE INDEX (`PRIMARY`) "
            "ORDER BY `id`, `e`, `s` LIMIT 1");
  const KeyTuple lower{std::int64_t{5}, std::uint64_t{2}, std::string("61")};
  const KeyTuple upper{std::int64_t{9}, std::uint64_t{1}, std::string("7A")};
  auto q = b->range_copy_query(lower, false, upper);
  ASSERT_TRUE(q.has_value());
  const std::string coll = "CONVERT(UNHEX(?) USING utf8mb4) COLLATE utf8mb4_general_ci";
  EXPECT_NE(q->sql.find("WHERE ((`id` > ?) OR (`id` = ? AND `e` IN (3, 4)) OR (`id` = ? AND `e` = ? AND `s` > " + coll +
                        ")) AND ((`id` < ?) OR (`id` = ? AND `e` = 0) OR (`id` = ? AND `e` = ? AND `s` <= " + coll +
                        ")) LOCK IN SHARE MODE"),
            std::string::npos)
      << q->sql;
  const std::vector<SqlParam> want = {std::int64_t{5},   std::int64_t{5},  std::int64_t{5}, std::uint64_t{2},
                                      std::string("61"), std::int64_t{9},  std::int64_t{9}, std::int64_t{9},
                                      std::uint64_t{1},  std::string("7A")};
  EXPECT_EQ(q->params, want);
  auto row = b->key_tuple({std::string("5"), std::string("2"), std::string("61")});
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(*row, lower);
  EXPECT_FALSE(b->key_tuple({std::string("5"), std::nullopt, std::string("61")}).has_value());
  EXPECT_FALSE(b->key_tuple({std::string("5")}).has_value());
}
