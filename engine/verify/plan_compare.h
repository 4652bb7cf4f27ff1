// PURE pieces of the query-plan check (#15; engine/verify/plan_check.h runs them): reading a
// queries file, rewriting a SELECT onto the ghost, reading EXPLAIN rows and comparing two plans.
// Nothing here talks to a server, so every rule is unit-tested on plan rows of both flavours.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sql/result.h"

namespace ghostcut::engine {

// --check-queries FILE: when the text holds a `;` outside quotes and comments, statements are
// `;`-separated (and may span lines); otherwise every non-blank line is one statement. Comments
// and blank statements are dropped.
std::vector<std::string> split_check_queries(std::string_view text);

// Why a statement is not checked (nullopt: it is a read — SELECT, WITH … SELECT, or a
// parenthesised SELECT — without INTO).
std::optional<std::string> not_a_select(std::string_view sql);

// The statement reading `ghost` where it read db.table (unqualified names are the table's own
// database, the EXPLAIN session's default). Token-aware (engine/sql/sql_tokens.h): only table
// references in FROM/JOIN position are rewritten; a reference without an alias gets `AS table`,
// so `table.col` qualifiers keep resolving and EXPLAIN names the same table in both plans.
// nullopt with `why` set: the statement does not read the table, or cannot be rewritten safely
// (unterminated quote, PARTITION selection).
std::optional<std::string> swap_table(std::string_view sql, const std::string& database, const std::string& table,
                                      const std::string& ghost, std::string* why = nullptr);

// One EXPLAIN row (the columns both flavours share; MySQL adds partitions and filtered).
struct ExplainRow {
  std::string id, select_type, table, type;
  std::optional<std::string> possible_keys, key;
  std::optional<double> rows;  // NULL on MariaDB for some rows (e.g. "Impossible WHERE")
  std::string extra;
};
using ExplainPlan = std::vector<ExplainRow>;

// The rows of an EXPLAIN result, read by column name (MySQL's and MariaDB's column sets alike).
ExplainPlan explain_plan(const ResultTable& r);
// "t: type=ref key=kb rows=20; <derived2>: type=ALL key=NULL rows=5" — for the log and status.
std::string describe_plan(const ExplainPlan& p);

enum class RegressionKind { kFullScan, kKeyUnusable, kRowsUp };
struct PlanRegression {
  RegressionKind kind;
  std::string table;  // the EXPLAIN row's table (alias) it was seen on
  std::string why;    // "type ref (key kb) -> ALL (full scan)"
};

// Rows estimates below this on the ghost are never a regression: tiny estimates swing by 10×
// with the sampled statistics alone.
inline constexpr double kRowsRegressionFloor = 100;

// Compares the plan on the original (`before`) with the one on the ghost (`after`), row by row
// matched on (id, table, occurrence): a full scan (type ALL or index) where there was an index
// lookup; possible_keys empty where it was not (a key no longer usable); the rows estimate up by
// ≥ 10× (and at least kRowsRegressionFloor). Empty: no regression.
std::vector<PlanRegression> compare_plans(const ExplainPlan& before, const ExplainPlan& after);
std::string describe_regressions(const std::vector<PlanRegression>& r);  // "t: type ref -> ALL …; …"

}  // namespace ghostcut::engine
