#include "engine/run/context.h"
#include "engine/sql/retry.h"

#include <unistd.h>

#include <condition_variable>
#include <mutex>

namespace ghostcut::engine {

HookContext MigrationContext::hook_context(std::string failure) const {
  HookContext h;
  h.database = plan.database;
  h.table = plan.table;
  h.ghost_table = plan.ghost_table;
  h.old_table = plan.old_table;
  h.alter = plan.alter;
  const auto snap = status.snapshot();
  h.state = snap.state;
  h.binlog_position = snap.binlog_position;
  h.throttle_reason = snap.throttle_reason;
  h.failure_message = std::move(failure);
  h.rows_copied = snap.rows_copied;
  h.rows_estimated = snap.rows_estimated;
  h.elapsed = snap.total_elapsed;
  h.migrated_host = cs.host + ":" + std::to_string(cs.port);
  h.status = snap.status_line();
  h.copy_elapsed = std::chrono::duration_cast<std::chrono::seconds>(snap.copy_elapsed);
  h.lag_seconds = static_cast<double>(snap.applier_lag_ms) / 1000.0;
  if (const auto eta = snap.eta()) h.eta_seconds = eta->count();
  h.hooks_hint = config.hooks_hint;
  h.hooks_hint_owner = config.hooks_hint_owner;
  h.hooks_hint_token = config.hooks_hint_token;
  h.revert = status.phase() == Phase::kKeepingOldInSync;
  h.plan_regressions = status.plan_check_text();
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) h.executing_host = host;
  return h;
}

void MigrationContext::run_gating_hook(std::string_view name) const {
  const auto h = hooks.run_now(name, hook_context());
  if (h.ok()) return;
  throw HookFailed("hook " + std::string(name) + " failed (" +
                   (h.timed_out ? std::string("timed out") : "exit code " + std::to_string(h.exit_code)) +
                   "): the migration stops, as gh-ost's does");
}

void MigrationContext::sleep(std::chrono::milliseconds d) const { sleep_for(abort.get_token(), d); }

}  // namespace ghostcut::engine
