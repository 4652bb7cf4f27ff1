// Before anything is touched (dry run and --execute alike): the phased-change flags that need the
// server's say — each --check-queries statement must be a SELECT that reads the table and EXPLAINs
// on the original; --kill-blockers-after needs exact metadata-lock holders (blockers.h). Refusals
// stop the run; the text goes into the printed plan.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/inspect/plan.h"
#include "engine/verify/plan_check_config.h"

namespace ghostcut::engine {

class SqlConnection;

struct PhasedPreflight {
  std::vector<std::string> refusals;
  std::string text;  // "Plan check\n  …" lines; empty when neither flag applies
  std::string json;  // the same as one JSON object (--plan-format json: "phased_checks"); empty likewise
};

PhasedPreflight phased_preflight(SqlConnection& conn, const MigrationPlan& plan, const PlanCheckConfig& check,
                                 std::optional<std::chrono::seconds> kill_blockers_after);

}  // namespace ghostcut::engine
