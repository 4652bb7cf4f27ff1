#include "engine/apply/apply_sql.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

using namespace ghostcut;
using namespace ghostcut::engine;
using binlog::RowChange;
using binlog::RowImage;
using binlog::RowsKind;

namespace {

ColumnInfo col(std::string name, std::string type, std::optional<std::string> cs = std::nullopt) {
  ColumnInfo c;
  c.name = std::move(name);
  c.data_type = type;
  c.column_type = type;
  c.charset = std::move(cs);
  return c;
}

// t(id INT, name VARCHAR latin1, v INT) PRIMARY KEY (id) or (id, name); ghost drops nothing.
MigrationPlan make_plan(bool composite, bool new_unique = false) {
  MigrationPlan p;
  p.database = "db";
  p.table = "t";
  p.ghost_table = "t_gho";
  p.original.schema = "db";
  p.original.table = "t";
  p.original.columns = {col("id", "int"), col("name", "varchar", "latin1"), col("v", "int")};
  IndexInfo pk{"PRIMARY", true, true,
               composite ? std::vector<std::string>{"id", "name"} : std::vector<std::string>{"id"}};
  p.original.indexes = {pk};
  p.ghost = p.original;
  p.ghost.table = "t_gho";
  p.ghost.columns[1].charset = "utf8mb4";
  p.chunk_key = pk;
  p.mapping = build_column_mapping(p.original, p.ghost);
  if (new_unique) p.new_unique_keys.push_back({"uv", true, false, {"v"}});
  return p;
}

RowImage row(std::int64_t id, std::string name, std::int64_t v) {
  return RowImage{{id, binlog::BytesValue{std::move(name)}, v}, {true, true, true}};
}
RowChange ins(RowImage r) { return {RowsKind::kWrite, "db", "t", std::nullopt, std::move(r), {}}; }
RowChange del(RowImage r) { return {RowsKind::kDelete, "db", "t", std::move(r), std::nullopt, {}}; }
RowChange upd(RowImage b, RowImage a) { return {RowsKind::kUpdate, "db", "t", std::move(b), std::move(a), {}}; }

std::vector<const RowChange*> ptrs(const std::vector<RowChange>& v) {
  std::vector<const RowChange*> out;
  for (const auto& c : v) out.push_back(&c);
  return out;
}

// Models: key (id) -> row values. The binlog semantics vs the applier's ops.
using Model = std::map<std::int64_t, RowImage>;
std::int64_t id_of(const RowImage& r) { return std::get<std::int64_t>(r.values[0]); }

void replay_changes(Model& m, const std::vector<RowChange>& changes) {
  for (const auto& c : changes) {
    if (c.before) m.erase(id_of(*c.before));
    if (c.after) m[id_of(*c.after)] = *c.after;
  }
}
void replay_ops(Model& m, const std::vector<RowOp>& ops) {
  for (const auto& op : ops) {
    const auto id = std::stoll(op.key[0]);
    if (op.kind == RowOp::Kind::kDelete) m.erase(id);
    else m[id] = *op.row;
  }
}

struct SeqCase {
  const char* name;
  Model initial;
  std::vector<RowChange> changes;
  std::size_t expected_ops;  // after dedupe
};

TEST(ApplySql, DedupeMatchesSequentialReplay) {
  const auto target = *make_apply_target(make_plan(false), 1 << 20);
  std::vector<SeqCase> cases;
  cases.push_back({"insert then delete", {}, {ins(row(1, "a", 1)), del(row(1, "a", 1))}, 1});
  cases.push_back({"delete then insert", {{1, row(1, "a", 1)}}, {del(row(1, "a", 1)), ins(row(1, "b", 2))}, 1});
  cases.push_back({"updates of one key",
                   {{1, row(1, "a", 1)}},
                   {upd(row(1, "a", 1), row(1, "a", 2)), upd(row(1, "a", 2), row(1, "a", 3))},
                   1});
  cases.push_back({"key change chain A->B->C",
                   {{1, row(1, "a", 1)}},
                   {upd(row(1, "a", 1), row(2, "a", 1)), upd(row(2, "a", 1), row(3, "a", 1))},
                   3});
  cases.push_back({"insert then key change", {}, {ins(row(1, "a", 1)), upd(row(1, "a", 1), row(2, "a", 1))}, 2});
  cases.push_back(
      {"swap two keys through a third",
       {{1, row(1, "x", 1)}, {2, row(2, "y", 2)}},
       {upd(row(1, "x", 1), row(3, "x", 1)), upd(row(2, "y", 2), row(1, "y", 2)), upd(row(3, "x", 1), row(2, "x", 1))},
       3});
  cases.push_back({"key change back and forth",
                   {{1, row(1, "a", 1)}},
                   {upd(row(1, "a", 1), row(2, "a", 1)), upd(row(2, "a", 1), row(1, "a", 9))},
                   2});
  cases.push_back({"delete, reinsert, delete",
                   {{1, row(1, "a", 1)}},
                   {del(row(1, "a", 1)), ins(row(1, "b", 1)), del(row(1, "b", 1))},
                   1});
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    for (bool dedupe : {false, true}) {
      SCOPED_TRACE(dedupe ? "dedupe" : "no dedupe");
      const auto p = ptrs(c.changes);
      auto ops = row_ops(p, target, dedupe);
      ASSERT_TRUE(ops) << ops.error().message();
      if (dedupe) {
        EXPECT_EQ(ops->size(), c.expected_ops);
      }
      Model want = c.initial, got = c.initial;
      replay_changes(want, c.changes);
      replay_ops(got, *ops);
      EXPECT_EQ(got, want);
    }
  }
}

