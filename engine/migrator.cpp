#include "engine/migrator.h"

#include <spdlog/spdlog.h>

#include "engine/copy/copy_phase.h"
#include "engine/create/deferred_indexes.h"
#include "engine/create/ghost_tables.h"
#include "engine/cutover/cut_over_phase.h"
#include "engine/cutover/instant_phase.h"
#include "engine/metrics/build_info.h"
#include "engine/metrics/prometheus_format.h"
#include "engine/migrator_session.h"
#include "engine/resume/resume_session.h"
#include "engine/revert/reverse_sync_phase.h"
#include "engine/run/context.h"
#include "engine/run/io_services.h"
#include "engine/run/sync.h"
#include "engine/sql/sql_connection.h"
#include "engine/verify/analyze_phase.h"
#include "engine/verify/verify_phase.h"

namespace ghostcut::engine {

Migrator::Migrator(MigratorConfig config, const MigrationPlan& plan, RuntimeSettings& runtime,
                   ProgressCounters& progress, std::shared_ptr<spdlog::logger> logger)
    : config_(std::move(config)),
      plan_(plan),
      runtime_(runtime),
      progress_(progress),
      log_(logger ? std::move(logger) : spdlog::default_logger()),
      status_(plan, runtime, progress, config_.postpone_flag_file) {
  if (!config_.clock) config_.clock = system_wall_clock();
}

CommandReply Migrator::handle_control_line(std::string_view line) {
  if (auto c = parse_command(line);
      c && std::holds_alternative<RevertCommand>(*c) && phase() != Phase::kKeepingOldInSync)
    return {false,
            "revert: possible only while the old table is kept in sync after the cut-over "
            "(--keep-old-table-in-sync); now: " +
                state()};
  CommandCallbacks cb;
  cb.status_text = [this] { return status_text(); };
  cb.status_json = [this] { return status_json(); };
  cb.sup = [this] { return status_snapshot().status_line(); };
  cb.coordinates = [this] { return status_.coordinates(); };
  return handle_command_line(line, runtime_, plan_.table, cb);
}

QueryBuilder Migrator::query_builder() const {
  auto qb = QueryBuilder::create(plan_.database, plan_.table, plan_.chunk_key, plan_.mapping, plan_.original);
  if (!qb) throw std::runtime_error("cannot build queries: " + qb.error().message());
  return std::move(*qb);
}

ConnectionSettings Migrator::session_settings() const {
  ConnectionSettings cs = config_.connection;
  cs.database = plan_.database;
  return cs;
}

void Migrator::serve(IoServices& io) {
  if (!config_.control.socket_path.empty() || config_.control.tcp_port)
    control_tcp_port_ =
        io.serve_control(config_.control, [this](std::string_view l) { return handle_control_line(l); });
  if (config_.metrics_port)
    metrics_port_ = io.serve_metrics(config_.metrics_bind, *config_.metrics_port, [this] {
      return format_prometheus(metrics_snapshot()) + build_info_prometheus();
    });
  io.start();
}

Migrator::Session::Session(Migrator& self, std::stop_token stop)
    : qb(self.query_builder()),
      cs(self.session_settings()),
      hooks(self.config_.hooks_path, self.config_.hooks_timeout, self.log_),
      m{self.config_, self.plan_, qb, cs, self.runtime_, self.progress_, self.status_, hooks, self.log_, stop, {}},
      forward(stop, [this] { m.abort.request_stop(); }),
      io(self.log_) {
  self.serve(io);
}

// Steps 2-6b: the ghost, the stream, the copy, the checks and the swap.
void Migrator::copy_and_cut_over(MigrationContext& m, IoServices& io, SqlConnection& main, GhostTables& tables,
                                 ResumeSession& resume, MigrationResult& result) {
  tables.create(main);                              // 2. create
  auto sync = std::make_unique<Sync>(m, io, main);  // 3. stream, apply, watch
  m.run_gating_hook("on-before-row-copy");
  // 4. copy, and 5. verify begun behind it where that takes no lock (it watches the applier's
  // writes until the checksum after the copy has its snapshots)
  std::optional<ChecksumBehindCopy> behind;
  if (m.config.checksum && m.config.checksum_lock_free && m.config.checksum_during_copy &&
      ChecksumBehindCopy::applies(m.plan))
    behind.emplace(m, *sync);
  copy_rows(m, *sync, main, behind ? &*behind : nullptr);
  if (m.config.after_copy) m.config.after_copy();
  if (m.config.checksum) {
    // 4b. deferred keys built (the ghost is then the ALTER's table) while 5. verify takes its
    // snapshots and reads the original's side; the ghost is read once the build is done.
    KeyBuild build(m);
    result.checksum = verify_tables(
        m, *sync, [&] { build.wait(); }, behind ? &*behind : nullptr);
    build.wait();
    behind.reset();  // its watch of the applier ends (before the applier goes)
  } else {
    complete_ghost_indexes(m);  // 4b
  }
  if (m.config.analyze_ghost) analyze_ghost(m, main);  // 5b. fresh statistics
  result.cut_over = cut_over(m, *sync, tables);        // 6. cut over
  result.peak_lag = sync->peak_lag();
  resume.stop();  // no checkpoints after the cut-over
  sync.reset();
  if (m.config.keep_old_table_in_sync.count() > 0) {  // 6b. keep t_del in sync
    ReverseSyncStart from;
    from.position = result.cut_over.lock_position;
    from.until = std::chrono::system_clock::now() +
                 std::chrono::duration_cast<std::chrono::system_clock::duration>(m.config.keep_old_table_in_sync);
    from.lock_lost = [&resume] { return resume.failure(); };  // the run lock is held on through it
    result.revert = keep_old_table_in_sync(m, io, from, tables);
    if (result.revert->resumable) tables.keep_for_reverse_sync();
  }
}

MigrationResult Migrator::run(std::stop_token stop) {
  status_.restart_clock();
  Session session(*this, stop);
  const auto& cs = session.cs;
  auto& hooks = session.hooks;
  auto& m = session.m;
  auto& io = session.io;

  MigrationResult result;
  GhostTables tables(m);
  ResumeSession resume(cs, plan_,
                       {config_.resume && !config_.drop_leftover_tables, config_.version, config_.checkpoint_interval,
                        [this] {
                          // "copying", "postponed", …; "copying (throttled)" while the throttle holds
                          const auto p = status_.phase();
                          std::string s(phase_name(p));
                          if (p == Phase::kCopying && status_.throttle_status().throttled) s += " (throttled)";
                          return s;
                        }},
                       log_);
  try {
    // gh-ost's order and rule: these hooks gate (a failure stops here, nothing touched yet).
    m.run_gating_hook("on-startup");
    m.run_gating_hook("on-validated");  // the plan was validated before run()
    auto main = SqlConnection::open(cs);
    main->reopen_when_idle({});  // it sits idle through the copy; a restarted server closed it
    resume.begin(*main);         // 1b. one run per table; resume?
    m.resume = &resume;
    result.resumed = resume.resuming();
    result.instant = alter_instantly(m, *main);                                          // 1c. metadata-only, natively?
    if (!result.instant->done) copy_and_cut_over(m, io, *main, tables, resume, result);  // 2.-6b.
    status_.set_state(Phase::kDone, !result.revert            ? std::string()
                                    : result.revert->reverted ? "reverted: " + plan_.table + " is the old table again"
                                    : result.revert->stopped.empty() ? std::string()
                                                                     : result.revert->stopped);
  } catch (const std::exception& e) {
    status_.set_state(Phase::kFailed, e.what());
    resume.stop();  // its last checkpoint stays for the next run
    tables.clean_up_after_failure();
    hooks.run_now("on-failure", m.hook_context(e.what()));
    throw;
  }
  if (!result.instant->done) tables.clean_up_after_success();  // 7. clean up
  result.rows_copied = progress_.rows_copied.load();
  result.rows_skipped = resume.rows_skipped();
  result.events_applied = progress_.events_applied.load();
  result.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - status_.started());
  if (auto h = hooks.run_now("on-success", m.hook_context()); !h.ok())
    result.success_hook_failure =
        "hook on-success failed (" +
        (h.timed_out ? std::string("timed out") : "exit code " + std::to_string(h.exit_code)) + ")";
  return result;
}

}  // namespace ghostcut::engine
