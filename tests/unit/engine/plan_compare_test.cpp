// #15 query-plan check: the pure pieces — the queries file, the token-aware rewrite onto the
// ghost, EXPLAIN rows of both flavours and the comparison rules — and the flavour-dependent SQL.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/inspect/phased_queries.h"
#include "engine/verify/plan_compare.h"
#include "engine/verify/plan_queries.h"

using namespace ghostcut::engine;

namespace {

ServerInfo plan_server(const std::string& version) { return parse_server_version(version, ""); }

std::string swap(const std::string& sql, std::string* why = nullptr) {
  return swap_table(sql, "shop", "t", "t_gho", why).value_or("<none>");
}

TEST(PlanCompare, QueriesFileIsLinesOrSemicolonSeparated) {
  EXPECT_EQ(split_check_queries("SELECT 1 FROM t\n\n  SELECT * FROM t WHERE b = 2  \n# a comment\n"),
            (std::vector<std::string>{"SELECT 1 FROM t", "SELECT * FROM t WHERE b = 2"}));
  EXPECT_EQ(split_check_queries("SELECT a\nFROM t\nWHERE b = ';';\n-- done\nSELECT 2 FROM t;"),
            (std::vector<std::string>{"SELECT a\nFROM t\nWHERE b = ';'", "-- done\nSELECT 2 FROM t"}));
  EXPECT_TRUE(split_check_queries("\n# only comments\n").empty());
}

TEST(PlanCompare, OnlyReadsAreChecked) {
  EXPECT_FALSE(not_a_select("SELECT * FROM t"));
  EXPECT_FALSE(not_a_select("(SELECT a FROM t) UNION (SELECT a FROM t)"));
  EXPECT_FALSE(not_a_select("WITH x AS (SELECT a FROM t) SELECT * FROM x"));
  EXPECT_TRUE(not_a_select("DELETE FROM t"));
  EXPECT_TRUE(not_a_select("UPDATE t SET a = 1"));
  EXPECT_TRUE(not_a_select("SELECT a INTO @x FROM t"));
  EXPECT_TRUE(not_a_select("SELECT 'unterminated FROM t"));
  EXPECT_FALSE(not_a_select("SELECT 'into' FROM t")) << "a string is no keyword";
}

TEST(PlanCompare, TheTableIsSwappedByTokenNotByText) {
  // An unaliased reference keeps its name as the alias, so qualifiers resolve unchanged.
  EXPECT_EQ(swap("SELECT t.a FROM t WHERE t.b = 5"), "SELECT t.a FROM `t_gho` AS `t` WHERE t.b = 5");
  // A column, a string and a comment named like the table are left alone.
  EXPECT_EQ(swap("SELECT t FROM t WHERE t = 't' /* t */"), "SELECT t FROM `t_gho` AS `t` WHERE t = 't' /* t */");
  // Aliased: only the name changes.
  EXPECT_EQ(swap("SELECT x.a FROM t AS x"), "SELECT x.a FROM `t_gho` AS x");
  EXPECT_EQ(swap("SELECT x.a FROM `t` x JOIN u ON u.id = x.id"), "SELECT x.a FROM `t_gho` x JOIN u ON u.id = x.id");
  // Qualified with its own database, or another one.
  EXPECT_EQ(swap("SELECT * FROM shop.t WHERE a = 1"), "SELECT * FROM shop.`t_gho` AS `t` WHERE a = 1");
  EXPECT_EQ(swap("SELECT * FROM other.t"), "<none>");
  // Comma joins, joins after ON, subqueries, index hints.
  EXPECT_EQ(swap("SELECT * FROM u, t WHERE u.id = t.id"), "SELECT * FROM u, `t_gho` AS `t` WHERE u.id = t.id");
  EXPECT_EQ(swap("SELECT * FROM a JOIN b ON a.x = b.x, t"), "SELECT * FROM a JOIN b ON a.x = b.x, `t_gho` AS `t`");
  EXPECT_EQ(swap("SELECT * FROM u WHERE id IN (SELECT id FROM t WHERE b = 1)"),
            "SELECT * FROM u WHERE id IN (SELECT id FROM `t_gho` AS `t` WHERE b = 1)");
  EXPECT_EQ(swap("SELECT * FROM t FORCE INDEX (kb) WHERE b = 1"),
            "SELECT * FROM `t_gho` AS `t` FORCE INDEX (kb) WHERE b = 1");
  EXPECT_EQ(swap("SELECT * FROM t LEFT JOIN t AS t2 USING (id)"),
            "SELECT * FROM `t_gho` AS `t` LEFT JOIN `t_gho` AS t2 USING (id)");
  // A table whose name only starts like it, and a table not read at all.
  EXPECT_EQ(swap("SELECT * FROM t2"), "<none>");
  std::string why;
  EXPECT_EQ(swap("SELECT t FROM u", &why), "<none>");
  EXPECT_NE(why.find("does not read"), std::string::npos) << why;
  EXPECT_EQ(swap("SELECT * FROM t PARTITION (p0)", &why), "<none>");
  EXPECT_NE(why.find("PARTITION"), std::string::npos) << why;
}

// EXPLAIN's columns as each flavour returns them.
ResultTable mariadb_explain(std::vector<std::vector<Cell>> rows) {
  return {{"id", "select_type", "table", "type", "possible_keys", "key", "key_len", "ref", "rows", "Extra"},
          std::move(rows)};
}
ResultTable mysql_explain(std::vector<std::vector<Cell>> rows) {
  return {{"id", "select_type", "table", "partitions", "type", "possible_keys", "key", "key_len", "ref", "rows",
           "filtered", "Extra"},
          std::move(rows)};
}
const Cell kNull = std::nullopt;

TEST(PlanCompare, ExplainRowsOfBothFlavoursReadAlike) {
  const auto maria = explain_plan(mariadb_explain({{"1", "SIMPLE", "t", "ref", "kb", "kb", "5", "const", "20", ""}}));
  const auto mysql = explain_plan(
      mysql_explain({{"1", "SIMPLE", "t", kNull, "ref", "kb", "kb", "5", "const", "20", "100.00", kNull}}));
  for (const auto* p : {&maria, &mysql}) {
    ASSERT_EQ(p->size(), 1u);
    EXPECT_EQ(p->front().table, "t");
    EXPECT_EQ(p->front().type, "ref");
    EXPECT_EQ(p->front().key, "kb");
    EXPECT_EQ(p->front().possible_keys, "kb");
    EXPECT_EQ(p->front().rows, 20);
  }
  EXPECT_EQ(describe_plan(maria), "t: type=ref key=kb rows=20");
  // MariaDB: "Impossible WHERE" has no table, type or rows.
  const auto impossible = explain_plan(
      mariadb_explain({{"1", "SIMPLE", kNull, kNull, kNull, kNull, kNull, kNull, kNull, "Impossible WHERE"}}));
  EXPECT_FALSE(impossible.front().rows);
  EXPECT_EQ(describe_plan(impossible), "-: type=NULL key=NULL rows=NULL (Impossible WHERE)");
}

TEST(PlanCompare, AFullScanWhereThereWasALookupIsARegression) {
  for (const auto& make : {mariadb_explain, mysql_explain}) {
    const bool my = make(std::vector<std::vector<Cell>>{}).columns.size() == 12;
    auto row = [&](const char* type, Cell pk, Cell key, const char* rows) -> std::vector<Cell> {
      if (my) return {"1", "SIMPLE", "t", kNull, type, pk, key, kNull, kNull, rows, "100.00", kNull};
      return {"1", "SIMPLE", "t", type, pk, key, kNull, kNull, rows, ""};
    };
    SCOPED_TRACE(my ? "MySQL columns" : "MariaDB columns");
    const auto before = explain_plan(make({row("ref", "kb", "kb", "20")}));
    // The index is gone: ALL, no possible key, 100× the rows — three findings.
    const auto dropped = compare_plans(before, explain_plan(make({row("ALL", kNull, kNull, "2000")})));
    ASSERT_EQ(dropped.size(), 3u) << describe_regressions(dropped);
    EXPECT_EQ(dropped[0].kind, RegressionKind::kFullScan);
    EXPECT_EQ(dropped[0].why, "type ref (key kb) -> ALL (full table scan)");
    EXPECT_EQ(dropped[1].kind, RegressionKind::kKeyUnusable);
    EXPECT_EQ(dropped[2].kind, RegressionKind::kRowsUp);
    // A full index scan counts too; the same plan, or a better one, does not.
    EXPECT_EQ(compare_plans(before, explain_plan(make({row("index", "kb", "kb", "30")})))[0].kind,
              RegressionKind::kFullScan);
    EXPECT_TRUE(compare_plans(before, explain_plan(make({row("ref", "kb", "kb", "20")}))).empty());
    EXPECT_TRUE(compare_plans(before, explain_plan(make({row("const", "PRIMARY,kb", "PRIMARY", "1")}))).empty());
    // A scan that was a scan already is no regression.
    const auto scan = explain_plan(make({row("ALL", kNull, kNull, "2000")}));
    EXPECT_TRUE(compare_plans(scan, scan).empty());
  }
}

TEST(PlanCompare, RowsUpTenfoldIsARegressionAboveTheFloor) {
  auto plan = [](const char* rows) {
    return explain_plan(mariadb_explain({{"1", "SIMPLE", "t", "range", "kb", "kb", kNull, kNull, rows, ""}}));
  };
  EXPECT_TRUE(compare_plans(plan("100"), plan("999")).empty()) << "9.99×";
  const auto up = compare_plans(plan("100"), plan("1000"));
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].kind, RegressionKind::kRowsUp);
  EXPECT_EQ(up[0].why, "rows estimate 100 -> 1000 (10x)");
  EXPECT_TRUE(compare_plans(plan("1"), plan("50")).empty()) << "under the floor: estimates that small are noise";
  EXPECT_TRUE(compare_plans(plan("1000"), plan("NULL")).empty()) << "no estimate, no comparison";
}

