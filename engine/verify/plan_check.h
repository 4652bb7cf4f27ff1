// Step 6a (#15): query plans checked before the switch. Before each cut-over attempt, once the
// gate is otherwise open (after the ghost's ANALYZE, engine/verify/analyze_phase.h), every
// --check-queries statement and the top N performance_schema digests that read the table are
// EXPLAINed on the original and, with the table reference rewritten token by token
// (plan_compare.h swap_table), on the ghost; the plans are compared (compare_plans). A regression
// — a full scan where there was an index lookup, a key no longer usable, a rows estimate up ≥ 10×,
// or the statement failing on the new schema — then, per --on-plan-regression:
//   postpone (default): the gate holds the attempt (phase "postponed") and asks again before the
//     next one, at most once a second; adding the index on the ghost, or the operator's
//     `cut-over` command (which forces the cut-over past every hold), lets it go on;
//   fail: the migration fails with the original intact;
//   warn: logged, and the cut-over goes on.
// The query and both plans go to the log, to `status` (text and JSON) and to every hook after it
// (GHOSTCUT_PLAN_REGRESSIONS). An instant ALTER builds no ghost, so it has nothing to compare:
// --check-queries makes the migration copy; the default digests are skipped there.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/run/context.h"

namespace ghostcut::engine {

class SqlConnection;

// --on-plan-regression=fail found one (the original is intact).
class PlanRegressionFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PlanCheck {
 public:
  explicit PlanCheck(MigrationContext& m);
  ~PlanCheck();
  // Before an attempt: a reason to hold it (postpone), or nullopt to go on. Throws
  // PlanRegressionFailure (fail).
  std::optional<std::string> hold();

  struct Query {
    std::string sql, source;  // source: "file" or "digest (N executions)"
    std::string ghost_sql;
  };
  const std::vector<Query>& queries() const { return queries_; }

 private:
  void collect(SqlConnection& c);
  MigrationContext& m_;
  std::unique_ptr<SqlConnection> conn_;
  std::vector<Query> queries_;
  bool collected_ = false;
  std::chrono::steady_clock::time_point last_check_{};
  std::uint64_t last_version_ = 0;
  std::optional<std::string> last_hold_;
  std::string last_logged_;
  std::string warned_;  // statements that could not be EXPLAINed on the original (said once)
};

}  // namespace ghostcut::engine
