#include "engine/migrator.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <thread>

#include "binlog/net/replication_stream.h"
#include "engine/apply/applier_loop.h"
#include "engine/sql/binlog_settings.h"
#include "engine/hooks/hook_runner.h"
#include "engine/metrics/metrics_server.h"
#include "engine/metrics/prometheus_format.h"
#include "engine/sql/query_builder.h"
#include "engine/schedule/change_rate_meter.h"
#include "engine/schedule/cut_over_scheduler.h"
#include "engine/schedule/cut_over_window.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

using Clock = std::chrono::steady_clock;

bool file_exists(const std::string& path) {
  struct stat st{};
  return !path.empty() && ::stat(path.c_str(), &st) == 0;
}

// The one io thread (DESIGN §4): the binlog stream, the control server and the metrics server.
struct IoThread {
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread;
  std::promise<void> done;
  void start() {
    thread = std::thread([this] {
      ioc.run();
      done.set_value();
    });
  }
  // Lets the loop end once its users have stopped; forces it after a grace period.
  void finish() {
    if (!thread.joinable()) return;
    work.reset();
    if (done.get_future().wait_for(std::chrono::seconds(5)) != std::future_status::ready) ioc.stop();
    thread.join();
  }
  ~IoThread() { finish(); }
};

void sleep_for(std::stop_token stop, std::chrono::milliseconds d) {
  std::mutex m;
  std::unique_lock lk(m);
  std::condition_variable_any().wait_for(lk, stop, d, [] { return false; });
}

// Hooks run in order on their own thread, so a slow hook never stalls the migration; the ones
// whose outcome matters (on-before-cut-over, on-success, on-failure) run after the queue drains.
class HookQueue {
 public:
  HookQueue(const std::string& dir, std::chrono::milliseconds timeout, std::shared_ptr<spdlog::logger> log)
      : runner_(dir, timeout, std::move(log)), enabled_(!dir.empty()) {
    if (enabled_) thread_ = std::jthread([this](std::stop_token st) { loop(st); });
  }
  ~HookQueue() {
    if (!enabled_) return;
    drain();
    thread_.request_stop();
    cv_.notify_all();
  }
  // Periodic hooks (on-status, on-throttled) are dropped while one of the same name still waits,
  // so a slow hook cannot grow the queue without bound.
  void post(std::string name, HookContext ctx, bool coalesce = false) {
    if (!enabled_) return;
    std::lock_guard lk(mu_);
    if (coalesce)
      for (const auto& q : queue_)
        if (q.first == name) return;
    queue_.emplace_back(std::move(name), std::move(ctx));
    ++posted_;
    cv_.notify_all();
  }
  HookResult run_now(std::string_view name, const HookContext& ctx) {
    if (!enabled_) return {};
    drain();
    return runner_.run(name, ctx);
  }
  // Waits for the hooks posted before this call only (later ones may keep coming).
  void drain() {
    std::unique_lock lk(mu_);
    const auto target = posted_;
    cv_.wait(lk, [&] { return done_ >= target; });
  }

 private:
  void loop(std::stop_token st) {
    std::unique_lock lk(mu_);
    while (!st.stop_requested()) {
      cv_.wait(lk, st, [&] { return !queue_.empty(); });
      if (queue_.empty()) continue;
      auto [name, ctx] = std::move(queue_.front());
      queue_.pop_front();
      lk.unlock();
      runner_.run(name, ctx);  // failures are logged by the runner; only on-before-cut-over gates
      lk.lock();
      ++done_;
      cv_.notify_all();
    }
  }
  HookRunner runner_;
  bool enabled_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<std::pair<std::string, HookContext>> queue_;
  std::uint64_t posted_ = 0, done_ = 0;  // guarded by mu_
  std::jthread thread_;
};

}  // namespace

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::kStarting: return "starting";
    case Phase::kCopying: return "copying";
    case Phase::kVerifying: return "verifying";
    case Phase::kWaitingForCutOver: return "waiting for cut-over";
    case Phase::kPostponed: return "postponed";
    case Phase::kCuttingOver: return "cutting over";
    case Phase::kDone: return "done";
    case Phase::kFailed: return "failed";
  }
  return "unknown";
}

