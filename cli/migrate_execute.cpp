// `ghostcut migrate --execute`: runs the Migrator for a validated plan, with Ctrl-C/SIGTERM
// stopping it cleanly (before cut-over the original table is untouched).
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "cli/app.h"
#include "cli/migrate_command.h"
#include "engine/binlog_settings.h"
#include "engine/migrator.h"

namespace ghostcut::cli {
namespace {

bool exists(const std::string& path) {
  struct stat st{};
  return !path.empty() && ::stat(path.c_str(), &st) == 0;
}

// Signals are taken by one thread (sigtimedwait), never by a handler: the migrator's threads
// all inherit the blocked mask, and the stop_source does the rest.
class SignalStop {
 public:
  explicit SignalStop(std::stop_source stop) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::jthread([this, stop](std::stop_token st) mutable {
      const timespec tick{0, 100'000'000};
      while (!st.stop_requested()) {
        const int sig = sigtimedwait(&set_, nullptr, &tick);
        if (sig == SIGINT || sig == SIGTERM) {
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

}  // namespace

int run_migration(const MigrateConfig& config, const engine::MigrationPlan& plan, engine::SqlConnection&) {
  engine::RuntimeSettings runtime;
  auto check = [](const auto& r, const char* what) {
    if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().context);
  };
  check(runtime.set_threads(static_cast<std::uint64_t>(config.threads)), "--threads");
  check(runtime.set_chunk_size(config.chunk_size), "--chunk-size");
  check(runtime.set_dml_batch_size(static_cast<std::uint64_t>(config.dml_batch_size)), "--dml-batch-size");
  check(runtime.set_nice_ratio(config.nice_ratio), "--nice-ratio");
  check(runtime.set_max_lag_millis(static_cast<std::uint64_t>(config.max_lag_millis)), "--max-lag-millis");
  engine::ProgressCounters progress;

  engine::MigratorConfig mc;
  mc.connection = config.connection;
  mc.server_id = config.server_id ? config.server_id : engine::random_server_id();
  mc.heartbeat_interval = std::chrono::milliseconds(config.heartbeat_interval_millis);
  mc.cut_over_lag_threshold = std::chrono::milliseconds(config.cut_over_lag_threshold_ms);
  mc.postpone_flag_file = config.postpone_cut_over_flag_file;
  mc.drop_leftover_tables = !plan.leftover_tables.empty();
  mc.ok_to_drop_table = config.ok_to_drop_table;
  mc.cleanup_on_failure = config.cleanup_on_failure;
  mc.copier.target_chunk_time = std::chrono::milliseconds(config.target_chunk_time_ms);
  const std::string flag_file = config.throttle_flag_file;
  mc.copier.wait_if_throttled = [&runtime, flag_file](std::stop_token st) {
    // Documented recheck period: 100 ms.
    while (!st.stop_requested() && (runtime.manual_throttle() || exists(flag_file)))
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  };
  mc.cut_over.lock_timeout = std::chrono::seconds(config.cut_over_lock_timeout_seconds);
  mc.cut_over.retries = config.cut_over_retries;

  std::stop_source stop;
  SignalStop signals(stop);
  engine::Migrator migrator(mc, plan, runtime, progress, spdlog::default_logger());
  try {
    auto r = migrator.run(stop.get_token());
    spdlog::info("migration of {}.{} done: {} rows copied, {} binlog row events applied, cut-over in {} attempt(s) "
                 "with a {} ms write stall, peak applier lag {} ms, {:.1f} s in all",
                 plan.database, plan.table, r.rows_copied, r.events_applied, r.cut_over.attempts,
                 r.cut_over.write_stall.count(), r.peak_lag.count(), r.elapsed.count() / 1000.0);
    if (!config.ok_to_drop_table) spdlog::info("the old table is kept as {}.{}", plan.database, plan.old_table);
    return kExitOk;
  } catch (const std::exception& e) {
    spdlog::error("migration of {}.{} failed: {}", plan.database, plan.table, e.what());
    spdlog::error("the original table {}.{} is untouched{}", plan.database, plan.table,
                  config.cleanup_on_failure ? "; ghost and changelog tables were dropped"
                                            : "; " + plan.ghost_table + " and " + plan.changelog_table +
                                                  " are left for inspection (--cleanup-on-failure drops them)");
    return kExitFailure;
  }
}

}  // namespace ghostcut::cli
