// `ghostcut migrate --execute`: runs the Migrator for a validated plan, with Ctrl-C/SIGTERM/SIGHUP
// stopping it cleanly (before cut-over the original table is untouched; a cut-over attempt in
// progress finishes or is undone first — it is bounded by --cut-over-lock-timeout).
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli/app.h"
#include "cli/migrate_command.h"
#include "cli/status_display.h"
#include "engine/control/command.h"
#include "engine/control/control_access.h"
#include "engine/control/control_server.h"
#include "engine/cutover/cutover.h"
#include "engine/metrics/log_fields.h"
#include "engine/migrator.h"
#include "engine/phase.h"
#include "engine/resume/resume.h"
#include "engine/resume/run_guard.h"
#include "engine/revert/reverse_resume.h"
#include "engine/schedule/cut_over_window.h"
#include "engine/sql/binlog_settings.h"
#include "engine/sql/query_builder.h"

namespace ghostcut::cli {
namespace {

// Signals are taken by one thread (sigtimedwait), never by a handler: the migrator's threads
// all inherit the blocked mask, and the stop_source does the rest.
class SignalStop {
 public:
  explicit SignalStop(std::stop_source stop) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGHUP);  // a dropped SSH session: stop cleanly, never mid-cut-over
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::jthread([this, stop](std::stop_token st) mutable {
      const timespec tick{0, 100'000'000};
      while (!st.stop_requested()) {
        const int sig = sigtimedwait(&set_, nullptr, &tick);
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
          spdlog::warn("signal {}: stopping the migration (the original table stays as it is)", sig);
          stop.request_stop();
          return;
        }
      }
    });
  }
  ~SignalStop() {
    thread_.request_stop();
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t set_{}, old_{};
  std::jthread thread_;
};

