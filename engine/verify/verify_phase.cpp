#include "engine/verify/verify_phase.h"

#include <spdlog/spdlog.h>

#include "engine/run/sync.h"
#include "engine/sql/sql_error.h"
#include "engine/text.h"

#include <algorithm>
#include <optional>

namespace ghostcut::engine {

ChecksumResult verify_tables(MigrationContext& m, Sync& sync, std::function<void()> before_ghost_reads,
                             ChecksumBehindCopy* during_copy) {
  const auto behind = during_copy ? during_copy->stop() : ChecksumBehindCopy::Verified{};
  const auto& config = m.config;
  m.status.set_state(Phase::kVerifying, "waiting for the applier");
  std::optional<std::chrono::steady_clock::time_point> first_lost;
  std::uint64_t restarts = 0;
  for (int attempt = 1;;) {
    sync.check_failures();
    if (sync.not_caught_up(config.cut_over_lag_threshold)) {
      m.sleep(std::chrono::milliseconds(50));
      continue;
    }
    m.status.set_state(Phase::kVerifying, "comparing " + m.plan.table + " and " + m.plan.ghost_table);
    auto& applier = sync.applier_control();
    applier.take(ApplierControl::Owner::kChecksum);
    ChecksumOptions options;
    options.threads = static_cast<int>(std::max<std::uint64_t>(2, m.runtime.threads()));
    options.chunk_rows = config.checksum_chunk_rows;
    options.before_ghost_reads = before_ghost_reads;
    options.from = behind.through;
    if (during_copy) options.recheck = [during_copy] { return during_copy->rechecks(); };
    // Progress against the rows the copy saw (the original's size, give or take the writes since).
    const auto expected = std::max<std::uint64_t>(m.progress.rows_copied.load(), m.plan.estimated_rows);
    const auto began = std::chrono::steady_clock::now();
    m.progress.checksum_rows = behind.rows;
    options.on_progress = [&, expected, began](std::uint64_t after, std::uint64_t) {
      const auto rows = behind.rows + after;
      m.progress.checksum_rows = rows;
      std::string detail = "comparing " + m.plan.table + " and " + m.plan.ghost_table + ": " + std::to_string(rows) +
                           " of ~" + std::to_string(expected) + " rows";
      if (expected > 0 && after > 0 && rows < expected) {  // the rate of this part only
        const auto spent = std::chrono::steady_clock::now() - began;
        const auto left =
            std::chrono::duration_cast<std::chrono::seconds>(spent * (double(expected - rows) / double(after)));
        detail += " (" + std::to_string(rows * 100 / expected) + "%, ETA " + format_duration(left) + ")";
      }
      m.status.set_state(Phase::kVerifying, detail);
    };
    Checksum checksum(
        m.cs, m.plan, config.cut_over.lock_timeout,
        [&](const binlog::BinlogPosition& pos, std::chrono::steady_clock::time_point deadline) {
          return applier.drain_to(pos, deadline);
        },
        [&] { applier.resume(); }, m.log, options);
    if (config.checksum_lock_free)
      checksum.set_lock_free({[&] { applier.pause(); },
                              [&](const binlog::BinlogPosition& pos, std::chrono::steady_clock::time_point deadline) {
                                return applier.run_to(pos, deadline);
                              },
                              [&] { return applier.last_transaction_end(); }});
    try {
      auto r = checksum.run();
      applier.release();
      r.rows += behind.rows;
      r.chunks += behind.chunks;
      r.rows_during_copy = behind.rows;
      r.differed_during_copy = behind.differed;
      r.restarts = restarts;
      m.progress.checksum_rows_repaired += r.rows_repaired;
      m.log->info(
          "checksum: {} rows in {} chunks equal in {} and {} ({} columns compared{}{}{}{}{}); {}, took {} ms", r.rows,
          r.chunks, m.plan.table, m.plan.ghost_table, r.compared.size(),
          behind.chunks ? "; " + std::to_string(behind.rows) + " rows behind the copy" : std::string(),
          r.rows_rechecked
              ? "; " + std::to_string(r.rows_rechecked) + " compared again where the applier wrote after them"
              : std::string(),
          r.rows_repaired ? "; " + std::to_string(r.rows_repaired) + " row(s) repaired" : std::string(),
          restarts ? "; started again " + std::to_string(restarts) + " time(s) after a lost session" : std::string(),
          r.skipped.empty() ? std::string() : "; not compared, type changed: " + join(r.skipped),
          r.lock_free ? std::string("snapshots without a lock (writes never waited)")
                      : "writes waited " + std::to_string(r.write_stall.count()) + " ms",
          r.took.count());
      return r;
    } catch (const ChecksumNotTaken& e) {
      applier.release();
      // A key build that fell back to LOCK=SHARED holds the applier back: retry after it.
      if (before_ghost_reads) before_ghost_reads();
      if (attempt > config.cut_over.retries) throw std::runtime_error(std::string("checksum: ") + e.what());
      m.log->warn("checksum: {}; retrying in {} ms", e.what(), config.cut_over.retry_backoff.count());
      m.sleep(config.cut_over.retry_backoff);
      ++attempt;
    } catch (const SqlError& e) {
      applier.release();
      // A session of the comparison killed or dropped (a KILL, an idle-connection killer, a
      // proxy): its snapshot is gone, so the comparison starts again with new ones (what it
      // repaired stays repaired). Losses without progress in between get the time the copy gives
      // a lost session; another error, or a key build that failed, ends the run.
      if (!session_gone(e)) throw;
      const auto now = std::chrono::steady_clock::now();
      if (!first_lost || m.progress.checksum_rows.load() > behind.rows) first_lost = now;
      if (now - *first_lost >= config.copier.conflict_retry.limit) throw;
      if (before_ghost_reads) {
        before_ghost_reads();  // the keys are built: the next run reads both sides in one pass
        before_ghost_reads = {};
      }
      ++restarts;
      m.log->warn("checksum: {}; comparing again with new snapshots", e.what());
      m.sleep(config.cut_over.retry_backoff);
    } catch (...) {
      applier.release();
      throw;
    }
  }
}

}  // namespace ghostcut::engine
