#include "engine/metrics/migration_status.h"

#include <fmt/format.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "binlog/net/replication_stream.h"
#include "engine/apply/applier_loop.h"
#include "engine/throttle/throttler.h"

namespace ghostcut::engine {

using Clock = std::chrono::steady_clock;

MigrationStatus::MigrationStatus(const MigrationPlan& plan, RuntimeSettings& runtime, ProgressCounters& progress,
                                 std::string postpone_flag_file)
    : plan_(plan), runtime_(runtime), progress_(progress), postpone_flag_file_(std::move(postpone_flag_file)) {}

MigrationStatus::Attachment::Attachment(MigrationStatus& status, const ApplierLoop& applier,
                                        const binlog::ReplicationStream& stream, const Throttler& throttler)
    : status_(status) {
  std::lock_guard lk(status_.mu_);
  status_.applier_ = &applier;
  status_.stream_ = &stream;
  status_.throttler_ = &throttler;
}

MigrationStatus::Attachment::~Attachment() {
  std::lock_guard lk(status_.mu_);
  status_.applier_ = nullptr;
  status_.stream_ = nullptr;
  status_.throttler_ = nullptr;
}

void MigrationStatus::set_state(Phase p, std::string detail) {
  phase_ = p;
  std::lock_guard lk(mu_);
  detail_ = std::move(detail);
}

std::string MigrationStatus::state() const {
  std::lock_guard lk(mu_);
  std::string s(phase_name(phase_.load()));
  if (!detail_.empty()) s += ": " + detail_;
  return s;
}

void MigrationStatus::set_next_window(std::optional<std::chrono::system_clock::time_point> next) {
  std::lock_guard lk(mu_);
  next_window_ = next;
}

void MigrationStatus::set_revert_until(std::optional<std::chrono::system_clock::time_point> until) {
  std::lock_guard lk(mu_);
  revert_until_ = until;
}

void MigrationStatus::record_cut_over_attempt(int attempt, std::chrono::duration<double> stall) {
  std::lock_guard lk(mu_);
  cut_over_attempts_ = attempt;
  stalls_.push_back(stall.count());
}

ThrottleStatus MigrationStatus::throttle_status() const {
  std::lock_guard lk(mu_);
  return throttler_ ? throttler_->status() : ThrottleStatus{};
}

ProgressSnapshot MigrationStatus::snapshot() const {
  const auto now = Clock::now();
  const auto phase = phase_.load();
  auto snap = progress_.snapshot(now, state());
  std::lock_guard lk(mu_);
  if (throttler_ && phase != Phase::kDone && phase != Phase::kFailed && phase != Phase::kCuttingOver) {
    if (auto t = throttler_->status(); t.throttled) {
      snap.throttle_reason = t.to_string();
      if (phase == Phase::kCopying) snap.state = "throttled";
    }
  }
  if (applier_) {
    snap.binlog_position = applier_->applied_position().to_string();
    if (auto lag = applier_->heartbeat_lag()) snap.applier_lag_ms = static_cast<std::uint64_t>(lag->count());
  }
  snap.total_elapsed =
      std::max(std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(now - started_));
  return snap;
}

std::string MigrationStatus::coordinates() const {
  std::lock_guard lk(mu_);
  if (!stream_ || !applier_) return "binlog stream not started yet";
  return "read: " + stream_->read_position().to_string() + "; applied: " + applier_->applied_position().to_string();
}

std::string MigrationStatus::text() const {
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
    std::lock_guard lk(mu_);
    if (throttler_) lags = throttler_->replica_lags();
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
  if (!postpone_flag_file_.empty()) out += "; postpone flag file: " + postpone_flag_file_;
  out += "\n" + plan_check_text() + snapshot().status_line();
  return out;
}

void MigrationStatus::set_plan_check(std::string text, std::string json) {
  std::lock_guard lk(mu_);
  plan_check_text_ = std::move(text);
  plan_check_json_ = std::move(json);
}

std::string MigrationStatus::plan_check_text() const {
  std::lock_guard lk(mu_);
  return plan_check_text_;
}

std::string MigrationStatus::json() const {
  auto j = nlohmann::ordered_json::parse(snapshot().to_json());
  const auto s = runtime_.snapshot();
  j["database"] = plan_.database;
  j["table"] = plan_.table;
  j["phase"] = std::string(phase_name(phase_.load()));
  j["chunk_size"] = s.chunk_size;
  j["threads"] = s.threads;
  j["dml_batch_size"] = s.dml_batch_size;
  j["nice_ratio"] = s.nice_ratio;
  j["max_lag_millis"] = s.max_lag_millis;
  j["postponed"] = s.postpone_cut_over;
  j["cut_over_requested"] = s.cut_over_requested;
  auto epoch = [](const auto& t) {
    return t ? nlohmann::ordered_json(std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count())
             : nlohmann::ordered_json();
  };
  std::lock_guard lk(mu_);
  j["next_window_epoch"] = epoch(next_window_);
  j["revert_until_epoch"] = epoch(revert_until_);
  j["cut_over_attempts"] = cut_over_attempts_;
  if (!plan_check_json_.empty()) j["plan_check"] = nlohmann::ordered_json::parse(plan_check_json_, nullptr, false);
  auto replicas = nlohmann::ordered_json::array();
  if (throttler_)
    for (const auto& [addr, lag] : throttler_->replica_lags()) {
      nlohmann::ordered_json r;
      r["address"] = addr;
      r["lag_ms"] = lag ? nlohmann::ordered_json(lag->count()) : nlohmann::ordered_json();
      replicas.push_back(std::move(r));
    }
  j["replicas"] = std::move(replicas);
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

MetricsSnapshot MigrationStatus::metrics() const {
  MetricsSnapshot m = metrics_from_progress(snapshot());
  m.database = plan_.database;
  m.table = plan_.table;
  // A label value: the short phase name, never the free-text state.
  std::string state(phase_name(phase_.load()));
  std::replace(state.begin(), state.end(), ' ', '-');
  m.state = state;
  m.applier_lag_seconds.reset();  // unknown until a heartbeat came back
  std::lock_guard lk(mu_);
  if (applier_)
    if (auto lag = applier_->heartbeat_lag()) m.applier_lag_seconds = lag->count() / 1000.0;
  if (throttler_) {
    const auto t = throttler_->status();
    m.throttled = t.throttled;
    m.throttle_reason = t.reason;
    for (const auto& [addr, lag] : throttler_->replica_lags())
      m.replica_lag_seconds.emplace_back(addr, lag ? std::optional<double>(lag->count() / 1000.0) : std::nullopt);
  }
  m.cut_over_attempts = static_cast<std::uint64_t>(cut_over_attempts_);
  m.cut_over_stall_seconds = stalls_;
  if (revert_until_)
    m.revert_window_seconds =
        std::max(0.0, std::chrono::duration<double>(*revert_until_ - std::chrono::system_clock::now()).count());
  return m;
}

}  // namespace ghostcut::engine
