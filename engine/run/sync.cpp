#include "engine/run/sync.h"

#include <exception>

#include "common/thread_name.h"
#include "engine/metrics/log_fields.h"

#include <spdlog/spdlog.h>

#include "binlog/net/replication_stream.h"
#include "engine/resume/resume_session.h"
#include "engine/sql/binlog_settings.h"
#include "engine/sql/retry.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

using Clock = std::chrono::steady_clock;

Sync::Sync(MigrationContext& m, IoServices& io, SqlConnection& main,
           std::optional<binlog::BinlogPosition> cut_over_lock_position, bool skip_rename)
    : m_(m), main_(main), meter_(m.config.quiet_window) {
  // Throttling: replicas read the changelog heartbeats, so it starts once the table exists.
  ThrottlerConfig tc = m.config.throttle;
  tc.primary = m.cs;
  tc.replica_credentials = m.cs;
  tc.database = m.plan.database;
  tc.changelog_table = m.plan.changelog_table;
  throttler_ = std::make_unique<Throttler>(tc, m.runtime, m.log);
  throttler_->start();

  // The stream starts at the current position before the first row is copied.
  // Resumed: from the checkpoint's last fully applied transaction (replaying is idempotent).
  const binlog::BinlogPosition start = cut_over_lock_position ? *cut_over_lock_position
                                       : m.resume && m.resume->resuming()
                                           ? m.resume->resumed()->applied
                                           : current_binlog_position(main, m.plan.server.version);
  binlog::StreamSettings ss;
  ss.connection = to_binlog_settings(m.cs, m.config.server_id);
  ss.start = start;
  ss.heartbeat_period = std::chrono::milliseconds(1000);
  ss.dead_after = std::chrono::milliseconds(5000);
  ss.piece_bytes = m.config.applier.piece_bytes;  // a big transaction in pieces (applier.h)
  // Shared with the stream's lookup, which runs on the io thread until IoServices ends.
  auto columns = std::make_shared<const binlog::TableColumns>(
      binlog::TableColumns{m.plan.original.column_names(), m.plan.original.signs()});
  const std::string db = m.plan.database, table = m.plan.table, changelog = m.plan.changelog_table;
  const std::size_t ncols = m.plan.original.columns.size();
  stream_ = &io.start_stream(
      ss,
      [db, table, changelog](std::string_view s, std::string_view t) {
        return s == db && (t == table || t == changelog);
      },
      [columns, table, ncols](const binlog::TableMap& tm) -> const binlog::TableColumns* {
        return tm.table == table && tm.column_count() == ncols ? columns.get() : nullptr;
      });
  m.log->info("binlog stream from {}", start.to_string());

  applier_ = std::make_unique<ApplierLoop>(*stream_, m.cs, m.plan, m.runtime, m.progress, m.log);
  applier_->set_change_listener([this](std::uint64_t rows) { meter_.add(Clock::now(), rows); });
  // Binlog first: while the applier retries a batch that lost a lock conflict, the copier starts
  // no new chunk (lock_conflict.h).
  ApplierConfig ac = m.config.applier;
  ac.on_conflict = [this, outer = ac.on_conflict](bool retrying) {
    priority_.set_applier_retrying(retrying);
    if (retrying)
      m_.log->warn(
          "applier: a batch lost a lock conflict on {} (deadlock or lock wait timeout); retrying it, "
          "the copy waits ({} conflicts so far)",
          m_.plan.ghost_table, m_.progress.lock_conflicts.load());
    if (outer) outer(retrying);
  };
  applier_->set_applier_config(std::move(ac));
  if (cut_over_lock_position && skip_rename) applier_->skip_through_cut_over_rename();
  applier_->start();
  control_ = std::make_unique<ApplierControl>(*applier_);
  attachment_ = std::make_unique<MigrationStatus::Attachment>(m.status, *applier_, *stream_, *throttler_);

  heartbeat_ = std::make_unique<HeartbeatWriter>(m.cs, m.qb, m.config.heartbeat_interval, m.log);
  // Not past a held XA PREPARE: a resumed run must see its rows again (applier_loop.h).
  if (m.resume) m.resume->start_writer([this] { return applier_->checkpoint_position(); });
  watchdog_ = std::jthread([this](std::stop_token st) { watch(st); });
  reporter_ = std::jthread([this](std::stop_token st) { report(st); });
}

Sync::~Sync() {
  stop();
  // The checkpoint writer reads the applier: a last checkpoint, then it stops before we go.
  if (m_.resume) m_.resume->stop();
}

void Sync::stop() {
  if (applier_) applier_->stop();
  if (heartbeat_) heartbeat_->stop();
  watchdog_.request_stop();
  reporter_.request_stop();
  release_dump_thread();
}

