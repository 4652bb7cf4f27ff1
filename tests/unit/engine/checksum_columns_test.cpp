// What the checksum compares for each kind of column change (pure: a hand-made plan).
#include "engine/verify/checksum_columns.h"

#include <gtest/gtest.h>

namespace ghostcut::engine {
namespace {

ColumnInfo col(std::string name, std::string data_type, std::string column_type, bool nullable = false,
               std::optional<std::string> charset = std::nullopt, std::optional<std::string> collation = std::nullopt) {
  ColumnInfo c;
  c.name = std::move(name);
  c.data_type = std::move(data_type);
  c.column_type = std::move(column_type);
  c.nullable = nullable;
  c.charset = std::move(charset);
  c.collation = std::move(collation);
  return c;
}

// One shared column `a` (renamed to `b` in the ghost) changing from `from` to `to`.
ChecksumColumns one(const ColumnInfo& from, ColumnInfo to) {
  MigrationPlan p;
  p.original.columns = {from};
  to.name = "b";
  p.ghost.columns = {to};
  p.mapping.shared = {SharedColumn{from.name, "b", 0, 0, from.column_type != to.column_type, 0}};
  return checksum_columns(p);
}

TEST(ChecksumColumns, ExactConversionsAreComparedOthersSkipped) {
  const auto utf8 = std::optional<std::string>("utf8mb4"), latin1 = std::optional<std::string>("latin1");
  struct Case {
    const char* what;
    ColumnInfo from, to;
    const char* original;  // the original side's SQL; nullptr: skipped
  };
  const std::vector<Case> cases = {
      {"same", col("a", "int", "int(11)"), col("a", "int", "int(11)"), "`a`"},
      {"wider int", col("a", "int", "int(11)"), col("a", "bigint", "bigint(20)"), "`a`"},
      {"longer varchar", col("a", "varchar", "varchar(10)", false, utf8, std::string("utf8mb4_general_ci")),
       col("a", "varchar", "varchar(40)", false, utf8, std::string("utf8mb4_general_ci")), "`a`"},
      {"charset", col("a", "varchar", "varchar(10)", false, latin1, std::string("latin1_swedish_ci")),
       col("a", "varchar", "varchar(10)", false, utf8, std::string("utf8mb4_general_ci")),
       "CONVERT(`a` USING utf8mb4)"},
      {"varchar into char strips", col("a", "varchar", "varchar(10)", false, utf8),
       col("a", "char", "char(10)", false, utf8), nullptr},
      {"more scale", col("a", "decimal", "decimal(8,2)"), col("a", "decimal", "decimal(12,4)"),
       "CAST(`a` AS DECIMAL(12,4))"},
      {"same scale", col("a", "decimal", "decimal(8,2)"), col("a", "decimal", "decimal(12,2)"), "`a`"},
      {"less scale rounds", col("a", "decimal", "decimal(8,2)"), col("a", "decimal", "decimal(8,1)"), nullptr},
      {"more fraction", col("a", "datetime", "datetime(2)"), col("a", "datetime", "datetime(6)"),
       "CAST(`a` AS DATETIME(6))"},
      {"less fraction", col("a", "time", "time(6)"), col("a", "time", "time(0)"), nullptr},
      {"float to double", col("a", "float", "float"), col("a", "double", "double"), nullptr},
      {"varbinary to blob", col("a", "varbinary", "varbinary(8)"), col("a", "blob", "blob"), "`a`"},
      {"into binary pads", col("a", "varbinary", "varbinary(8)"), col("a", "binary", "binary(8)"), nullptr},
      {"nullable now", col("a", "int", "int(11)", false), col("a", "int", "int(11)", true), "`a`"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const auto r = one(c.from, c.to);
    if (!c.original) {
      EXPECT_TRUE(r.compared.empty());
      EXPECT_EQ(r.skipped, std::vector<std::string>{"a"});
      continue;
    }
    ASSERT_EQ(r.compared.size(), 1u);
    EXPECT_EQ(r.compared[0].original, c.original);
    EXPECT_EQ(r.compared[0].ghost, "`b`");  // the new name on the ghost side
  }
}

TEST(ChecksumColumns, RowExpressionFlagsNullsAndLengthsOnlyWhereNeeded) {
  ChecksumColumns c;
  c.compared = {{"id", "`id`", "`id`", false, false}, {"s", "`s`", "`s2`", true, true}};
  EXPECT_EQ(checksum_row_expression(c, false), "CONCAT_WS('#', `id`, ISNULL(`s`), LENGTH(`s`), `s`)");
  EXPECT_EQ(checksum_row_expression(c, true), "CONCAT_WS('#', `id`, ISNULL(`s2`), LENGTH(`s2`), `s2`)");
  c.binary = true;  // text of several collations: compared as bytes
  EXPECT_EQ(checksum_row_expression(c, false), "CONCAT_WS('#', `id`, ISNULL(`s`), LENGTH(`s`), CAST(`s` AS BINARY))");
}

// Text of several collations in one character set: the text values are hashed apart under that
// set's _bin collation, and that CRC32 joins the other values, which stay bytes.
TEST(ChecksumColumns, TextOfSeveralCollationsIsHashedApartUnderOneBinCollation) {
  ChecksumColumns c;
  c.compared = {{"id", "`id`", "`id`", false, false, false},
                {"s", "`s`", "`s`", true, true, true},
                {"b", "`b`", "`b`", false, true, false},
                {"u", "CONVERT(`u` USING utf8mb4)", "`u`", false, true, true}};
  c.text_collation = "utf8mb4_bin";
  EXPECT_EQ(checksum_row_expression(c, false),
            "CONCAT_WS('#', `id`, LENGTH(`b`), `b`, CRC32(CONCAT_WS('#', ISNULL(`s`), LENGTH(`s`), `s` COLLATE "
            "utf8mb4_bin, LENGTH(CONVERT(`u` USING utf8mb4)), CONVERT(`u` USING utf8mb4) COLLATE utf8mb4_bin)))");
  EXPECT_EQ(checksum_row_expression(c, true),
            "CONCAT_WS('#', `id`, LENGTH(`b`), `b`, CRC32(CONCAT_WS('#', ISNULL(`s`), LENGTH(`s`), `s` COLLATE "
            "utf8mb4_bin, LENGTH(`u`), `u` COLLATE utf8mb4_bin)))");
}

// Which form a plan gets: one collation as it is; several in one set (or a charset conversion)
// under that set's _bin; several sets as bytes.
TEST(ChecksumColumns, TheFormFollowsTheCollationsAndCharacterSets) {
  const auto utf8 = std::optional<std::string>("utf8mb4"), latin1 = std::optional<std::string>("latin1");
  auto plan = [](std::vector<std::pair<ColumnInfo, ColumnInfo>> columns) {
    MigrationPlan p;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      p.original.columns.push_back(columns[i].first);
      p.ghost.columns.push_back(columns[i].second);
      p.mapping.shared.push_back(SharedColumn{columns[i].first.name, columns[i].second.name, i, i, false, 0});
    }
    return checksum_columns(p);
  };
  const auto gen = col("a", "varchar", "varchar(10)", false, utf8, std::string("utf8mb4_general_ci"));
  const auto bin = col("b", "text", "text", false, utf8, std::string("utf8mb4_bin"));
  const auto lat = col("c", "varchar", "varchar(10)", false, latin1, std::string("latin1_swedish_ci"));
  const auto bytes = col("v", "varbinary", "varbinary(8)");
  auto r = plan({{gen, gen}, {bytes, bytes}});
  EXPECT_TRUE(r.text_collation.empty());
  EXPECT_FALSE(r.binary);
  r = plan({{gen, gen}, {bin, bin}, {bytes, bytes}});
  EXPECT_EQ(r.text_collation, "utf8mb4_bin");
  EXPECT_FALSE(r.binary);
  EXPECT_TRUE(r.compared[0].text);
  EXPECT_FALSE(r.compared[2].text);
  auto converted = lat;
  converted.charset = utf8;
  converted.collation = "utf8mb4_general_ci";
  r = plan({{lat, converted}});
  EXPECT_EQ(r.text_collation, "utf8mb4_bin");
  EXPECT_EQ(r.compared[0].original, "CONVERT(`c` USING utf8mb4)");
  r = plan({{gen, gen}, {lat, lat}});
  EXPECT_TRUE(r.text_collation.empty());
  EXPECT_TRUE(r.binary);
  // An ENUM into another charset is compared as its text in the ghost's charset, like a text
  // column (as bytes, 'ü' in latin1 and in utf8mb4 would differ).
  const auto e_lat = col("e", "enum", "enum('a','b')", false, latin1, std::string("latin1_swedish_ci"));
  const auto e_utf = col("e", "enum", "enum('a','b')", false, utf8, std::string("utf8mb4_general_ci"));
  r = plan({{e_lat, e_utf}});
  ASSERT_EQ(r.compared.size(), 1u);
  EXPECT_EQ(r.compared[0].original, "CONVERT(`e` USING utf8mb4)");
  EXPECT_EQ(r.text_collation, "utf8mb4_bin");
  EXPECT_FALSE(r.binary);
}

}  // namespace
}  // namespace ghostcut::engine
