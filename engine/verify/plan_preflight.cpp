#include "engine/verify/plan_preflight.h"

#include <nlohmann/json.hpp>

#include "engine/inspect/lock_holders.h"
#include "engine/sql/sql_connection.h"
#include "engine/verify/plan_compare.h"
#include "engine/verify/plan_queries.h"

namespace ghostcut::engine {

PhasedPreflight phased_preflight(SqlConnection& conn, const MigrationPlan& plan, const PlanCheckConfig& check,
                                 std::optional<std::chrono::seconds> kill_blockers_after) {
  PhasedPreflight out;
  std::string& t = out.text;
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (check.enabled()) {
    t += "Plan check (before each cut-over attempt, on the original and on the ghost)\n";
    for (const auto& q : check.queries) {
      std::string why;
      if (auto w = not_a_select(q)) {
        out.refusals.push_back("--check-queries: " + *w + ": " + q);
      } else if (!swap_table(q, plan.database, plan.table, plan.ghost_table, &why)) {
        out.refusals.push_back("--check-queries: " + why + ": " + q);
      } else {
        try {
          const auto p = explain_plan(conn.query(explain_prefix(plan.server) + "/* ghostcut plan check */ " + q));
          t += "  query: " + q + "\n    plan now: " + describe_plan(p) + "\n";
          j["queries"].push_back({{"query", q}, {"plan", describe_plan(p)}});
        } catch (const SqlError& e) {
          out.refusals.push_back(std::string("--check-queries: EXPLAIN fails on the original (") + e.what() +
                                 "): " + q);
        }
      }
    }
    if (check.top_digests > 0) {
      std::string ps = "off";
      try {
        ps = conn.query(digests_on_query(plan.server)).scalar().value_or("0") == "1" ? "on" : "off";
      } catch (const std::exception&) {
      }
      std::string texts;
      if (ps == "on" && !digest_samples_always(plan.server)) {
        std::string on;
        try {
          on = conn.query(statement_consumers_query()).scalar().value_or("");
        } catch (const std::exception&) {
        }
        const bool current = on.find("events_statements_current") != std::string::npos;
        const bool history = on.find("events_statements_history") != std::string::npos;
        texts = current && history
                    ? "; statement texts from the statement history (" + on + "): recent statements only"
                    : "; WARNING: no statement texts (consumers on: " + (on.empty() ? std::string("none") : on) +
                          "), so no digest can be EXPLAINed: UPDATE performance_schema.setup_consumers SET ENABLED = "
                          "'YES' WHERE NAME LIKE 'events_statements%'";
      }
      j["top_digests"] = check.top_digests;
      j["performance_schema"] = ps == "on";
      t += "  top digests: " + std::to_string(check.top_digests) + " (performance_schema " + ps +
           (ps == "off" ? ": none will be checked" : "") + texts + "); collected before the first attempt\n";
    }
    j["on_regression"] = check.on_regression == OnPlanRegression::kFail   ? "fail"
                         : check.on_regression == OnPlanRegression::kWarn ? "warn"
                                                                          : "postpone";
    t += "  on regression: " +
         std::string(check.on_regression == OnPlanRegression::kFail   ? "fail"
                     : check.on_regression == OnPlanRegression::kWarn ? "warn"
                                                                      : "postpone") +
         "\n";
  }
  if (kill_blockers_after) {
    const auto view = lock_view(conn, plan.server);
    if (view == LockView::kOpenTransactions)
      out.refusals.push_back("--kill-blockers-after: " + lock_view_missing(plan.server));
    j["kill_blockers_after_seconds"] = kill_blockers_after->count();
    j["lock_view"] = view == LockView::kPerformanceSchema  ? "performance_schema.metadata_locks"
                     : view == LockView::kMetadataLockInfo ? "information_schema.METADATA_LOCK_INFO"
                                                           : "none";
    t += "Kill blockers: sessions holding " + plan.table + "'s metadata lock for " +
         std::to_string(kill_blockers_after->count()) + " s or more are killed before each attempt (holders from " +
         (view == LockView::kPerformanceSchema  ? "performance_schema.metadata_locks"
          : view == LockView::kMetadataLockInfo ? "information_schema.METADATA_LOCK_INFO"
                                                : "nowhere exact: refused") +
         ")\n";
  }
  if (!j.empty()) out.json = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return out;
}

}  // namespace ghostcut::engine