// --panic-flag-file (gh-ost): when the file appears, abort at once, as `panic=<table>` does (the
// original table stays as it is; the ghost is left, or dropped with --cleanup-on-failure).
class PanicFlagFile {
 public:
  PanicFlagFile(const std::string& path, engine::RuntimeSettings& runtime) {
    if (path.empty()) return;
    thread_ = std::jthread([path, &runtime](std::stop_token st) {
      while (!st.stop_requested()) {
        struct stat sb {};
        if (::stat(path.c_str(), &sb) == 0) {
          spdlog::critical("panic flag file {} exists: aborting the migration", path);
          runtime.set_panic(true);
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }

 private:
  std::jthread thread_;
};

}  // namespace

// Start-up values that go through the control-command parser (same syntax and ranges).
template <typename Cmd>
Cmd parsed_as(const char* flag, const std::string& value) {
  auto r = engine::parse_command(std::string(flag) + "=" + value);
  if (!r) throw std::runtime_error(std::string("--") + flag + ": " + r.error().context);
  const Cmd* c = std::get_if<Cmd>(&*r);
  if (!c) throw std::runtime_error(std::string("--") + flag + ": unexpected value");
  return *c;
}

int run_migration(const MigrateConfig& config, const engine::MigrationPlan& plan, engine::SqlConnection&,
                  std::shared_ptr<StatusDisplay> display, const engine::ReverseResume* reverse, bool revert_at_once) {
  engine::RuntimeSettings runtime;
  std::optional<std::chrono::system_clock::time_point> deadline;
  try {
    auto check = [](const auto& r, const char* what) {
      if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().context);
    };
    check(runtime.set_threads(static_cast<std::uint64_t>(config.threads)), "--threads");
    check(runtime.set_chunk_size(config.chunk_size), "--chunk-size");
    check(runtime.set_dml_batch_size(static_cast<std::uint64_t>(config.dml_batch_size)), "--dml-batch-size");
    check(runtime.set_nice_ratio(config.nice_ratio), "--nice-ratio");
    check(runtime.set_max_lag_millis(static_cast<std::uint64_t>(config.max_lag_millis)), "--max-lag-millis");
    if (!config.max_load.empty())
      check(runtime.set_max_load(parsed_as<engine::SetMaxLoadCommand>("max-load", config.max_load).load), "--max-load");
    if (!config.critical_load.empty())
      check(runtime.set_critical_load(
                parsed_as<engine::SetCriticalLoadCommand>("critical-load", config.critical_load).load),
            "--critical-load");
    if (!config.throttle_query.empty()) check(runtime.set_throttle_query(config.throttle_query), "--throttle-query");
    if (!config.throttle_control_replicas.empty()) {
      std::string list;
      for (const auto& r : config.throttle_control_replicas) list += (list.empty() ? "" : ",") + r;
      check(runtime.set_throttle_control_replicas(
                parsed_as<engine::SetThrottleControlReplicasCommand>("throttle-control-replicas", list).replicas),
            "--throttle-control-replicas");
    }
    check(runtime.set_cut_over_windows(config.cut_over_windows), "--cut-over-window");
    deadline = config.cut_over_deadline_at;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return kExitUsage;
  }
  engine::ProgressCounters progress;

  engine::MigratorConfig mc;
  mc.connection = config.connection;
  mc.server_id = config.server_id ? config.server_id : engine::random_server_id();
  mc.heartbeat_interval = std::chrono::milliseconds(config.heartbeat_interval_millis);
  mc.cut_over_lag_threshold = std::chrono::milliseconds(config.cut_over_lag_threshold_ms);
  mc.max_applier_lag = std::chrono::milliseconds(config.max_applier_lag_ms);
  mc.progress_interval = std::chrono::seconds(config.status_interval_seconds);
  mc.postpone_flag_file = config.postpone_cut_over_flag_file;
  mc.drop_leftover_tables = !plan.leftover_tables.empty();
  mc.ok_to_drop_table = config.ok_to_drop_table;
  mc.cleanup_on_failure = config.cleanup_on_failure;
  mc.checksum = !config.skip_checksum;
  mc.checksum_during_copy = !config.no_checksum_during_copy;
  mc.keep_old_table_in_sync = std::chrono::seconds(config.keep_old_table_in_sync_seconds);
  mc.resume = !config.no_resume;
  mc.analyze_ghost = !config.no_analyze_ghost;
  mc.defer_secondary_indexes = config.defer_secondary_indexes;
  mc.attempt_instant = !config.no_attempt_instant;
  mc.plan_check.queries = config.check_queries;
  mc.plan_check.source = config.check_queries_file;
  mc.plan_check.top_digests = config.check_top_digests;
  mc.plan_check.on_regression = config.on_plan_regression == "fail"   ? engine::OnPlanRegression::kFail
                                : config.on_plan_regression == "warn" ? engine::OnPlanRegression::kWarn
                                                                      : engine::OnPlanRegression::kPostpone;
  if (config.kill_blockers_after_seconds)
    mc.kill_blockers_after = std::chrono::seconds(*config.kill_blockers_after_seconds);
  mc.version = GHOSTCUT_VERSION;
  mc.copier.target_chunk_time = std::chrono::milliseconds(config.target_chunk_time_ms);
  mc.copier.conflict_retry.limit = std::chrono::seconds(config.lock_conflict_retry_seconds);
  mc.applier.conflict_retry.limit = std::chrono::seconds(config.lock_conflict_retry_seconds);
  mc.cut_over.lock_timeout = std::chrono::seconds(config.cut_over_lock_timeout_seconds);
  mc.cut_over.retries = config.cut_over_retries;
  // Crash drills only (tests/integration/cut_over_drill_test.cpp): "<step>:kill" ends the process
  // with SIGKILL after that cut-over step, "<step>:stop" stops it with SIGSTOP.
  // Resume drills only (tests/integration/resume_drill_test.cpp): "<rows>[:<file>]" holds the copy
  // before its next chunk once that many rows are copied (while <file> exists, if given), so a
  // drill kills it at a known point however fast the machine is.
  if (const char* hold = std::getenv("GHOSTCUT_TEST_HOLD_COPY"); hold && *hold) {
    const std::string h = hold;
    const auto colon = h.find(':');
    const std::uint64_t rows = std::strtoull(h.substr(0, colon).c_str(), nullptr, 10);
    const std::string file = colon == std::string::npos ? std::string() : h.substr(colon + 1);
    spdlog::warn("test seam: the copy holds at {} rows{}", rows, file.empty() ? "" : " while " + file + " exists");
    mc.copier.wait_if_throttled = [&progress, rows, file](std::stop_token st) {
      struct stat sb {};
      while (progress.rows_copied.load() >= rows && !st.stop_requested() &&
             (file.empty() || ::stat(file.c_str(), &sb) == 0))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    };
  }
  if (const char* fault = std::getenv("GHOSTCUT_TEST_CUT_OVER_FAULT"); fault && *fault) {
    const std::string f = fault;
    const auto colon = f.find(':');
    const auto at = engine::parse_cut_over_step(f.substr(0, colon));
    const std::string action = colon == std::string::npos ? "kill" : f.substr(colon + 1);
    if (!at || (action != "kill" && action != "stop")) {
      std::cerr << "ghostcut: bad GHOSTCUT_TEST_CUT_OVER_FAULT '" << f << "'\n";
      return kExitUsage;
    }
    spdlog::warn("test fault injection: {} after cut-over step '{}'", action, engine::to_string(*at));
    mc.cut_over.at_step = [at, sig = action == "kill" ? SIGKILL : SIGSTOP](engine::CutOverStep s,
                                                                           const engine::CutOverSessions&) {
      if (s == *at) ::raise(sig);
    };
  }

  try {
    // The default socket and token live in a directory only this user can enter (no squatting).
    const bool default_dir = (!config.no_serve_socket && config.serve_socket_file.empty()) ||
                             (config.serve_tcp_port && config.serve_tcp_token_file.empty());
    if (default_dir) engine::ensure_private_dir(engine::default_socket_dir(), true);
    if (!config.no_serve_socket)
      mc.control.socket_path = config.serve_socket_file.empty() ? engine::default_socket_path(plan.database, plan.table)
                                                                : config.serve_socket_file;
    mc.control.tcp_port = config.serve_tcp_port;
    mc.control.tcp_bind = config.serve_tcp_bind;
    if (config.serve_tcp_port) {
      std::string file = config.serve_tcp_token_file;
      if (file.empty()) {
        file = engine::default_socket_path(plan.database, plan.table);
        file.replace(file.size() - 5, 5, ".token");
      }
      bool created = false;
      mc.control.tcp_token = engine::load_or_create_token_file(file, created);
      spdlog::info(
          "control: TCP clients change the migration only with the token {} {} (ghostcut ctl --tcp HOST:PORT "
          "--token-file FILE)",
          created ? "written to the new file" : "in", file);
    }
  } catch (const std::exception& e) {
    spdlog::error("migration of {}.{} refused: {}; nothing was changed", plan.database, plan.table, e.what());
    return kExitRefused;
  }

  mc.throttle.flag_file = config.throttle_flag_file;
  mc.throttle.additional_flag_file = config.throttle_additional_flag_file;
  mc.throttle.critical_load_interval = std::chrono::milliseconds(config.critical_load_interval_millis);
  mc.throttle.critical_load_hibernate = std::chrono::seconds(config.critical_load_hibernate_seconds);

  mc.cut_over_when_quiet = config.cut_over_when_quiet;
  mc.quiet_window = std::chrono::seconds(config.quiet_window_seconds);
  mc.cut_over_deadline = deadline;
  mc.cut_over_at_deadline = config.cut_over_at_deadline;

  mc.hooks_path = config.hooks_path;
  mc.hooks_timeout = std::chrono::seconds(config.hooks_timeout_seconds);
  mc.hooks_status_interval = std::chrono::seconds(config.hooks_status_interval_seconds);
  mc.hooks_hint = config.hooks_hint;
  mc.hooks_hint_owner = config.hooks_hint_owner;
  mc.hooks_hint_token = config.hooks_hint_token;

  mc.metrics_port = config.metrics_port;
  mc.metrics_bind = config.metrics_bind;

  std::stop_source stop;
  SignalStop signals(stop);
  PanicFlagFile panic_file(config.panic_flag_file, runtime);
  std::unique_ptr<engine::Migrator> migrator;
  if (display && display->is_tty()) {
    mc.on_status = [&migrator, display](const engine::ProgressSnapshot& snap) {
      if (!migrator) return;
      auto in = status_input_from(snap, migrator->phase());
      in.throttled = !snap.throttle_reason.empty();
      in.throttle_reason = snap.throttle_reason;
      display->update(format_status_line(in));
    };
  }
  migrator = std::make_unique<engine::Migrator>(mc, plan, runtime, progress, spdlog::default_logger());
  engine::set_log_phase_source([m = migrator.get()] { return std::string(engine::phase_name(m->phase())); });
  struct ClearPhase {
    ~ClearPhase() { engine::set_log_phase_source({}); }
  } clear_phase;
  try {
    if (reverse) {
      auto r = migrator->resume_reverse_sync(stop.get_token(), *reverse, revert_at_once);
      if (display) display->finish();
      if (r.revert && r.revert->reverted) {
        spdlog::info(
            "reverted: {}.{} is the old table again (every write since the cut-over in it); the new one is "
            "kept as {}.{}{}; revert in {} attempt(s) with a {} ms write stall",
            plan.database, plan.table, plan.database, engine::revert_table_name(plan.table),
            config.ok_to_drop_table ? " (dropped: --ok-to-drop-table)" : "", r.revert->cut_over.attempts,
            r.revert->cut_over.write_stall.count());
        return kExitOk;
      }
      if (r.revert && !r.revert->stopped.empty()) spdlog::warn("{}", r.revert->stopped);
      // `ghostcut revert` that did not revert failed; a resumed sync whose window ended did its job.
      return revert_at_once || (r.revert && !r.revert->stopped.empty() && !r.revert->resumable) ? kExitFailure
                                                                                                : kExitOk;
    }
    auto r = migrator->run(stop.get_token());
    if (display) display->finish();
    if (r.instant && r.instant->done) {
      spdlog::info(
          "migration of {}.{} done natively (ALGORITHM=INSTANT, metadata only, nothing copied) in {} "
          "attempt(s); its metadata-lock wait and change took {} ms; {:.1f} s in all",
          plan.database, plan.table, r.instant->attempts, r.instant->stall.count(), r.elapsed.count() / 1000.0);
      return kExitOk;
    }
    const engine::LogEvent done(
        "done",
        fmt::format(
            R"({{"rows_copied":{},"events_applied":{},"cut_over_attempts":{},"write_stall_ms":{},"elapsed_ms":{}}})",
            r.rows_copied, r.events_applied, r.cut_over.attempts, r.cut_over.write_stall.count(), r.elapsed.count()));
    spdlog::info(
        "migration of {}.{} done: {} rows copied, {} binlog row events applied, cut-over in {} attempt(s) "
        "with a {} ms write stall, peak applier lag {} ms, {:.1f} s in all",
        plan.database, plan.table, r.rows_copied, r.events_applied, r.cut_over.attempts, r.cut_over.write_stall.count(),
        r.peak_lag.count(), r.elapsed.count() / 1000.0);
    if (r.resumed)
      spdlog::info("resumed an interrupted run: {} rows it had copied were not copied again", r.rows_skipped);
    if (r.revert && r.revert->reverted) {
      spdlog::info("reverted: {}.{} is the old table again; the new one is kept as {}.{}{}", plan.database, plan.table,
                   plan.database, engine::revert_table_name(plan.table),
                   config.ok_to_drop_table ? " (dropped: --ok-to-drop-table)" : "");
      return kExitOk;
    }
    if (r.revert && !r.revert->stopped.empty()) spdlog::warn("{}", r.revert->stopped);
    if (!config.ok_to_drop_table) spdlog::info("the old table is kept as {}.{}", plan.database, plan.old_table);
    if (!r.success_hook_failure.empty()) {
      // gh-ost exits non-zero here too; the table is migrated, whatever the hook was to do is not.
      spdlog::error("{}.{} is migrated, but {}: check what the hook was to do by hand", plan.database, plan.table,
                    r.success_hook_failure);
      return kExitCheckByHand;
    }
    return kExitOk;
  } catch (const engine::TableBusy& e) {
    if (display) display->finish();
    spdlog::error("migration of {}.{} refused: {}", plan.database, plan.table, e.what());
    return kExitRefused;
  } catch (const engine::ResumeRefused& e) {
    if (display) display->finish();
    spdlog::error("migration of {}.{} refused: {}; nothing was changed", plan.database, plan.table, e.what());
    return kExitRefused;
  } catch (const engine::CutOverStateError& e) {
    if (display) display->finish();
    const engine::LogEvent event("check-by-hand");
    spdlog::critical("migration of {}.{}: the cut-over failed in an unexpected way: {}", plan.database, plan.table,
                     e.what());
    if (!e.swapped()) spdlog::error("{} and {} are left for inspection", plan.ghost_table, plan.changelog_table);
    return kExitCheckByHand;
  } catch (const std::exception& e) {
    if (display) display->finish();
    if (reverse) {
      spdlog::error("reverse sync of {}.{} failed: {}", plan.database, plan.table, e.what());
      return kExitFailure;
    }
    const bool interrupted = stop.stop_requested();
    const engine::LogEvent event(interrupted ? "interrupted" : "failed");
    spdlog::error("migration of {}.{} {}: {}", plan.database, plan.table, interrupted ? "interrupted" : "failed",
                  e.what());
    spdlog::error("the original table {}.{} is untouched{}", plan.database, plan.table,
                  config.cleanup_on_failure ? "; ghost and changelog tables were dropped"
                                            : "; " + plan.ghost_table + " and " + plan.changelog_table +
                                                  " are left for inspection (--cleanup-on-failure drops them)");
    return interrupted ? kExitInterrupted : kExitFailure;
  }
}

}  // namespace ghostcut::cli