TEST(PlanCompare, RowsAreMatchedByIdTableAndOccurrence) {
  const auto before = explain_plan(mariadb_explain({
      {"1", "PRIMARY", "u", "ALL", kNull, kNull, kNull, kNull, "10", ""},
      {"1", "PRIMARY", "t", "eq_ref", "PRIMARY", "PRIMARY", kNull, kNull, "1", ""},
  }));
  // The join order changed (t first now) but each table kept its access: no regression.
  const auto reordered = explain_plan(mariadb_explain({
      {"1", "PRIMARY", "t", "eq_ref", "PRIMARY", "PRIMARY", kNull, kNull, "1", ""},
      {"1", "PRIMARY", "u", "ALL", kNull, kNull, kNull, kNull, "10", ""},
  }));
  EXPECT_TRUE(compare_plans(before, reordered).empty());
  const auto worse = explain_plan(mariadb_explain({
      {"1", "PRIMARY", "u", "ALL", kNull, kNull, kNull, kNull, "10", ""},
      {"1", "PRIMARY", "t", "ALL", "PRIMARY", kNull, kNull, kNull, "5000", "Using join buffer"},
  }));
  const auto r = compare_plans(before, worse);
  ASSERT_EQ(r.size(), 2u) << describe_regressions(r);
  EXPECT_EQ(r[0].table, "t");
  EXPECT_EQ(describe_regressions(r),
            "t: type eq_ref (key PRIMARY) -> ALL (full table scan); t: rows estimate 1 -> 5000 (5000x)");
}