// What the live views may look at; set and cleared by run() under live_mu_.
struct Migrator::Live {
  const ApplierLoop* applier = nullptr;
  const binlog::ReplicationStream* stream = nullptr;
  const Throttler* throttler = nullptr;
  std::optional<std::chrono::system_clock::time_point> next_window;
  int cut_over_attempts = 0;
  std::vector<double> stalls;  // seconds, per attempt
};

Migrator::Migrator(MigratorConfig config, const MigrationPlan& plan, RuntimeSettings& runtime,
                   ProgressCounters& progress, std::shared_ptr<spdlog::logger> logger)
    : config_(std::move(config)),
      plan_(plan),
      runtime_(runtime),
      progress_(progress),
      log_(logger ? std::move(logger) : spdlog::default_logger()),
      live_(std::make_shared<Live>()) {
  if (!config_.clock) config_.clock = system_wall_clock();
}

ThrottleStatus Migrator::throttle_status() const {
  std::lock_guard lk(live_mu_);
  return live_->throttler ? live_->throttler->status() : ThrottleStatus{};
}

ProgressSnapshot Migrator::status_snapshot() const {
  const auto now = Clock::now();
  const auto phase = phase_.load();
  auto snap = progress_.snapshot(now, state());
  std::lock_guard lk(live_mu_);
  if (live_->throttler && phase != Phase::kDone && phase != Phase::kFailed && phase != Phase::kCuttingOver) {
    if (auto t = live_->throttler->status(); t.throttled) {
      snap.throttle_reason = t.to_string();
      if (phase == Phase::kCopying) snap.state = "throttled";
    }
  }
  if (live_->applier) {
    snap.binlog_position = live_->applier->applied_position().to_string();
    if (auto lag = live_->applier->heartbeat_lag()) snap.applier_lag_ms = static_cast<std::uint64_t>(lag->count());
  }
  snap.total_elapsed = std::max(std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(now - started_));
  return snap;
}

std::string Migrator::coordinates() const {
  std::lock_guard lk(live_mu_);
  if (!live_->stream || !live_->applier) return "binlog stream not started yet";
  return "read: " + live_->stream->read_position().to_string() +
         "; applied: " + live_->applier->applied_position().to_string();
}

std::string Migrator::status_text() const {
  const auto s = runtime_.snapshot();
  std::string out = "# Migrating `" + plan_.database + "`.`" + plan_.table + "`; ghost table `" + plan_.ghost_table +
                    "`\n# ALTER: " + plan_.alter + "\n";
  out += "# chunk-size: " + (s.chunk_size ? std::to_string(s.chunk_size) : std::string("adaptive")) +
         "; threads: " + std::to_string(s.threads) + "; dml-batch-size: " + std::to_string(s.dml_batch_size) +
         "; nice-ratio: " + fmt::format("{}", s.nice_ratio) + "; max-lag-millis: " + std::to_string(s.max_lag_millis) +
         "\n# max-load: " + to_string(s.max_load) + "; critical-load: " + to_string(s.critical_load) +
         "; throttle-query: " + s.throttle_query + "\n";
  std::vector<std::pair<std::string, std::optional<std::chrono::milliseconds>>> lags;
  {
    std::lock_guard lk(live_mu_);
    if (live_->throttler) lags = live_->throttler->replica_lags();
  }
  out += "# throttle-control-replicas:";
  if (s.throttle_control_replicas.empty()) out += " none";
  for (const auto& r : s.throttle_control_replicas) {
    const auto addr = r.to_string();
    std::string lag = "lag not measured yet";
    for (const auto& [a, l] : lags)
      if (a == addr) lag = l ? "lag " + format_lag_seconds(*l) : "lag unknown (unreachable)";
    out += " " + addr + " (" + lag + ")";
  }
  out += "\n# cut-over windows: ";
  const auto windows = runtime_.cut_over_windows();
  if (windows.empty()) out += "any time";
  for (std::size_t i = 0; i < windows.size(); ++i) out += (i ? "; " : "") + windows[i];
  if (s.postpone_cut_over) out += "; postponed by the operator";
  if (!config_.postpone_flag_file.empty()) out += "; postpone flag file: " + config_.postpone_flag_file;
  out += "\n" + status_snapshot().status_line();
  return out;
}

