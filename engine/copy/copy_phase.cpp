#include "engine/copy/copy_phase.h"

#include <spdlog/spdlog.h>

#include "engine/copy/copier.h"
#include "engine/resume/resume_session.h"
#include "engine/run/sync.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

void copy_rows(MigrationContext& m, Sync& sync, SqlConnection& main, ChecksumBehindCopy* behind) {
  // The estimate first: whoever sees the copying phase (status, a test) sees its row estimate too.
  m.progress.rows_estimated = estimated_rows(main, m.plan.database, m.plan.table).value_or(m.plan.estimated_rows);
  m.status.set_state(Phase::kCopying);
  CopierConfig cc = m.config.copier;
  cc.wait_if_throttled = [&sync, outer = cc.wait_if_throttled,
                          limit = m.config.applier.conflict_retry.limit](std::stop_token st) {
    sync.priority().wait_for_applier(st, limit);
    sync.yield_to_applier(st);
    if (outer) outer(st);
    sync.throttler().wait_while_throttled(st);
  };
  if (m.resume && m.resume->resuming() && !m.resume->resumed()->ranges.empty())
    cc.resume_from = m.resume->resumed()->ranges.front();  // copy on from the low-water mark
  Copier copier(m.cs, m.plan, m.runtime, m.progress, cc, m.log);
  const auto started = std::chrono::steady_clock::now();
  if (m.resume) m.resume->copier_started(&copier);
  struct StopBehind {  // before the copier goes, however the copy ends
    ChecksumBehindCopy* behind;
    ~StopBehind() {
      if (behind) behind->stop();
    }
  } stop_behind{behind};
  try {
    if (behind) behind->start([&copier] { return copier.progress_mark(); });
    copier.run(m.abort.get_token());
  } catch (...) {
    if (m.resume) m.resume->copier_finished(copier);
    sync.check_failures();  // the root cause, when another part failed first
    throw;
  }
  if (m.resume) m.resume->copier_finished(copier);
  m.progress.rows_resumed = copier.rows_skipped();
  if (copier.rows_skipped())
    m.log->info("row copy: {} rows were copied by the interrupted run and not copied again", copier.rows_skipped());
  sync.check_failures();
  const auto snap = m.progress.snapshot(std::chrono::steady_clock::now(), "");
  m.log->info("row copy complete: {} rows in {} ms; {} copy statements held their locks p99 {} ms, max {} ms",
              m.progress.rows_copied.load(),
              std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count(),
              snap.copy_statements, snap.copy_lock_hold_p99_ms, snap.copy_lock_hold_max_ms);
  if (behind)
    if (const auto v = behind->stop(); v.chunks)
      m.log->info("checksum behind the copy: {} rows in {} chunks already equal in {} and {} (compared in {} ms)",
                  v.rows, v.chunks, m.plan.table, m.plan.ghost_table, v.busy.count());
  m.run_gating_hook("on-row-copy-complete");
}

}  // namespace ghostcut::engine
