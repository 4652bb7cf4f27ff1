#include "engine/copy/copy_phase.h"

#include <spdlog/spdlog.h>

#include "engine/copy/copier.h"
#include "engine/run/sync.h"
#include "engine/sql/sql_connection.h"
#include "engine/sql/result.h"

namespace ghostcut::engine {

void copy_rows(MigrationContext& m, Sync& sync, SqlConnection& main) {
  m.status.set_state(Phase::kCopying);
  auto est = main.query("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                        {m.plan.database, m.plan.table});
  m.progress.rows_estimated = est.empty() || !est.rows[0][0] ? m.plan.estimated_rows : to_uint64(est.rows[0][0]);
  CopierConfig cc = m.config.copier;
  cc.wait_if_throttled = [&sync, outer = cc.wait_if_throttled, limit = m.config.applier.conflict_retry.limit](
                             std::stop_token st) {
    sync.priority().wait_for_applier(st, limit);
    if (outer) outer(st);
    sync.throttler().wait_while_throttled(st);
  };
  Copier copier(m.cs, m.plan, m.runtime, m.progress, cc, m.log);
  try {
    copier.run(m.abort.get_token());
  } catch (...) {
    sync.check_failures();  // the root cause, when another part failed first
    throw;
  }
  sync.check_failures();
  m.log->info("row copy complete: {} rows", m.progress.rows_copied.load());
  m.hooks.post("on-row-copy-complete", m.hook_context());
}

}  // namespace ghostcut::engine