std::string Migrator::status_json() const {
  const auto snap = status_snapshot();
  std::string j = snap.to_json();
  j.pop_back();  // the closing brace: the migration's own fields follow
  const auto s = runtime_.snapshot();
  j += ",\"database\":\"" + json_escape(plan_.database) + "\",\"table\":\"" + json_escape(plan_.table) +
       "\",\"phase\":\"" + std::string(phase_name(phase_.load())) + "\",\"chunk_size\":" +
       std::to_string(s.chunk_size) + ",\"threads\":" + std::to_string(s.threads) +
       ",\"dml_batch_size\":" + std::to_string(s.dml_batch_size) + ",\"nice_ratio\":" + fmt::format("{}", s.nice_ratio) +
       ",\"max_lag_millis\":" + std::to_string(s.max_lag_millis) + ",\"postponed\":" +
       (s.postpone_cut_over ? "true" : "false") + ",\"cut_over_requested\":" + (s.cut_over_requested ? "true" : "false");
  std::lock_guard lk(live_mu_);
  j += ",\"next_window_epoch\":" +
       (live_->next_window ? std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                live_->next_window->time_since_epoch()).count())
                           : std::string("null"));
  j += ",\"cut_over_attempts\":" + std::to_string(live_->cut_over_attempts) + ",\"replicas\":[";
  if (live_->throttler) {
    bool first = true;
    for (const auto& [addr, lag] : live_->throttler->replica_lags()) {
      j += std::string(first ? "" : ",") + "{\"address\":\"" + json_escape(addr) + "\",\"lag_ms\":" +
           (lag ? std::to_string(lag->count()) : std::string("null")) + "}";
      first = false;
    }
  }
  return j + "]}";
}

MetricsSnapshot Migrator::metrics_snapshot() const {
  MetricsSnapshot m = metrics_from_progress(status_snapshot());
  m.database = plan_.database;
  m.table = plan_.table;
  // A label value: the short phase name, never the free-text state.
  std::string state(phase_name(phase_.load()));
  std::replace(state.begin(), state.end(), ' ', '-');
  m.state = state;
  m.applier_lag_seconds.reset();  // unknown until a heartbeat came back
  std::lock_guard lk(live_mu_);
  if (live_->applier)
    if (auto lag = live_->applier->heartbeat_lag()) m.applier_lag_seconds = lag->count() / 1000.0;
  if (live_->throttler) {
    const auto t = live_->throttler->status();
    m.throttled = t.throttled;
    m.throttle_reason = t.reason;
    for (const auto& [addr, lag] : live_->throttler->replica_lags())
      m.replica_lag_seconds.emplace_back(addr, lag ? std::optional<double>(lag->count() / 1000.0) : std::nullopt);
  }
  m.cut_over_attempts = static_cast<std::uint64_t>(live_->cut_over_attempts);
  m.cut_over_stall_seconds = live_->stalls;
  return m;
}

