#include "engine/revert/reverse_sync_phase.h"

#include <spdlog/spdlog.h>

#include "engine/create/ghost_tables.h"
#include "engine/cutover/cutover.h"
#include "engine/revert/reverse_plan.h"
#include "engine/run/io_services.h"
#include "engine/run/sync.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {
namespace {

using Clock = std::chrono::steady_clock;

std::string utc_text(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// One revert: the forward cut-over's loop, on the reverse plan. Throws CutOverAborted when every
// attempt was undone (the new table stays live), CutOverStateError when the state is unknown.
CutOverResult revert(MigrationContext& r, Sync& sync) {
  auto& applier = sync.applier_control();
  CutOver cutover(
      r.cs, r.plan, r.config.cut_over,
      [&](const binlog::BinlogPosition& pos, Clock::time_point deadline) { return applier.drain_to(pos, deadline); },
      r.log);
  for (int attempt = 1;; ++attempt) {
    while (auto why = sync.not_caught_up(r.config.cut_over_lag_threshold)) {
      sync.check_failures();
      r.status.set_state(Phase::kReverting, "waiting: " + *why);
      r.sleep(std::chrono::milliseconds(50));
    }
    r.status.set_state(Phase::kReverting, "swapping " + r.plan.ghost_table + " back in");
    applier.take(ApplierControl::Owner::kCutOver);
    try {
      CutOverResult out;
      out.write_stall = cutover.attempt(attempt);
      out.attempts = attempt;
      out.lock_position = cutover.lock_position();
      return out;
    } catch (const CutOverAborted& e) {
      applier.release();
      if (attempt > r.config.cut_over.retries) throw;
      sync.check_failures();
      r.log->warn("revert: {}; the new table stays live; retrying in {} ms", e.what(),
                  r.config.cut_over.retry_backoff.count());
      r.sleep(r.config.cut_over.retry_backoff);
    } catch (const std::exception& e) {
      applier.resume();
      throw CutOverStateError(std::string("revert: ") + e.what() + "; check which of " + r.plan.table + ", " +
                                  r.plan.ghost_table + " and " + r.plan.old_table + " holds what",
                              false);
    }
  }
}

}  // namespace

RevertResult keep_old_table_in_sync(MigrationContext& m, IoServices& io, const binlog::BinlogPosition& lock_position,
                                    GhostTables& tables) {
  RevertResult out;
  const MigrationPlan plan = reverse_plan(m.plan);
  auto qb = QueryBuilder::create(plan.database, plan.table, plan.chunk_key, plan.mapping, plan.original);
  if (!qb) throw std::runtime_error("reverse sync: " + qb.error().message());
  MigrationContext r{m.config, plan, *qb, m.cs, m.runtime, m.progress, m.status, m.hooks, m.log, m.stop, {}};
  std::stop_callback forward(m.stop, [&] { r.abort.request_stop(); });
  const auto until = Clock::now() + m.config.keep_old_table_in_sync;
  const auto until_wall = std::chrono::system_clock::now() +
                          std::chrono::duration_cast<std::chrono::system_clock::duration>(m.config.keep_old_table_in_sync);
  const std::string until_text = utc_text(until_wall);
  bool reverting = false;
  struct RevertWindow {  // shown in status and metrics while the sync runs, on every way out cleared
    MigrationStatus& s;
    ~RevertWindow() { s.set_revert_until(std::nullopt); }
  } window{m.status};
  try {
    auto main = SqlConnection::open(m.cs);
    Sync sync(r, io, *main, lock_position);
    m.status.set_revert_until(until_wall);
    m.log->info("reverse sync: applying changes of the new {} to {} from {}; revert={} possible until {}",
                plan.table, plan.ghost_table, lock_position.to_string(), plan.table, until_text);
    for (;;) {
      sync.check_failures();
      const auto seen = m.runtime.version();
      if (m.runtime.revert_requested()) {
        if (auto h = m.hooks.run_now("on-before-revert", m.hook_context()); !h.ok()) {
          m.log->warn("revert: the on-before-revert hook refused it (exit {}); still in sync", h.exit_code);
          m.runtime.set_revert_requested(false);
          continue;
        }
        break;
      }
      if (Clock::now() >= until) {
        m.log->info("reverse sync: the revert window ended ({}); {} is no longer kept in sync", until_text,
                    plan.ghost_table);
        return out;
      }
      m.status.set_state(Phase::kKeepingOldInSync, "revert=" + plan.table + " possible until " + until_text);
      r.wait_for_change(seen, std::chrono::milliseconds(200));
    }
    reverting = true;
    m.status.set_revert_until(std::nullopt);
    out.cut_over = revert(r, sync);
    out.reverted = true;
    tables.mark_reverted(plan.old_table);
    m.log->info("revert: done in attempt {}; writes to {} waited {} ms; the new table is now {}", out.cut_over.attempts,
                plan.table, out.cut_over.write_stall.count(), plan.old_table);
    m.hooks.run_now("on-revert-success", m.hook_context());
  } catch (const CutOverStateError&) {
    m.hooks.run_now("on-revert-failure", m.hook_context("revert: the table state is unknown"));
    throw;
  } catch (const std::exception& e) {
    if (m.stop.stop_requested() && !reverting) {
      out.stopped = "interrupted";
      m.log->warn("reverse sync: interrupted; {} is no longer kept in sync", plan.ghost_table);
      return out;
    }
    out.stopped = (reverting ? "revert failed, the new table stays live: " : "reverse sync stopped: ") +
                  std::string(e.what());
    m.log->error("{}; a revert is no longer possible without losing writes ({} is kept as it was then)", out.stopped,
                 plan.ghost_table);
    if (reverting) m.hooks.run_now("on-revert-failure", m.hook_context(out.stopped));
  }
  return out;
}

}  // namespace ghostcut::engine