TEST(ApplySql, DedupeRandomSequencesMatchSequentialReplay) {
  const auto target = *make_apply_target(make_plan(false), 1 << 20);
  std::mt19937 rng(42);
  for (int round = 0; round < 500; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Model initial;
    for (std::int64_t k = 1; k <= 5; ++k)
      if (rng() % 2) initial[k] = row(k, "r", static_cast<std::int64_t>(rng() % 100));
    Model cur = initial;
    std::vector<RowChange> changes;
    for (int n = 0; n < 12; ++n) {
      const std::int64_t k = 1 + static_cast<std::int64_t>(rng() % 5);
      const std::int64_t k2 = 1 + static_cast<std::int64_t>(rng() % 5);
      const auto v = static_cast<std::int64_t>(rng() % 100);
      if (!cur.count(k)) {
        changes.push_back(ins(row(k, "i", v)));
      } else if (rng() % 3 == 0) {
        changes.push_back(del(cur[k]));
      } else if (!cur.count(k2)) {
        changes.push_back(upd(cur[k], row(k2, "m", v)));  // key change
      } else {
        changes.push_back(upd(cur[k], row(k, "u", v)));
      }
      replay_changes(cur, {changes.back()});
    }
    const auto p = ptrs(changes);
    auto ops = row_ops(p, target, true);
    ASSERT_TRUE(ops);
    Model got = initial;
    replay_ops(got, *ops);
    ASSERT_EQ(got, cur);
  }
}