TEST(PlanQueries, ExplainAndDigestsByFlavour) {
  const auto maria = plan_server("10.11.6-MariaDB-log"), mysql8 = plan_server("8.0.36"),
             mysql57 = plan_server("5.7.44-log");
  EXPECT_EQ(explain_prefix(maria), "EXPLAIN ");
  EXPECT_EQ(explain_prefix(mysql8), "EXPLAIN FORMAT=TRADITIONAL ");
  EXPECT_TRUE(digest_samples_always(mysql8));
  EXPECT_FALSE(digest_samples_always(mysql57));
  EXPECT_FALSE(digest_samples_always(maria));
  const auto q8 = top_digests_query(mysql8, 40);
  EXPECT_NE(q8.find("QUERY_SAMPLE_TEXT"), std::string::npos);
  EXPECT_EQ(q8.find("history"), std::string::npos);
  const auto qm = top_digests_query(maria, 40);
  EXPECT_EQ(qm.find("QUERY_SAMPLE_TEXT"), std::string::npos) << "MariaDB 10.11 has no such column";
  EXPECT_NE(qm.find("events_statements_history_long"), std::string::npos);
  for (const auto* q : {&q8, &qm}) {
    EXPECT_NE(q->find("LIMIT 40"), std::string::npos);
    EXPECT_NE(q->find("DIGEST_TEXT LIKE 'SELECT%'"), std::string::npos);
    EXPECT_EQ(std::count(q->begin(), q->end(), '?'), 2);
  }
  EXPECT_EQ(digest_like("my_table"), "%`my\\_table`%");
  EXPECT_NE(statement_consumers_query().find("setup_consumers"), std::string::npos);
  EXPECT_EQ(digest_like("50%"), "%`50\\%`%");
}

TEST(PlanQueries, ExactLockHoldersByFlavourAndView) {
  const auto maria = plan_server("10.11.6-MariaDB-log"), mysql = plan_server("8.0.36");
  EXPECT_EQ(lock_view_for(mysql, true), LockView::kPerformanceSchema);
  EXPECT_EQ(lock_view_for(maria, true), LockView::kMetadataLockInfo);
  EXPECT_EQ(lock_view_for(maria, false), LockView::kOpenTransactions);
  EXPECT_EQ(lock_view_for(mysql, false), LockView::kOpenTransactions);
  EXPECT_NE(lock_view_probe_query(mysql).find("wait/lock/metadata/sql/mdl"), std::string::npos);
  EXPECT_NE(lock_view_probe_query(maria).find("METADATA_LOCK_INFO"), std::string::npos);
  const auto mli = lock_holders_query(LockView::kMetadataLockInfo);
  EXPECT_NE(mli.find("information_schema.METADATA_LOCK_INFO"), std::string::npos);
  EXPECT_EQ(std::count(mli.begin(), mli.end(), '?'), 2) << "bound to the table";
  EXPECT_NE(mli.find("CONNECTION_ID()"), std::string::npos) << "never the asking session";
  EXPECT_EQ(lock_holders_query(LockView::kPerformanceSchema), lock_holders_query(mysql));
  EXPECT_EQ(lock_holders_query(LockView::kOpenTransactions), lock_holders_query(maria));
  EXPECT_NE(lock_view_missing(maria).find("INSTALL SONAME 'metadata_lock_info'"), std::string::npos);
  EXPECT_NE(lock_view_missing(mysql).find("performance_schema"), std::string::npos);
}

}  // namespace
