#include "engine/inspect/alter_text.h"

#include <gtest/gtest.h>

#include "engine/inspect/column_mapping.h"

using namespace ghostcut::engine;
using Renames = std::vector<std::pair<std::string, std::string>>;
using Names = std::vector<std::string>;

TEST(AlterText, RenamesInEverySpelling) {
  const auto c = parse_column_changes(
      "RENAME COLUMN a TO a2, CHANGE COLUMN b b2 MEDIUMTEXT, CHANGE `c d` `e``f` INT /* CHANGE x y INT */, "
      "change if exists g h int, MODIFY i INT, RENAME INDEX k1 TO k2, ADD COLUMN s VARCHAR(9) DEFAULT 'CHANGE p q'");
  EXPECT_TRUE(c.refusals.empty());
  EXPECT_EQ(c.renames, (Renames{{"a", "a2"}, {"b", "b2"}, {"c d", "e`f"}, {"g", "h"}}));
  EXPECT_EQ(c.added, Names{"s"});
}

TEST(AlterText, SwapsKeepOriginalNames) {
  const auto c = parse_column_changes("RENAME COLUMN a TO b, RENAME COLUMN b TO a");
  EXPECT_EQ(c.renames, (Renames{{"a", "b"}, {"b", "a"}}));
}

TEST(AlterText, DropsAndAddsOfColumnsOnly) {
  const auto c = parse_column_changes(
      "DROP COLUMN c1, ADD COLUMN c1 INT NOT NULL DEFAULT 47, DROP INDEX i, DROP PRIMARY KEY, DROP FOREIGN KEY f, "
      "DROP CONSTRAINT ck, DROP c2, DROP IF EXISTS c3, ADD INDEX (c1), ADD UNIQUE KEY u (c1), ADD CONSTRAINT x CHECK (c1 > 0), "
      "ADD (n1 INT, n2 DECIMAL(10,2) DEFAULT 1), ADD `key` INT, ADD PARTITION (PARTITION p3 VALUES LESS THAN (9))");
  EXPECT_TRUE(c.refusals.empty());
  EXPECT_EQ(c.dropped, (Names{"c1", "c2", "c3"}));
  EXPECT_EQ(c.added, (Names{"c1", "n1", "n2", "key"}));
}

TEST(AlterText, ExecutableCommentsAreCode) {
  const auto c = parse_column_changes("/*!100300 RENAME COLUMN a TO b */");
  EXPECT_EQ(c.renames, (Renames{{"a", "b"}}));
}

TEST(AlterText, MalformedRenameIsRefused) {
  EXPECT_FALSE(parse_column_changes("RENAME COLUMN a").refusals.empty());
  EXPECT_FALSE(parse_column_changes("CHANGE a").refusals.empty());
}

namespace {
ColumnInfo col(std::string name, std::string type = "int") {
  ColumnInfo c;
  c.name = std::move(name);
  c.data_type = type;
  c.column_type = type;
  return c;
}
TableSchema table(std::vector<ColumnInfo> cols) {
  TableSchema t;
  t.columns = std::move(cols);
  return t;
}
}  // namespace

TEST(ColumnMappingRenames, SwapMapsOldToNew) {
  std::vector<std::string> refusals;
  const auto m = build_column_mapping(table({col("id"), col("a"), col("b")}), table({col("id"), col("b"), col("a")}),
                                      parse_column_changes("RENAME COLUMN a TO b, RENAME COLUMN b TO a"), refusals);
  EXPECT_TRUE(refusals.empty());
  EXPECT_EQ(m.source_names(), (Names{"id", "a", "b"}));
  EXPECT_EQ(m.target_names(), (Names{"id", "b", "a"}));
  EXPECT_EQ(m.renamed, (Renames{{"a", "b"}, {"b", "a"}}));
}

TEST(ColumnMappingRenames, RenameWithTypeChange) {
  std::vector<std::string> refusals;
  const auto m = build_column_mapping(table({col("id"), col("b", "text")}), table({col("id"), col("b2", "mediumtext")}),
                                      parse_column_changes("CHANGE COLUMN b b2 MEDIUMTEXT"), refusals);
  EXPECT_TRUE(refusals.empty());
  ASSERT_EQ(m.shared.size(), 2u);
  EXPECT_EQ(m.shared[1].target_name, "b2");
  EXPECT_TRUE(m.shared[1].type_changed);
}

TEST(ColumnMappingRenames, DroppedAndAddedAgainIsNew) {
  std::vector<std::string> refusals;
  const auto m =
      build_column_mapping(table({col("id"), col("c1")}), table({col("id"), col("c1")}),
                           parse_column_changes("DROP COLUMN c1, ADD COLUMN c1 INT NOT NULL DEFAULT 47"), refusals);
  EXPECT_TRUE(refusals.empty());
  EXPECT_EQ(m.source_names(), Names{"id"});
  EXPECT_EQ(m.dropped, Names{"c1"});
  EXPECT_EQ(m.added, Names{"c1"});
}

TEST(ColumnMappingRenames, RenamedAwayAndNameReused) {
  std::vector<std::string> refusals;
  const auto m = build_column_mapping(table({col("id"), col("a")}), table({col("id"), col("b"), col("a")}),
                                      parse_column_changes("CHANGE a b INT, ADD COLUMN a INT"), refusals);
  EXPECT_TRUE(refusals.empty());
  EXPECT_EQ(m.target_names(), (Names{"id", "b"}));
  EXPECT_EQ(m.added, Names{"a"});
}

TEST(ColumnMappingRenames, UnexplainedChangeIsRefused) {
  // The server renamed a column the text does not show (e.g. a clause ghostcut did not read).
  std::vector<std::string> refusals;
  (void)build_column_mapping(table({col("id"), col("a")}), table({col("id"), col("z")}),
                             parse_column_changes("ENGINE=InnoDB"), refusals);
  EXPECT_EQ(refusals.size(), 2u);
  // A rename whose target the server does not have (version-gated comment the server skipped).
  refusals.clear();
  (void)build_column_mapping(table({col("id"), col("a")}), table({col("id"), col("a")}),
                             parse_column_changes("/*!99999 RENAME COLUMN a TO b */"), refusals);
  EXPECT_GE(refusals.size(), 1u);
}
