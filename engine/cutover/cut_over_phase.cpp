#include "engine/cutover/cut_over_phase.h"

#include <spdlog/spdlog.h>

#include "engine/create/ghost_tables.h"
#include "engine/cutover/blockers.h"
#include "engine/cutover/cut_over_gate.h"
#include "engine/run/sync.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"
#include "engine/verify/plan_check.h"

namespace ghostcut::engine {
namespace {

using Clock = std::chrono::steady_clock;

// After a cut-over error that is not an undone attempt: what the tables look like now.
std::string describe_tables(const MigrationContext& m, GhostTables& tables) {
  try {
    auto c = SqlConnection::open(m.cs);
    auto exists = [&](const std::string& t) { return table_exists(*c, m.plan.database, t); };
    if (exists(m.plan.old_table) && !exists(m.plan.ghost_table)) {
      tables.mark_swapped();  // the rename happened: keep t_gho's clean-up away from the new table
      return "the tables WERE swapped (" + m.plan.table + " is the new table, the original is " + m.plan.old_table +
             "); check the new table";
    }
    return exists(m.plan.ghost_table) ? "the tables were not swapped (" + m.plan.ghost_table + " still exists)"
                                      : "the table state is unclear";
  } catch (const std::exception& inner) {
    return std::string("the table state could not be checked: ") + inner.what();
  }
}

}  // namespace

CutOver applier_cut_over(MigrationContext& m, ApplierControl& applier) {
  return CutOver(
      m.cs, m.plan, m.config.cut_over,
      [a = &applier](const binlog::BinlogPosition& pos, Clock::time_point deadline) {
        return a->drain_to(pos, deadline);
      },
      m.log);
}

CutOverResult attempt_swap(CutOver& cutover, int attempt) {
  CutOverResult r;
  r.write_stall = cutover.attempt(attempt);
  r.attempts = attempt;
  r.lock_position = cutover.lock_position();
  return r;
}

CutOverResult cut_over(MigrationContext& m, Sync& sync, GhostTables& tables) {
  auto& applier = sync.applier_control();
  CutOver cutover = applier_cut_over(m, applier);
  CutOverGate gate(m, sync);
  PlanCheck plan_check(m);  // 6a. query plans on both tables, before each attempt
  gate.hold_while([&] { return plan_check.hold(); });
  std::unique_ptr<SqlConnection> admin;  // --kill-blockers-after
  return gate.attempts(
      "cut-over", "",
      [&](int attempt) {
        if (m.config.kill_blockers_after) try {
            if (!admin) admin = SqlConnection::open(m.cs);
            kill_blockers(m, *admin, *m.config.kill_blockers_after, {});
          } catch (const SqlError& e) {
            admin.reset();
            m.log->warn("kill-blockers: cannot look for blockers ({}); attempting anyway", e.what());
          }
        applier.take(ApplierControl::Owner::kCutOver);
        try {
          CutOverResult r = attempt_swap(cutover, attempt);
          tables.mark_swapped();
          m.status.record_cut_over_attempt(attempt, r.write_stall);
          m.log->info("cut-over: done in attempt {}; writes to {} waited {} ms", attempt, m.plan.table,
                      r.write_stall.count());
          return r;
        } catch (const CutOverAborted&) {
          throw;  // undone: the gate's loop retries
        } catch (const std::exception& e) {
          // With --include-triggers the ghost may still carry its triggers here (the RENAME's end
          // unconfirmed, or their drop failed): applying into it would fire them a second time,
          // so the applier stays paused; the run ends with this error anyway (ghost_triggers.h).
          if (m.plan.triggers.empty()) applier.resume();
          const std::string state = describe_tables(m, tables);
          throw CutOverStateError(std::string(e.what()) + "; " + state, tables.swapped());
        }
      },
      [&] { applier.release(); });
}

}  // namespace ghostcut::engine
