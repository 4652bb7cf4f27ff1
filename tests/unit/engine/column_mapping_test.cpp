#include "engine/inspect/column_mapping.h"

#include <gtest/gtest.h>

using namespace ghostcut::engine;

namespace {
ColumnInfo cm_col(std::string name, std::string type = "int", bool generated = false) {
  ColumnInfo c;
  c.name = std::move(name);
  c.data_type = type;
  c.column_type = type;
  c.generated = generated;
  return c;
}
TableSchema cm_table(std::vector<ColumnInfo> cols) {
  TableSchema t;
  t.schema = "db";
  t.table = "t";
  t.columns = std::move(cols);
  return t;
}
}  // namespace

TEST(ColumnMapping, Cases) {
  struct Case {
    const char* name;
    TableSchema original, ghost;
    std::vector<std::string> shared_source, shared_target, dropped, added, generated;
    std::vector<bool> type_changed;
  };
  const std::vector<Case> cases = {
      {"identical",
       cm_table({cm_col("a"), cm_col("b")}),
       cm_table({cm_col("a"), cm_col("b")}),
       {"a", "b"},
       {"a", "b"},
       {},
       {},
       {},
       {false, false}},
      {"drop and add",
       cm_table({cm_col("a"), cm_col("b")}),
       cm_table({cm_col("a"), cm_col("c")}),
       {"a"},
       {"a"},
       {"b"},
       {"c"},
       {},
       {false}},
      {"case-insensitive, old order kept",
       cm_table({cm_col("A"), cm_col("b")}),
       cm_table({cm_col("B"), cm_col("a")}),
       {"A", "b"},
       {"a", "B"},
       {},
       {},
       {},
       {false, false}},
      {"type change",
       cm_table({cm_col("a", "int")}),
       cm_table({cm_col("a", "bigint")}),
       {"a"},
       {"a"},
       {},
       {},
       {},
       {true}},
      {"generated both sides",
       cm_table({cm_col("a"), cm_col("g", "int", true)}),
       cm_table({cm_col("a"), cm_col("g", "int", true)}),
       {"a"},
       {"a"},
       {},
       {},
       {"g"},
       {false}},
      {"becomes generated",
       cm_table({cm_col("a"), cm_col("g")}),
       cm_table({cm_col("a"), cm_col("g", "int", true)}),
       {"a"},
       {"a"},
       {"g"},
       {},
       {},
       {false}},
      {"stops being generated",
       cm_table({cm_col("a"), cm_col("g", "int", true)}),
       cm_table({cm_col("a"), cm_col("g")}),
       {"a"},
       {"a"},
       {},
       {"g"},
       {},
       {false}},
      {"nothing shared", cm_table({cm_col("a")}), cm_table({cm_col("b")}), {}, {}, {"a"}, {"b"}, {}, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto m = build_column_mapping(c.original, c.ghost);
    EXPECT_EQ(m.source_names(), c.shared_source);
    EXPECT_EQ(m.target_names(), c.shared_target);
    EXPECT_EQ(m.dropped, c.dropped);
    EXPECT_EQ(m.added, c.added);
    EXPECT_EQ(m.generated, c.generated);
    ASSERT_EQ(m.shared.size(), c.type_changed.size());
    for (std::size_t i = 0; i < m.shared.size(); ++i) EXPECT_EQ(m.shared[i].type_changed, c.type_changed[i]);
  }
}

TEST(ColumnMapping, IndexesAndLookup) {
  const auto m =
      build_column_mapping(cm_table({cm_col("x"), cm_col("a"), cm_col("b")}), cm_table({cm_col("b"), cm_col("a")}));
  ASSERT_EQ(m.shared.size(), 2u);
  EXPECT_EQ(m.shared[0].source_index, 1u);
  EXPECT_EQ(m.shared[0].target_index, 1u);
  EXPECT_EQ(m.shared[1].source_index, 2u);
  EXPECT_EQ(m.shared[1].target_index, 0u);
  ASSERT_NE(m.find_source("B"), nullptr);
  EXPECT_EQ(m.find_source("B")->target_name, "b");
  EXPECT_EQ(m.find_source("x"), nullptr);
}
