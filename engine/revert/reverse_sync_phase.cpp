#include "engine/revert/reverse_sync_phase.h"

#include <spdlog/spdlog.h>

#include "engine/create/ghost_tables.h"
#include "engine/cutover/cut_over_phase.h"
#include "engine/cutover/cutover.h"
#include "engine/resume/checkpoint.h"
#include "engine/revert/reverse_checkpoint.h"
#include "engine/revert/reverse_plan.h"
#include "engine/run/io_services.h"
#include "engine/run/sync.h"
#include "engine/sql/quoting.h"
#include "engine/sql/server_queries.h"
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
  CutOver cutover = applier_cut_over(r, applier);
  for (int attempt = 1;; ++attempt) {
    while (auto why = sync.not_caught_up(r.config.cut_over_lag_threshold)) {
      sync.check_failures();
      r.status.set_state(Phase::kReverting, "waiting: " + *why);
      r.sleep(std::chrono::milliseconds(50));
    }
    r.status.set_state(Phase::kReverting, "swapping " + r.plan.ghost_table + " back in");
    applier.take(ApplierControl::Owner::kCutOver);
    try {
      return attempt_swap(cutover, attempt);
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

RevertResult keep_old_table_in_sync(MigrationContext& m, IoServices& io, const ReverseSyncStart& start,
                                    GhostTables& tables) {
  RevertResult out;
  const MigrationPlan plan = reverse_plan(m.plan);
  auto qb = QueryBuilder::create(plan.database, plan.table, plan.chunk_key, plan.mapping, plan.original);
  if (!qb) throw std::runtime_error("reverse sync: " + qb.error().message());
  MigrationContext r{m.config, plan, *qb, m.cs, m.runtime, m.progress, m.status, m.hooks, m.log, m.stop, {}};
  std::stop_callback forward(m.stop, [&] { r.abort.request_stop(); });
  const auto until_wall = start.until;
  const auto until =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(until_wall - std::chrono::system_clock::now());
  const std::string until_text = utc_text(until_wall);
  bool reverting = false;
  bool lock_lost = false;
  struct RevertWindow {  // shown in status and metrics while the sync runs, on every way out cleared
    MigrationStatus& s;
    ~RevertWindow() { s.set_revert_until(std::nullopt); }
  } window{m.status};
  // The checkpoint (engine/revert/reverse_checkpoint.h): its writer reads the applier, so it is
  // declared after the Sync and stopped first.
  const ReverseCheckpointStore store(plan.database, plan.changelog_table);
  std::mutex state_mu;
  std::string state = "syncing";                  // guarded by state_mu
  std::optional<ReverseCheckpoint> last_written;  // guarded by state_mu
  std::unique_ptr<CheckpointWriter> checkpoint;
  // While the writer runs: the new state, written at once.
  auto set_state = [&](std::string s) {
    {
      std::lock_guard lk(state_mu);
      state = std::move(s);
    }
    if (checkpoint && !checkpoint->write_now())
      m.log->warn("reverse sync: the checkpoint could not be written: {}", checkpoint->last_error());
  };
  // After the writer (and the Sync) stopped: the last checkpoint again, with its final state.
  auto final_state = [&](const std::string& s) {
    std::lock_guard lk(state_mu);
    if (!last_written) return;
    last_written->state = s;
    try {
      store.write(*SqlConnection::open(m.cs), *last_written);
    } catch (const std::exception& e) {
      m.log->warn("reverse sync: the checkpoint's final state could not be written: {}", e.what());
    }
  };
  try {
    auto main = SqlConnection::open(m.cs);
    const PlanIdentity identity =
        plan_identity(m.plan, show_create_table(*main, plan.database, plan.ghost_table), m.config.version);
    Sync sync(r, io, *main, start.position, !start.past_rename);
    const auto until_epoch = std::chrono::duration_cast<std::chrono::seconds>(until_wall.time_since_epoch()).count();
    checkpoint = std::make_unique<CheckpointWriter>(
        m.cs,
        [&](SqlConnection& c) {
          ReverseCheckpoint k;
          k.plan = identity;
          k.table = plan.table;
          k.old_table = plan.ghost_table;
          // Skipping flag first: the applier sets its position at the RENAME before it clears it.
          if (sync.applier().skipping_to_cut_over_rename()) {
            k.applied = start.position;
            k.past_rename = start.past_rename;
          } else {
            const auto applied = sync.applier().applied_position();
            k.applied = applied.empty() || applied < start.position ? start.position : applied;
            k.past_rename = true;
          }
          k.until_epoch = until_epoch;
          std::lock_guard lk(state_mu);
          k.state = state;
          store.write(c, k);
          last_written = k;
        },
        m.config.checkpoint_interval, m.log);
    struct StopFirst {  // the writer reads the Sync: it stops (with a last write) before the Sync goes
      std::unique_ptr<CheckpointWriter>& w;
      ~StopFirst() {
        if (w) w->stop();
      }
    } stop_first{checkpoint};
    checkpoint->start();
    set_state("syncing");
    m.status.set_revert_until(until_wall);
    m.log->info("reverse sync: applying changes of the new {} to {} from {}; revert={} possible until {}", plan.table,
                plan.ghost_table, start.position.to_string(), plan.table, until_text);
    if (start.revert_at_once) m.runtime.set_revert_requested(true);
    // `ghostcut revert` whose revert did not happen: the sync is as good as before, so its
    // checkpoint stays (state syncing) and the command can be run again.
    auto give_back = [&](std::string why) {
      out.stopped = std::move(why);
      out.resumable = true;
      m.log->error("{}; {} is still in sync as of the checkpoint: `ghostcut revert` can be run again until {}",
                   out.stopped, plan.ghost_table, until_text);
      return out;
    };
    for (;;) {
      for (;;) {
        sync.check_failures();
        if (start.lock_lost)
          if (auto lost = start.lock_lost()) {
            lock_lost = true;  // the checkpoint is the other run's now: leave its state alone
            throw std::runtime_error(*lost);
          }
        const auto seen = m.runtime.version();
        if (m.runtime.revert_requested()) {
          if (auto h = m.hooks.run_now("on-before-revert", m.hook_context()); !h.ok()) {
            m.log->warn("revert: the on-before-revert hook refused it (exit {}); still in sync", h.exit_code);
            m.runtime.set_revert_requested(false);
            if (start.revert_at_once) return give_back("revert: the on-before-revert hook refused it");
            continue;
          }
          break;
        }
        if (Clock::now() >= until) {
          m.log->info("reverse sync: the revert window ended ({}); {} is no longer kept in sync", until_text,
                      plan.ghost_table);
          set_state("ended");
          return out;
        }
        m.status.set_state(Phase::kKeepingOldInSync, "revert=" + plan.table + " possible until " + until_text);
        r.wait_for_change(seen, std::chrono::milliseconds(200));
      }
      reverting = true;
      set_state("reverting");
      m.status.set_revert_until(std::nullopt);
      try {
        out.cut_over = revert(r, sync);
        break;
      } catch (const CutOverAborted& e) {
        // Every attempt was undone (the lock was not had in time): the new table stays live and
        // the old one is still in sync, so the revert can be asked for again.
        reverting = false;
        m.runtime.set_revert_requested(false);
        set_state("syncing");
        m.hooks.run_now("on-revert-failure", m.hook_context(std::string("revert: ") + e.what()));
        if (start.revert_at_once) return give_back(std::string("revert failed, every attempt undone: ") + e.what());
        m.log->error(
            "revert: {}; every attempt was undone, the new {} stays live and {} is still kept in sync: "
            "revert={} can be asked for again until {}",
            e.what(), plan.table, plan.ghost_table, plan.table, until_text);
        m.status.set_revert_until(until_wall);
      }
    }
    out.reverted = true;
    set_state("reverted");
    tables.mark_reverted(plan.old_table);
    m.log->info("revert: done in attempt {}; writes to {} waited {} ms; the new table is now {}", out.cut_over.attempts,
                plan.table, out.cut_over.write_stall.count(), plan.old_table);
    m.hooks.run_now("on-revert-success", m.hook_context());
  } catch (const CutOverStateError& e) {
    final_state(std::string("stopped: ") + e.what());
    m.hooks.run_now("on-revert-failure", m.hook_context("revert: the table state is unknown"));
    throw;
  } catch (const std::exception& e) {
    if (m.stop.stop_requested()) {
      // The checkpoint stays (state syncing): `ghostcut revert` or the same command resumes it. An
      // interrupted revert is undone like a failed attempt (a swap that happened, or whose outcome is
      // unknown, is a CutOverStateError above).
      out.stopped = "interrupted";
      out.resumable = last_written.has_value();
      if (reverting) final_state("syncing");
      m.log->warn("reverse sync: interrupted; {} is no longer kept in sync{}", plan.ghost_table,
                  out.resumable ? " until a restart: `ghostcut revert` (or this command again) resumes it from its "
                                  "checkpoint in " +
                                      plan.changelog_table + ", until " + until_text
                                : std::string());
      return out;
    }
    out.stopped =
        (reverting ? "revert failed, the new table stays live: " : "reverse sync stopped: ") + std::string(e.what());
    if (!lock_lost) final_state("stopped: " + out.stopped);
    m.log->error("{}; a revert is no longer possible without losing writes ({} is kept as it was then)", out.stopped,
                 plan.ghost_table);
    if (reverting) m.hooks.run_now("on-revert-failure", m.hook_context(out.stopped));
  }
  return out;
}

}  // namespace ghostcut::engine