TEST(ApplySql, Statements) {
  const auto single = *make_apply_target(make_plan(false), 1 << 20);
  const auto composite = *make_apply_target(make_plan(true), 1 << 20);
  const auto insert_mode = *make_apply_target(make_plan(false, true), 1 << 20);
  const std::vector<RowChange> changes = {ins(row(1, "a", 1)), ins(row(2, "\xe9", 2)), del(row(3, "c", 3)),
                                          del(row(4, "d", 4)), upd(row(5, "e", 5), row(6, "e", 6))};
  const auto p = ptrs(changes);
  struct C {
    const char* name;
    const ApplyTarget& target;
    std::vector<std::string> expected;
  };
  const C cases[] = {
      {"single key",
       single,
       {"/* ghostcut db.t apply-replace */ REPLACE INTO `db`.`t_gho` (`id`, `name`, `v`) VALUES "
        "(1, _latin1 X'61', 1), (2, _latin1 X'E9', 2)",
        "/* ghostcut db.t apply-delete */ DELETE FROM `db`.`t_gho` WHERE `id` IN (3, 4, 5)",
        "/* ghostcut db.t apply-replace */ REPLACE INTO `db`.`t_gho` (`id`, `name`, `v`) VALUES (6, _latin1 X'65', 6)"}},
      {"composite key (charset converted for the compare)",
       composite,
       {"/* ghostcut db.t apply-replace */ REPLACE INTO `db`.`t_gho` (`id`, `name`, `v`) VALUES "
        "(1, _latin1 X'61', 1), (2, _latin1 X'E9', 2)",
        "/* ghostcut db.t apply-delete */ DELETE FROM `db`.`t_gho` WHERE "
        "(`id` = 3 AND `name` = CONVERT(_latin1 X'63' USING utf8mb4)) OR "
        "(`id` = 4 AND `name` = CONVERT(_latin1 X'64' USING utf8mb4)) OR "
        "(`id` = 5 AND `name` = CONVERT(_latin1 X'65' USING utf8mb4))",
        "/* ghostcut db.t apply-replace */ REPLACE INTO `db`.`t_gho` (`id`, `name`, `v`) VALUES (6, _latin1 X'65', 6)"}},
      {"new unique key: delete + insert",
       insert_mode,
       {"/* ghostcut db.t apply-delete */ DELETE FROM `db`.`t_gho` WHERE `id` IN (1, 2)",
        "/* ghostcut db.t apply-insert */ INSERT INTO `db`.`t_gho` (`id`, `name`, `v`) VALUES "
        "(1, _latin1 X'61', 1), (2, _latin1 X'E9', 2)",
        "/* ghostcut db.t apply-delete */ DELETE FROM `db`.`t_gho` WHERE `id` IN (3, 4, 5)",
        "/* ghostcut db.t apply-delete */ DELETE FROM `db`.`t_gho` WHERE `id` IN (6)",
        "/* ghostcut db.t apply-insert */ INSERT INTO `db`.`t_gho` (`id`, `name`, `v`) VALUES (6, _latin1 X'65', 6)"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto ops = row_ops(p, c.target, true);
    ASSERT_TRUE(ops) << ops.error().message();
    EXPECT_EQ(apply_statements(*ops, c.target), c.expected);
  }
}

TEST(ApplySql, InsertModeSplitsRepeatedKeysWithoutDedupe) {
  const auto t = *make_apply_target(make_plan(false, true), 1 << 20);
  const std::vector<RowChange> changes = {ins(row(1, "a", 1)), upd(row(1, "a", 1), row(1, "a", 2))};
  const auto p = ptrs(changes);
  auto ops = row_ops(p, t, false);
  ASSERT_TRUE(ops);
  EXPECT_EQ(apply_statements(*ops, t).size(), 4u);  // (delete, insert) twice: never 1 twice in one INSERT
}

TEST(ApplySql, SplitsAtMaxStatementBytes) {
  const auto t = *make_apply_target(make_plan(false), 200);
  std::vector<RowChange> changes;
  for (int i = 0; i < 50; ++i) changes.push_back(ins(row(i, "x", i)));
  for (int i = 0; i < 50; ++i) changes.push_back(del(row(100 + i, "x", i)));
  const auto p = ptrs(changes);
  auto ops = row_ops(p, t, true);
  ASSERT_TRUE(ops);
  const auto stmts = apply_statements(*ops, t);
  EXPECT_GT(stmts.size(), 4u);
  std::size_t rows = 0, ids = 0;
  for (const auto& s : stmts) {
    EXPECT_LE(s.size(), 200u) << s;
    if (s.find("REPLACE") != std::string::npos) rows += static_cast<std::size_t>(std::count(s.begin(), s.end(), 'X'));
    else ids += static_cast<std::size_t>(std::count(s.begin(), s.end(), ',')) + 1;
  }
  EXPECT_EQ(rows, 50u);
  EXPECT_EQ(ids, 50u);
}

TEST(ApplySql, Errors) {
  const auto t = *make_apply_target(make_plan(false), 1 << 20);
  RowImage minimal = row(1, "a", 1);
  minimal.present[2] = false;
  RowImage null_key = row(1, "a", 1);
  null_key.values[0] = binlog::NullValue{};
  RowChange partial = upd(row(1, "a", 1), row(1, "a", 1));
  partial.after->values[2] = binlog::JsonValue{"JSON_DIFF[REPLACE $.a 1]", true};
  RowChange partial_kind = partial;
  partial_kind.kind = RowsKind::kPartialUpdate;
  partial_kind.after = row(1, "a", 1);
  RowChange no_after = ins(row(1, "a", 1));
  no_after.after.reset();
  RowImage short_image{{std::int64_t{1}}, {true}};
  struct C {
    const char* name;
    RowChange change;
    const char* message;
  };
  const C cases[] = {
      {"minimal image", ins(minimal), "binlog_row_image must be FULL"},
      {"NULL key", del(null_key), "NULL in key column id"},
      {"partial JSON value", partial, "binlog_row_value_options=''"},
      {"partial update event", partial_kind, "binlog_row_value_options=''"},
      {"missing image", no_after, "without its image"},
      {"short image", ins(short_image), "has 1 columns"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const RowChange* p[] = {&c.change};
    auto ops = row_ops(p, t, true);
    ASSERT_FALSE(ops);
    EXPECT_NE(ops.error().message().find(c.message), std::string::npos) << ops.error().message();
  }
  MigrationPlan bad = make_plan(false);
  bad.chunk_key.columns = {"nope"};
  EXPECT_FALSE(make_apply_target(bad, 100));
  bad.chunk_key.columns.clear();
  EXPECT_FALSE(make_apply_target(bad, 100));
}

}  // namespace

namespace {

TEST(ApplySql, EnumMembers) {
  struct C {
    const char* type;
    std::optional<std::vector<std::string>> expected;
  };
  const C cases[] = {
      {"enum('a','b','c')", std::vector<std::string>{"a", "b", "c"}},
      {"ENUM('it''s','x,y')", std::vector<std::string>{"it's", "x,y"}},
      {"set('x','y','z')", std::vector<std::string>{"x", "y", "z"}},
      {"enum('')", std::vector<std::string>{""}},
      {"int(11)", std::nullopt},
      {"enum(", std::nullopt},
      {"enum('a'", std::nullopt},
      {"enum('a)", std::nullopt},
      {"enum()", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.type);
    EXPECT_EQ(enum_members(c.type), c.expected);
  }
}

TEST(ApplySql, ChangedEnumAndSetAreWrittenAsText) {
  MigrationPlan p;
  p.database = "db";
  p.table = "t";
  p.ghost_table = "t_gho";
  p.original.columns = {col("id", "int"), col("e", "enum"), col("s", "set")};
  p.original.columns[1].column_type = "enum('a','b')";
  p.original.columns[2].column_type = "set('x','y','z')";
  p.original.indexes = {{"PRIMARY", true, true, {"id"}}};
  p.ghost = p.original;
  p.ghost.columns[1].column_type = "enum('b','a')";
  p.ghost.columns[2].column_type = "set('z','y','x')";
  p.chunk_key = p.original.indexes[0];
  p.mapping = build_column_mapping(p.original, p.ghost);
  const auto t = *make_apply_target(p, 1 << 20);
  const std::vector<RowChange> changes = {
      ins(RowImage{{std::int64_t{1}, binlog::EnumValue{2}, binlog::SetValue{0b101}}, {true, true, true}}),
      ins(RowImage{{std::int64_t{2}, binlog::EnumValue{0}, binlog::NullValue{}}, {true, true, true}})};
  const auto ps = ptrs(changes);
  auto ops = row_ops(ps, t, true);
  ASSERT_TRUE(ops);
  EXPECT_EQ(apply_statements(*ops, t),
            std::vector<std::string>{"/* ghostcut db.t apply-replace */ REPLACE INTO `db`.`t_gho` (`id`, `e`, `s`) "
                                     "VALUES (1, _utf8mb4 X'62', _utf8mb4 X'782C7A'), (2, 0, NULL)"});
}

}  // namespace

namespace {

// A unique key that compares differently after the ALTER: writes never REPLACE (which would
// delete a row of another original key), deletes match the original rules too.
TEST(ApplySqlGuarded, UpsertKeepsOnlyTheSameOriginalRowAndDeletesByOriginalRules) {
  auto p = make_plan(false);
  p.key_identity_terms = {"{T} = {V}"};
  auto t = make_apply_target(p, 1 << 20);
  ASSERT_TRUE(t);
  const std::vector<RowChange> changes = {ins(row(1, "a", 10)), del(row(2, "b", 20))};
  auto ops = row_ops(ptrs(changes), *t, false);
  ASSERT_TRUE(ops);
  const auto sql = apply_statements(*ops, *t);
  ASSERT_EQ(sql.size(), 2u);
  EXPECT_NE(sql[0].find("INSERT INTO `db`.`" + std::string(p.ghost_table) + "`"), std::string::npos) << sql[0];
  EXPECT_EQ(sql[0].find("REPLACE"), std::string::npos) << sql[0];
  EXPECT_NE(sql[0].find("ON DUPLICATE KEY UPDATE `id` = IF(`id` = VALUES(`id`), VALUES(`id`), NULL), `name` = "
                        "VALUES(`name`), `v` = VALUES(`v`)"),
            std::string::npos)
      << sql[0];
  EXPECT_NE(sql[1].find("WHERE (`id` = 2 AND `id` = 2)"), std::string::npos) << sql[1];
}

TEST(ApplySqlGuarded, IdentityTermPlaceholders) {
  EXPECT_EQ(identity_term("CONVERT({T} USING latin1) COLLATE latin1_bin = CONVERT({V} USING latin1) COLLATE latin1_bin",
                          "`k`", "VALUES(`k`)"),
            "CONVERT(`k` USING latin1) COLLATE latin1_bin = CONVERT(VALUES(`k`) USING latin1) COLLATE latin1_bin");
}

}  // namespace

MigrationPlan split_plan(bool composite = false, bool new_unique = false) {
  auto p = make_plan(composite, new_unique);
  p.ghost_create_statement = "CREATE TABLE t_gho (id INT, name VARCHAR(9), v INT, PRIMARY KEY (id))";
  return p;
}

// Two connections only where operations on different keys commute in the ghost.
TEST(PartitionTest, RefusedUnlessTheIntegerChunkKeyIsTheGhostsOnlyUniqueKey) {
  EXPECT_EQ(partition_refusal(split_plan()), std::nullopt);
  EXPECT_NE(partition_refusal(make_plan(false)), std::nullopt) << "the ghost's definition unknown";
  EXPECT_NE(partition_refusal(split_plan(true)), std::nullopt) << "a character column in the key";
  EXPECT_NE(partition_refusal(split_plan(false, true)), std::nullopt) << "a new unique key";
  auto other_unique = split_plan();
  other_unique.ghost.indexes.push_back({"uv", true, false, {"v"}});
  EXPECT_NE(partition_refusal(other_unique), std::nullopt) << "a unique key the original has too";
  auto plain = split_plan();
  plain.ghost.indexes.push_back({"kv", false, false, {"v"}});
  EXPECT_EQ(partition_refusal(plain), std::nullopt) << "a plain key is harmless";
  auto fk = split_plan();
  fk.ghost_create_statement = "CREATE TABLE t_gho (…, CONSTRAINT f FOREIGN KEY (v) REFERENCES p (id))";
  EXPECT_NE(partition_refusal(fk), std::nullopt);
  auto decimal_key = split_plan();
  decimal_key.original.columns[0].data_type = "decimal";
  EXPECT_NE(partition_refusal(decimal_key), std::nullopt);
}

// Every key's operations land in one half, in their order; both halves hold all operations.
TEST(PartitionTest, KeepsEachKeysOperationsTogetherAndInOrder) {
  std::vector<RowChange> changes;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 4000; ++i) {
    const auto id = static_cast<std::int64_t>(rng() % 3000);
    if (i % 3 == 0) changes.push_back(upd(row(id, "a", i), row(id + 1, "a", i)));  // a key change
    else changes.push_back(upd(row(id, "a", i), row(id, "a", i)));
  }
  const auto plan = make_plan(false);
  const auto target = make_apply_target(plan, 1 << 20);
  ASSERT_TRUE(target);
  const auto p = ptrs(changes);
  auto ops = row_ops(p, *target, /*dedupe=*/false);
  ASSERT_TRUE(ops);
  const auto all = *ops;
  auto [a, b] = partition_ops(std::move(*ops));
  EXPECT_EQ(a.size() + b.size(), all.size());
  EXPECT_GT(a.size(), all.size() / 4);
  EXPECT_GT(b.size(), all.size() / 4);
  // Per key, the sequence of (kind, row) must be the same as in the whole list.
  auto per_key = [](const std::vector<RowOp>& v) {
    std::map<std::string, std::vector<std::pair<int, const RowImage*>>> m;
    for (const auto& op : v) m[op.key.front()].emplace_back(static_cast<int>(op.kind), op.row);
    return m;
  };
  const auto whole = per_key(all), ha = per_key(a), hb = per_key(b);
  for (const auto& [k, seq] : whole) {
    const bool in_a = ha.count(k) > 0, in_b = hb.count(k) > 0;
    EXPECT_NE(in_a, in_b) << "key " << k << " in both halves or neither";
    EXPECT_EQ(in_a ? ha.at(k) : hb.at(k), seq) << "key " << k;
  }
}

// Unsigned keys above the int64 range and negative signed ones order as numbers; operations
// built without a value (first_int unset) fall back to their literals' text.
TEST(OrderByKeyTest, UnsignedAboveInt64AndTextOnlyKeys) {
  const auto urow = [](std::uint64_t id) {
    return RowImage{{id, binlog::BytesValue{"a"}, std::int64_t{1}}, {true, true, true}};
  };
  const std::vector<RowChange> changes = {ins(urow(18446744073709551615ULL)), ins(urow(9223372036854775808ULL)),
                                          ins(urow(7)), ins(urow(18446744073709551615ULL))};
  const auto plan = split_plan();
  const auto target = make_apply_target(plan, 1 << 20);
  ASSERT_TRUE(target);
  auto ops = row_ops(ptrs(changes), *target, /*dedupe=*/true);
  ASSERT_TRUE(ops);
  ASSERT_EQ(ops->size(), 3u) << "the repeated key kept once";
  EXPECT_EQ(ops->back().row, &*changes[3].after) << "its last operation";
  order_by_key(*ops);
  std::vector<std::string> got;
  for (const auto& op : *ops) got.push_back(op.key.front());
  EXPECT_EQ(got, (std::vector<std::string>{"7", "9223372036854775808", "18446744073709551615"}));

  std::vector<RowOp> text_only = {{RowOp::Kind::kWrite, {"10"}, nullptr, std::nullopt},
                                  {RowOp::Kind::kWrite, {"-2"}, nullptr, std::nullopt},
                                  {RowOp::Kind::kWrite, {"9"}, nullptr, std::nullopt}};
  order_by_key(text_only);
  EXPECT_EQ(text_only[0].key.front(), "-2");
  EXPECT_EQ(text_only[1].key.front(), "9");
  EXPECT_EQ(text_only[2].key.front(), "10");
}

// Where keys commute, a batch's operations go out deletes first, then writes, each in numeric
// key order (not text order: 9 < 10, -20 < -1); every operation is kept.
TEST(OrderByKeyTest, DeletesThenWritesEachInNumericKeyOrder) {
  const auto row_of = [](std::int64_t id) { return row(id, "a", 1); };
  const std::vector<RowChange> changes = {ins(row_of(10)),  del(row_of(9)), ins(row_of(-1)), del(row_of(100)),
                                          ins(row_of(-20)), ins(row_of(2)), del(row_of(-3))};
  const auto plan = split_plan();
  const auto target = make_apply_target(plan, 1 << 20);
  ASSERT_TRUE(target);
  auto ops = row_ops(ptrs(changes), *target, /*dedupe=*/true);
  ASSERT_TRUE(ops);
  order_by_key(*ops);
  std::vector<std::pair<int, std::string>> got;
  for (const auto& op : *ops) got.emplace_back(op.kind == RowOp::Kind::kDelete ? 0 : 1, op.key.front());
  const std::vector<std::pair<int, std::string>> want = {{0, "-3"}, {0, "9"}, {0, "100"}, {1, "-20"},
                                                         {1, "-1"}, {1, "2"}, {1, "10"}};
  EXPECT_EQ(got, want);
  const auto sql = apply_statements(*ops, *target);
  EXPECT_EQ(sql.size(), 2u) << "one DELETE, one REPLACE";
}
