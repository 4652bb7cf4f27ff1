#include "engine/migrator.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <thread>

#include "binlog/net/replication_stream.h"
#include "engine/applier_loop.h"
#include "engine/binlog_settings.h"
#include "engine/query_builder.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {
namespace {

using Clock = std::chrono::steady_clock;

bool file_exists(const std::string& path) {
  struct stat st{};
  return !path.empty() && ::stat(path.c_str(), &st) == 0;
}

// Runs the stream's io_context on its own thread for the migration's lifetime.
struct StreamRunner {
  boost::asio::io_context ioc;
  std::unique_ptr<binlog::ReplicationStream> stream;
  std::thread thread;
  void start() {
    stream->start();
    thread = std::thread([this] { ioc.run(); });
  }
  ~StreamRunner() {
    if (stream) stream->stop();
    if (thread.joinable()) thread.join();
  }
};

}  // namespace

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::kStarting: return "starting";
    case Phase::kCopying: return "copying";
    case Phase::kWaitingForCutOver: return "waiting for cut-over";
    case Phase::kPostponed: return "postponed";
    case Phase::kCuttingOver: return "cutting over";
    case Phase::kDone: return "done";
    case Phase::kFailed: return "failed";
  }
  return "unknown";
}

Migrator::Migrator(MigratorConfig config, const MigrationPlan& plan, RuntimeSettings& runtime,
                   ProgressCounters& progress, std::shared_ptr<spdlog::logger> logger)
    : config_(std::move(config)),
      plan_(plan),
      runtime_(runtime),
      progress_(progress),
      log_(logger ? std::move(logger) : spdlog::default_logger()) {}

void Migrator::set_state(Phase p, std::string detail) {
  phase_ = p;
  std::lock_guard lk(state_mu_);
  state_detail_ = std::move(detail);
}

std::string Migrator::state() const {
  std::lock_guard lk(state_mu_);
  std::string s(phase_name(phase_.load()));
  if (!state_detail_.empty()) s += ": " + state_detail_;
  return s;
}

