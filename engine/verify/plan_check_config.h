// What the query-plan check (#15, engine/verify/plan_check.h) is told; kept apart so the
// migration's config does not pull in the check itself.
#pragma once
#include <string>
#include <vector>

namespace ghostcut::engine {

// --on-plan-regression: hold the cut-over (and ask again before each attempt), fail the
// migration with the original intact, or only say so.
enum class OnPlanRegression { kPostpone, kFail, kWarn };

struct PlanCheckConfig {
  PlanCheckConfig() {}  // not an aggregate: GCC 12 warns (maybe-uninitialized) on a const global aggregate of it
  std::vector<std::string> queries;  // --check-queries FILE, split (plan_compare.h split_check_queries)
  std::string source;                // the file, for messages
  // The top N SELECT digests from performance_schema that name the table (0: none). Off for an
  // engine caller; the CLI's default is 10.
  int top_digests = 0;
  OnPlanRegression on_regression = OnPlanRegression::kPostpone;
  bool enabled() const { return !queries.empty() || top_digests > 0; }
};

}  // namespace ghostcut::engine