CommandReply Migrator::handle_control_line(std::string_view line) {
  CommandCallbacks cb;
  cb.status_text = [this] { return status_text(); };
  cb.status_json = [this] { return status_json(); };
  cb.sup = [this] { return status_snapshot().status_line(); };
  cb.coordinates = [this] { return coordinates(); };
  return handle_command_line(line, runtime_, plan_.table, cb);
}

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
  started_ = Clock::now();
  MigrationResult result;
  auto qb_result = QueryBuilder::create(plan_.database, plan_.table, plan_.chunk_key, plan_.mapping, plan_.original);
  if (!qb_result) throw std::runtime_error("cannot build queries: " + qb_result.error().message());
  const QueryBuilder& qb = *qb_result;

  ConnectionSettings cs = config_.connection;
  cs.database = plan_.database;

  HookQueue hooks(config_.hooks_path, config_.hooks_timeout, log_);
  auto hook_context = [&](std::string failure = {}) {
    HookContext h;
    h.database = plan_.database;
    h.table = plan_.table;
    h.ghost_table = plan_.ghost_table;
    h.old_table = plan_.old_table;
    h.alter = plan_.alter;
    const auto snap = status_snapshot();
    h.state = snap.state;
    h.binlog_position = snap.binlog_position;
    h.throttle_reason = snap.throttle_reason;
    h.failure_message = std::move(failure);
    h.rows_copied = snap.rows_copied;
    h.rows_estimated = snap.rows_estimated;
    h.elapsed = snap.total_elapsed;
    h.migrated_host = cs.host + ":" + std::to_string(cs.port);
    h.status = snap.status_line();
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) h.executing_host = host;
    return h;
  };

  // The io thread and its servers come first: the control socket answers from the start.
  IoThread io;
  std::unique_ptr<ControlServer> control;
  std::unique_ptr<MetricsServer> metrics;
  if (!config_.control.socket_path.empty() || config_.control.tcp_port) {
    control = std::make_unique<ControlServer>(io.ioc.get_executor(), config_.control,
                                              [this](std::string_view line) { return handle_control_line(line); }, log_);
    control->start();
    control_tcp_port_ = control->tcp_port();  // the server logs where it listens
  }
  if (config_.metrics_port) {
    metrics = std::make_unique<MetricsServer>(io.ioc.get_executor(), config_.metrics_bind, *config_.metrics_port,
                                              [this] { return format_prometheus(metrics_snapshot()); }, log_);
    metrics->start();
    metrics_port_ = metrics->port();
  }
  io.start();
  std::unique_ptr<binlog::ReplicationStream> stream;
  // Runs first on the way out: stop every user of the io thread, then let it finish.
  struct IoShutdown {
    IoThread& io;
    std::unique_ptr<binlog::ReplicationStream>& stream;
    std::unique_ptr<ControlServer>& control;
    std::unique_ptr<MetricsServer>& metrics;
    ~IoShutdown() {
      if (stream) stream->stop();
      if (control) control->stop();
      if (metrics) metrics->stop();
      io.finish();
    }
  } io_shutdown{io, stream, control, metrics};

  hooks.post("on-startup", hook_context());
  hooks.post("on-validated", hook_context());

  auto main = SqlConnection::open(cs);
  bool created = false;
  bool swapped = false;
  std::stop_source abort;  // stops every worker when one part fails
  std::stop_callback forward(stop, [&] { abort.request_stop(); });

  // Clean-up gets a fresh connection: `main` sat idle through the copy and may have timed out.
  auto cleanup_tables = [&](bool drop_ghost) {
    try {
      auto c = SqlConnection::open(cs);
      c->execute(qb.drop_table_query(plan_.changelog_table));
      if (drop_ghost) c->execute(qb.drop_table_query(plan_.ghost_table));
      if (drop_ghost) log_->info("dropped {} and {}", plan_.changelog_table, plan_.ghost_table);
    } catch (const std::exception& e) {
      log_->error("cleanup failed, drop {} and {} by hand: {}", plan_.changelog_table,
                  drop_ghost ? plan_.ghost_table : std::string("(kept)"), e.what());
    }
  };
  // Components leave the live views before they are destroyed.
  struct LiveReset {
    Migrator& m;
    ~LiveReset() {
      std::lock_guard lk(m.live_mu_);
      m.live_->applier = nullptr;
      m.live_->stream = nullptr;
      m.live_->throttler = nullptr;
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

    // Throttling: replicas read the changelog heartbeats, so it starts once the table exists.
    ThrottlerConfig tc = config_.throttle;
    tc.primary = cs;
    tc.replica_credentials = cs;
    tc.database = plan_.database;
    tc.changelog_table = plan_.changelog_table;
    Throttler throttler(tc, runtime_, log_);
    throttler.start();

    // 1. The stream starts at the current position before the first row is copied.
    const binlog::BinlogPosition start = current_binlog_position(*main, plan_.server.version);
    binlog::StreamSettings ss;
    ss.connection = to_binlog_settings(cs, config_.server_id);
    ss.start = start;
    ss.heartbeat_period = std::chrono::milliseconds(1000);
    ss.dead_after = std::chrono::milliseconds(5000);
    // Shared with the stream's lookup, which runs on the io thread until the very end of run().
    auto columns = std::make_shared<const binlog::TableColumns>(
        binlog::TableColumns{plan_.original.column_names(), plan_.original.signs()});
    const std::string db = plan_.database, table = plan_.table, changelog = plan_.changelog_table;
    const std::size_t ncols = plan_.original.columns.size();
    stream = std::make_unique<binlog::ReplicationStream>(
        io.ioc.get_executor(), ss,
        [db, table, changelog](std::string_view s, std::string_view t) { return s == db && (t == table || t == changelog); },
        [columns, table, ncols](const binlog::TableMap& m) -> const binlog::TableColumns* {
          return m.table == table && m.column_count() == ncols ? columns.get() : nullptr;
        },
        log_);
    stream->start();
    log_->info("binlog stream from {}", start.to_string());

    ChangeRateMeter meter(config_.quiet_window);
    ApplierLoop applier(*stream, cs, plan_, runtime_, progress_, log_);
    applier.set_change_listener([&meter](std::uint64_t rows) { meter.add(Clock::now(), rows); });
    // Binlog first: while the applier retries a batch that lost a lock conflict, the copier
    // starts no new chunk (lock_conflict.h).
    ApplierPriority priority;
    {
      ApplierConfig ac = config_.applier;
      auto outer = ac.on_conflict;
      ac.on_conflict = [this, &priority, outer](bool retrying) {
        priority.set_applier_retrying(retrying);
        if (retrying)
          log_->warn("applier: a batch lost a lock conflict on {} (deadlock or lock wait timeout); retrying it, "
                     "the copy waits ({} conflicts so far)", plan_.ghost_table, progress_.lock_conflicts.load());
        if (outer) outer(retrying);
      };
      applier.set_applier_config(std::move(ac));
    }
    applier.start();
    LiveReset live_reset{*this};
    {
      std::lock_guard lk(live_mu_);
      live_->applier = &applier;
      live_->stream = stream.get();
      live_->throttler = &throttler;
    }

    // Heartbeats into the changelog table: their trip through the binlog measures applier lag,
    // and replicas' copies of the row measure replication lag.
    // A failing heartbeat reconnects and retries; the watchdog aborts after a long silence
    // (without heartbeats replica lag and applier lag cannot be told).
    std::atomic<std::int64_t> heartbeat_ok{Clock::now().time_since_epoch().count()};
    std::mutex heartbeat_error_mu;
    std::string heartbeat_error;
    std::jthread heartbeat([&](std::stop_token hs) {
      SqlThreadGuard guard;
      std::unique_ptr<SqlConnection> c;
      bool failing = false;
      while (!hs.stop_requested()) {
        try {
          if (!c) c = SqlConnection::open(cs);
          auto q = qb.heartbeat_query(std::to_string(wall_clock_micros()));
          c->update(q.sql, q.params);
          heartbeat_ok = Clock::now().time_since_epoch().count();
          if (failing) log_->info("heartbeat: writing again");
          failing = false;
        } catch (const std::exception& e) {
          if (!failing) log_->warn("heartbeat: {}; retrying", e.what());
          failing = true;
          c.reset();
          std::lock_guard lk(heartbeat_error_mu);
          heartbeat_error = e.what();
        }
        sleep_for(hs, failing ? std::max(config_.heartbeat_interval, std::chrono::milliseconds(1000))
                              : config_.heartbeat_interval);
      }
    });
    const auto heartbeat_silence_limit = std::max<Clock::duration>(std::chrono::seconds(30), config_.heartbeat_interval * 20);
    auto heartbeat_silent = [&]() -> std::optional<std::string> {
      const auto since = Clock::now() - Clock::time_point(Clock::duration(heartbeat_ok.load()));
      if (since <= heartbeat_silence_limit) return std::nullopt;
      std::lock_guard lk(heartbeat_error_mu);
      return "no heartbeat written for " +
             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since).count()) + " s: " + heartbeat_error;
    };

    // While throttled the applier pauses too (the stream's bounded queue then holds the reader
    // back; the server keeps the binlog). The cut-over takes the applier over under this mutex.
    std::mutex applier_ctl;
    bool cutting_over = false, paused_by_throttle = false;
    auto take_applier_for_cut_over = [&](bool on) {
      std::lock_guard lk(applier_ctl);
      cutting_over = on;
      if (on && paused_by_throttle) {
        applier.resume();
        paused_by_throttle = false;
      }
    };

    // A watchdog: any component failure or a panic stops everything; it also applies the
    // throttle to the applier and fires on-throttled when a throttle begins.
    std::jthread watchdog([&](std::stop_token ws) {
      bool was_throttled = false;
      try {
      while (!ws.stop_requested() && !abort.stop_requested()) {
        if (applier.failure() || stream->failure() || throttler.failure() || runtime_.panic() || heartbeat_silent())
          abort.request_stop();
        const bool throttled = throttler.is_throttled();
        {
          std::lock_guard lk(applier_ctl);
          if (throttled && !cutting_over && !paused_by_throttle) {
            applier.pause();
            paused_by_throttle = true;
          } else if (!throttled && paused_by_throttle) {
            applier.resume();
            paused_by_throttle = false;
          }
        }
        if (throttled && !was_throttled) hooks.post("on-throttled", hook_context(), true);
        was_throttled = throttled;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      } catch (const std::exception& e) {
        log_->error("watchdog: {}; stopping the migration", e.what());
        abort.request_stop();
      }
      std::lock_guard lk(applier_ctl);
      if (paused_by_throttle) applier.resume();
      paused_by_throttle = false;
    });

    std::jthread reporter([&](std::stop_token rs) {
      auto next_log = Clock::now() + config_.progress_interval;
      auto next_hook = Clock::now() + config_.hooks_status_interval;
      while (!rs.stop_requested()) try {
        sleep_for(rs, std::chrono::milliseconds(config_.on_status ? 1000 : 250));
        if (rs.stop_requested()) break;
        const auto now = Clock::now();
        if (auto lag = applier.heartbeat_lag()) result.peak_lag = std::max(result.peak_lag, *lag);
        const auto snap = status_snapshot();
        if (config_.on_status) config_.on_status(snap);
        if (now >= next_log) {
          log_->info("{}", snap.status_line());
          next_log = now + config_.progress_interval;
        }
        if (now >= next_hook) {
          hooks.post("on-status", hook_context(), true);
          next_hook = now + config_.hooks_status_interval;
        }
      } catch (const std::exception& e) {
        log_->warn("status report: {}", e.what());  // reporting only: the migration goes on
      }
    });

    auto check_failures = [&] {
      if (auto f = applier.failure()) std::rethrow_exception(f);
      if (auto f = stream->failure()) std::rethrow_exception(f);
      if (auto f = throttler.failure()) std::rethrow_exception(f);
      if (runtime_.panic()) throw std::runtime_error("panic: the operator aborted the migration");
      if (auto why = heartbeat_silent()) throw std::runtime_error("heartbeat: " + *why);
      if (stop.stop_requested()) throw std::runtime_error("interrupted");
    };

    // 2. Copy.
    set_state(Phase::kCopying);
    auto est = main->query(
        "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
        {plan_.database, plan_.table});
    progress_.rows_estimated = est.empty() || !est.rows[0][0] ? plan_.estimated_rows : to_uint64(est.rows[0][0]);
    {
      CopierConfig cc = config_.copier;
      auto outer = cc.wait_if_throttled;
      cc.wait_if_throttled = [&throttler, &priority, outer, limit = config_.applier.conflict_retry.limit](std::stop_token st) {
        priority.wait_for_applier(st, limit);
        if (outer) outer(st);
        throttler.wait_while_throttled(st);
      };
      Copier copier(cs, plan_, runtime_, progress_, cc, log_);
      try {
        copier.run(abort.get_token());
      } catch (...) {
        check_failures();  // the root cause, when another part failed first
        throw;
      }
    }
    check_failures();
    log_->info("row copy complete: {} rows", progress_.rows_copied.load());
    hooks.post("on-row-copy-complete", hook_context());

    if (config_.after_copy) config_.after_copy();
    // 2b. Checksum both tables as of one instant, once the applier is close behind (the drain
    //     under its short lock must fit in the lock timeout); retried like a cut-over attempt.
    if (config_.checksum) {
      set_state(Phase::kVerifying, "waiting for the applier");
      for (int attempt = 1;; ++attempt) {
        check_failures();
        const auto lag = applier.heartbeat_lag();
        if (!lag || *lag > config_.cut_over_lag_threshold) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          --attempt;
          continue;
        }
        set_state(Phase::kVerifying, "comparing " + plan_.table + " and " + plan_.ghost_table);
        take_applier_for_cut_over(true);
        Checksum checksum(cs, plan_, config_.cut_over.lock_timeout,
                          [&](const binlog::BinlogPosition& pos, Clock::time_point deadline) {
                            applier.resume();
                            const bool ok = applier.drain_to(pos, deadline);
                            if (ok) applier.pause();
                            return ok;
                          },
                          [&] { applier.resume(); }, log_);
        try {
          auto r = checksum.run();
          take_applier_for_cut_over(false);
          log_->info("checksum: {} rows equal in {} and {} ({} columns compared{}); writes waited {} ms, took {} ms",
                     r.rows, plan_.table, plan_.ghost_table, r.compared.size(),
                     r.skipped.empty() ? std::string() : "; not compared, type changed: " + join(r.skipped),
                     r.write_stall.count(), r.took.count());
          result.checksum = std::move(r);
          break;
        } catch (const ChecksumNotTaken& e) {
          applier.resume();
          take_applier_for_cut_over(false);
          if (attempt > config_.cut_over.retries) throw std::runtime_error(std::string("checksum: ") + e.what());
          log_->warn("checksum: {}; retrying in {} ms", e.what(), config_.cut_over.retry_backoff.count());
          std::this_thread::sleep_for(config_.cut_over.retry_backoff);
        } catch (...) {
          applier.resume();
          take_applier_for_cut_over(false);
          throw;
        }
      }
    }

    // 3. Wait until in sync and allowed, then cut over; an aborted attempt comes back here (the
    //    window may have closed meanwhile).
    CutOver cutover(cs, plan_, config_.cut_over,
                    [&](const binlog::BinlogPosition& pos, Clock::time_point deadline) {
                      applier.resume();
                      const bool ok = applier.drain_to(pos, deadline);
                      if (ok) applier.pause();  // so it never reads the RENAME
                      return ok;
                    },
                    log_);
    CutOverPolicy policy;
    policy.quiet_rows_per_second = config_.cut_over_when_quiet;
    policy.deadline = config_.cut_over_deadline;
    policy.cut_over_at_deadline = config_.cut_over_at_deadline;
    bool announced_postpone = false;
    std::string last_wait;
    auto next_try = Clock::now();
    int attempt = 0;
    for (;;) {
      check_failures();
      auto waiting = [&](Phase p, std::string why) {
        if (why != last_wait) log_->info("cut-over {}: {}", p == Phase::kPostponed ? "postponed" : "waits", why);
        last_wait = why;
        set_state(p, std::move(why));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      };
      const bool forced = runtime_.cut_over_requested();
      const bool flag = file_exists(config_.postpone_flag_file);
      if (runtime_.postpone_cut_over() || (flag && !forced)) {
        if (!announced_postpone) hooks.post("on-begin-postponed", hook_context());
        announced_postpone = true;
        waiting(Phase::kPostponed, runtime_.postpone_cut_over() ? "postponed by the operator (unpostpone or cut-over releases it)"
                                                                 : "flag file " + config_.postpone_flag_file + " exists");
        continue;
      }
      // Windows are re-read each time: window= may have replaced them.
      policy.windows.clear();
      for (const auto& spec : runtime_.cut_over_windows())
        if (auto w = parse_cut_over_window(spec)) policy.windows.push_back(*w);
      const auto decision = decide_cut_over(policy, config_.clock(), meter.rate(Clock::now()), forced);
      {
        std::lock_guard lk(live_mu_);
        live_->next_window = decision.next_open;
      }
      if (decision.verdict == CutOverVerdict::kFailDeadline) throw std::runtime_error("cut-over: " + decision.reason);
      if (decision.verdict == CutOverVerdict::kWait) {
        waiting(Phase::kWaitingForCutOver, decision.reason);
        continue;
      }
      if (auto t = throttler.status(); t.throttled) {
        waiting(Phase::kWaitingForCutOver, "throttled: " + t.to_string());
        continue;
      }
      auto lag = applier.heartbeat_lag();
      // The heartbeat's trip through the binlog covers the backlog too: a low lag means the
      // applier is close behind, so the drain under the lock is short.
      if (!lag || *lag > config_.cut_over_lag_threshold) {
        waiting(Phase::kWaitingForCutOver, lag ? "applier lag " + std::to_string(lag->count()) + " ms > " +
                                                     std::to_string(config_.cut_over_lag_threshold.count()) + " ms"
                                               : "waiting for the first heartbeat");
        continue;
      }
      if (Clock::now() < next_try) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      if (auto h = hooks.run_now("on-before-cut-over", hook_context()); !h.ok()) {
        next_try = Clock::now() + config_.hook_retry_interval;
        waiting(Phase::kPostponed, "on-before-cut-over hook failed (" +
                                       (h.timed_out ? std::string("timed out") : "exit " + std::to_string(h.exit_code)) +
                                       "); retrying in " + format_duration(std::chrono::duration_cast<std::chrono::seconds>(config_.hook_retry_interval)));
        continue;
      }
      // 4. Cut over: one attempt.
      set_state(Phase::kCuttingOver);
      last_wait.clear();
      ++attempt;
      take_applier_for_cut_over(true);
      const auto t0 = Clock::now();
      try {
        result.cut_over.write_stall = cutover.attempt(attempt);
        result.cut_over.attempts = attempt;
        std::lock_guard lk(live_mu_);
        live_->cut_over_attempts = attempt;
        live_->stalls.push_back(result.cut_over.write_stall.count() / 1000.0);
        log_->info("cut-over: done in attempt {}; writes to {} waited {} ms", attempt, plan_.table,
                   result.cut_over.write_stall.count());
        break;
      } catch (const CutOverAborted& e) {
        applier.resume();
        take_applier_for_cut_over(false);
        {
          std::lock_guard lk(live_mu_);
          live_->cut_over_attempts = attempt;
          // An aborted attempt held writers at most this long (lock wait + drain, bounded by the timeout).
          live_->stalls.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
        }
        if (attempt > config_.cut_over.retries) throw;
        check_failures();
        log_->warn("cut-over: {}; original intact; retrying in {} ms", e.what(), config_.cut_over.retry_backoff.count());
        next_try = Clock::now() + config_.cut_over.retry_backoff;
      } catch (const std::exception& e) {
        // Not an undone attempt: the cut-over's own error wins, and the tables are looked at
        // before anyone is told the original is intact.
        applier.resume();
        std::string tables;
        try {
          auto c = SqlConnection::open(cs);
          auto exists = [&](const std::string& t) {
            return !c->query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                             {plan_.database, t})
                        .empty();
          };
          if (exists(plan_.old_table) && !exists(plan_.ghost_table)) {
            swapped = true;  // the rename happened: keep t_gho's clean-up away from the new table
            tables = "the tables WERE swapped (" + plan_.table + " is the new table, the original is " +
                     plan_.old_table + "); check the new table";
          } else {
            tables = exists(plan_.ghost_table) ? "the tables were not swapped (" + plan_.ghost_table + " still exists)"
                                              : "the table state is unclear";
          }
        } catch (const std::exception& inner) {
          tables = std::string("the table state could not be checked: ") + inner.what();
        }
        throw CutOverStateError(std::string(e.what()) + "; " + tables, swapped);
      }
    }
    swapped = true;
    applier.stop();
    heartbeat.request_stop();
    watchdog.request_stop();
    reporter.request_stop();
    set_state(Phase::kDone);
  } catch (const std::exception& e) {
    set_state(Phase::kFailed, e.what());
    if (created && !swapped) cleanup_tables(config_.cleanup_on_failure);
    if (swapped) cleanup_tables(false);
    hooks.run_now("on-failure", hook_context(e.what()));
    throw;
  }

  // 5. Clean up.
  cleanup_tables(false);
  if (config_.ok_to_drop_table) {
    try {
      SqlConnection::open(cs)->execute(qb.drop_table_query(plan_.old_table));
    } catch (const std::exception& e) {
      log_->warn("dropping {}: {}", plan_.old_table, e.what());
    }
  }
  result.rows_copied = progress_.rows_copied.load();
  result.events_applied = progress_.events_applied.load();
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
  hooks.run_now("on-success", hook_context());
  return result;
}

}  // namespace ghostcut::engine