MigrationResult Migrator::run(std::stop_token stop) {
  const auto started = Clock::now();
  MigrationResult result;
  auto qb_result = QueryBuilder::create(plan_.database, plan_.table, plan_.chunk_key, plan_.mapping);
  if (!qb_result) throw std::runtime_error("cannot build queries: " + qb_result.error().message());
  const QueryBuilder& qb = *qb_result;

  ConnectionSettings cs = config_.connection;
  cs.database = plan_.database;
  auto main = SqlConnection::open(cs);
  bool created = false;
  bool swapped = false;
  std::stop_source abort;  // stops every worker when one part fails
  std::stop_callback forward(stop, [&] { abort.request_stop(); });

  auto cleanup_tables = [&](bool drop_ghost) {
    try {
      main->execute(qb.drop_table_query(plan_.changelog_table));
      if (drop_ghost) main->execute(qb.drop_table_query(plan_.ghost_table));
    } catch (const std::exception& e) {
      log_->warn("cleanup: {}", e.what());
    }
  };

  try {
    if (config_.drop_leftover_tables) {
      main->execute(qb.drop_table_query(plan_.ghost_table));
      main->execute(qb.drop_table_query(plan_.changelog_table));
      main->execute(qb.drop_table_query(plan_.old_table));
    }
    log_->info("creating {} and {}", plan_.changelog_table, plan_.ghost_table);
    main->execute(qb.create_changelog_query());
    created = true;
    main->execute(qb.create_ghost_query());
    main->execute(qb.alter_ghost_query(plan_.alter));

    // 1. The stream starts at the current position before the first row is copied.
    auto st = main->query("SHOW MASTER STATUS");
    if (st.empty()) throw std::runtime_error("SHOW MASTER STATUS returned nothing: is the binary log on?");
    const binlog::BinlogPosition start{*st.rows[0][0], to_uint64(st.rows[0][1])};
    binlog::StreamSettings ss;
    ss.connection = to_binlog_settings(cs, config_.server_id);
    ss.start = start;
    ss.heartbeat_period = std::chrono::milliseconds(1000);
    ss.dead_after = std::chrono::milliseconds(5000);
    binlog::TableColumns columns{plan_.original.column_names(), plan_.original.signs()};
    StreamRunner runner;
    const std::string db = plan_.database, table = plan_.table, changelog = plan_.changelog_table;
    const std::size_t ncols = plan_.original.columns.size();
    runner.stream = std::make_unique<binlog::ReplicationStream>(
        runner.ioc.get_executor(), ss,
        [db, table, changelog](std::string_view s, std::string_view t) { return s == db && (t == table || t == changelog); },
        [&columns, table, ncols](const binlog::TableMap& m) -> const binlog::TableColumns* {
          return m.table == table && m.column_count() == ncols ? &columns : nullptr;
        },
        log_);
    runner.start();
    log_->info("binlog stream from {}", start.to_string());

    ApplierLoop applier(*runner.stream, cs, plan_, runtime_, progress_, log_);
    applier.start();

    // Heartbeats into the changelog table: their trip through the binlog measures applier lag.
    std::jthread heartbeat([&](std::stop_token hs) {
      SqlThreadGuard guard;
      try {
        auto c = SqlConnection::open(cs);
        while (!hs.stop_requested()) {
          auto q = qb.heartbeat_query(std::to_string(wall_clock_micros()));
          c->update(q.sql, q.params);
          std::mutex m;
          std::unique_lock lk(m);
          std::condition_variable_any().wait_for(lk, hs, config_.heartbeat_interval, [] { return false; });
        }
      } catch (const std::exception& e) {
        log_->warn("heartbeat: {}", e.what());
      }
    });

    // A watchdog: any component failure or a panic stops everything.
    std::jthread watchdog([&](std::stop_token ws) {
      while (!ws.stop_requested() && !abort.stop_requested()) {
        if (applier.failure() || runner.stream->failure() || runtime_.panic()) abort.request_stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });

    std::jthread reporter([&](std::stop_token rs) {
      std::mutex m;
      std::unique_lock lk(m);
      std::condition_variable_any cv;
      while (!rs.stop_requested()) {
        cv.wait_for(lk, rs, config_.progress_interval, [] { return false; });
        if (rs.stop_requested()) break;
        auto snap = progress_.snapshot(Clock::now(), state());
        log_->info("{}", snap.status_line());
        if (auto lag = applier.heartbeat_lag()) result.peak_lag = std::max(result.peak_lag, *lag);
      }
    });

    auto check_failures = [&] {
      if (auto f = applier.failure()) std::rethrow_exception(f);
      if (auto f = runner.stream->failure()) std::rethrow_exception(f);
      if (runtime_.panic()) throw std::runtime_error("panic: the operator aborted the migration");
      if (stop.stop_requested()) throw std::runtime_error("interrupted");
    };

    // 2. Copy.
    set_state(Phase::kCopying);
    auto est = main->query(
        "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
        {plan_.database, plan_.table});
    progress_.rows_estimated = est.empty() || !est.rows[0][0] ? plan_.estimated_rows : to_uint64(est.rows[0][0]);
    {
      Copier copier(cs, plan_, runtime_, progress_, config_.copier, log_);
      try {
        copier.run(abort.get_token());
      } catch (...) {
        check_failures();  // the root cause, when another part failed first
        throw;
      }
    }
    check_failures();
    log_->info("row copy complete: {} rows", progress_.rows_copied.load());

    // 3. Wait until in sync and allowed.
    for (;;) {
      check_failures();
      if (file_exists(config_.postpone_flag_file) || runtime_.postpone_cut_over()) {
        set_state(Phase::kPostponed, file_exists(config_.postpone_flag_file)
                                         ? "flag file " + config_.postpone_flag_file + " exists"
                                         : "postponed by the operator");
      } else {
        auto lag = applier.heartbeat_lag();
        // The heartbeat's trip through the binlog covers the backlog too: a low lag means the
        // applier is close behind, so the drain under the lock is short.
        if (lag && *lag <= config_.cut_over_lag_threshold) break;
        set_state(Phase::kWaitingForCutOver,
                  lag ? "applier lag " + std::to_string(lag->count()) + " ms" : "waiting for the first heartbeat");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }

    // 4. Cut over.
    set_state(Phase::kCuttingOver);
    CutOver cutover(cs, plan_, config_.cut_over,
                    [&](const binlog::BinlogPosition& pos, Clock::time_point deadline) {
                      applier.resume();
                      const bool ok = applier.drain_to(pos, deadline);
                      if (ok) applier.pause();  // so it never reads the RENAME
                      return ok;
                    },
                    log_);
    try {
      result.cut_over = cutover.run(abort.get_token());
    } catch (...) {
      applier.resume();
      check_failures();
      throw;
    }
    swapped = true;
    applier.stop();
    heartbeat.request_stop();
    watchdog.request_stop();
    reporter.request_stop();
    set_state(Phase::kDone);
  } catch (...) {
    set_state(Phase::kFailed);
    if (created && !swapped) cleanup_tables(config_.cleanup_on_failure);
    throw;
  }

  // 5. Clean up.
  cleanup_tables(false);
  if (config_.ok_to_drop_table) {
    try {
      main->execute(qb.drop_table_query(plan_.old_table));
    } catch (const std::exception& e) {
      log_->warn("dropping {}: {}", plan_.old_table, e.what());
    }
  }
  result.rows_copied = progress_.rows_copied.load();
  result.events_applied = progress_.events_applied.load();
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return result;
}

}  // namespace ghostcut::engine