void Sync::release_dump_thread() noexcept {
  if (!stream_ || dump_released_) return;
  dump_released_ = true;
  // Only at a normal end: a failing run must not wait on a server that may be gone (and its dump
  // thread goes at the next heartbeat anyway).
  const bool unwinding = std::uncaught_exceptions() > 0;
  try {
    const bool failing = unwinding || stream_->failure() || main_.in_transaction();
    const auto id = stream_->stats().connection_id;
    stream_->stop();
    if (id == 0 || failing) return;
    // Ours only if it is still a dump session of our user: after a server restart (ids start
    // again at 1; `main` reopens on its own) the id may be anybody's.
    const auto live = main_.query(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ? AND COMMAND LIKE 'Binlog Dump%' AND "
        "USER = SUBSTRING_INDEX(USER(), '@', 1)",
        {static_cast<std::uint64_t>(id)});
    if (to_uint64(live.scalar()) == 0) return;
    main_.execute("KILL CONNECTION " + std::to_string(id));
    m_.log->debug("binlog stream: killed its dump thread {} on the server", id);
  } catch (const std::exception& e) {  // gone already (1094), or not ours to kill: it ends by itself
    m_.log->debug("binlog stream: dump thread not killed: {}", e.what());
  }
}

double Sync::change_rate() const { return meter_.rate(Clock::now()); }

std::optional<std::string> Sync::not_caught_up(std::chrono::milliseconds threshold) const {
  const auto lag = applier_->heartbeat_lag();
  if (!lag) return "waiting for the first heartbeat";
  if (*lag > threshold)
    return "applier lag " + std::to_string(lag->count()) + " ms > " + std::to_string(threshold.count()) + " ms";
  return std::nullopt;
}

void Sync::yield_to_applier(std::stop_token stop) {
  const auto limit = m_.config.max_applier_lag;
  if (limit.count() <= 0) return;
  auto lag = applier_->heartbeat_lag();
  if (!lag || *lag <= limit) return;
  // Back under half the limit, but above the heartbeat's own granularity: an applier that is
  // keeping up shows a lag of up to one heartbeat interval.
  const auto resume_below = std::min(limit, std::max(limit / 2, m_.config.heartbeat_interval * 2));
  const auto t0 = Clock::now();
  ++m_.progress.copy_yielding;
  if (yielding_++ == 0)
    m_.log->info("row copy: yielding to the applier, {} ms behind the binlog (limit {} ms): binlog first", lag->count(),
                 limit.count());
  while (!stop.stop_requested() && !failed()) {
    lag = applier_->heartbeat_lag();
    if (!lag || *lag < resume_below) break;
    if (!sleep_for(stop, std::chrono::milliseconds(10))) break;
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  m_.progress.copy_yielded_ms += static_cast<std::uint64_t>(waited.count());
  --m_.progress.copy_yielding;
  if (--yielding_ == 0)
    m_.log->info("row copy: the applier caught up ({} ms behind) after {} ms; copying on", lag ? lag->count() : -1,
                 waited.count());
}

bool Sync::failed() const {
  return applier_->failure() || stream_->failure() || throttler_->failure() || m_.runtime.panic() ||
         heartbeat_->silence() || (m_.resume && m_.resume->failure());
}

void Sync::check_failures() const {
  if (auto f = applier_->failure()) std::rethrow_exception(f);
  if (auto f = stream_->failure()) std::rethrow_exception(f);
  if (auto f = throttler_->failure()) std::rethrow_exception(f);
  if (m_.runtime.panic()) throw std::runtime_error("panic: the operator aborted the migration");
  if (auto why = heartbeat_->silence()) throw std::runtime_error("heartbeat: " + *why);
  if (m_.resume)
    if (auto lost = m_.resume->failure()) throw std::runtime_error(*lost);
  if (m_.stop.stop_requested()) throw std::runtime_error("interrupted");
}

void Sync::watch(std::stop_token stop) {
  name_this_thread("gc-watchdog");
  bool was_throttled = false;
  try {
    while (!stop.stop_requested() && !m_.abort.stop_requested()) {
      if (failed()) m_.abort.request_stop();
      const bool throttled = throttler_->is_throttled();
      control_->set_throttled(throttled);
      if (throttled && !was_throttled) m_.hooks.post("on-throttled", m_.hook_context(), true);
      was_throttled = throttled;
      sleep_for(stop, std::chrono::milliseconds(50));
    }
  } catch (const std::exception& e) {
    m_.log->error("watchdog: {}; stopping the migration", e.what());
    m_.abort.request_stop();
  }
  control_->stop_throttling();
}

void Sync::report(std::stop_token stop) {
  name_this_thread("gc-progress");
  const auto& config = m_.config;
  auto next_log = Clock::now() + config.progress_interval;
  auto next_hook = Clock::now() + config.hooks_status_interval;
  while (!stop.stop_requested()) try {
      if (!sleep_for(stop, std::chrono::milliseconds(config.on_status ? 1000 : 250))) break;
      const auto now = Clock::now();
      if (auto lag = applier_->heartbeat_lag())
        peak_lag_ms_ = std::max<std::int64_t>(peak_lag_ms_.load(), lag->count());
      const auto snap = m_.status.snapshot();
      if (config.on_status) config.on_status(snap);
      if (now >= next_log) {
        const LogEvent event("progress", snap.to_json());  // the numbers, as numbers, in JSON logs
        m_.log->info("{}", snap.status_line());
        next_log = now + config.progress_interval;
      }
      if (now >= next_hook) {
        m_.hooks.post("on-status", m_.hook_context(), true);
        next_hook = now + config.hooks_status_interval;
      }
    } catch (const std::exception& e) {
      m_.log->warn("status report: {}", e.what());  // reporting only: the migration goes on
    }
}

}  // namespace ghostcut::engine
