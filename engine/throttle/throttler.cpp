#include "engine/throttle/throttler.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <stdexcept>

#include "common/thread_name.h"
#include "engine/sql/retry.h"
#include "engine/sql/sql_connection.h"
#include "engine/throttle/load_probe.h"
#include "engine/throttle/replica_lag_probe.h"

namespace ghostcut::engine {
namespace {

std::string seconds_text(std::chrono::steady_clock::duration d) {
  return fmt::format("{:.1f}s", std::chrono::duration<double>(d).count());
}

}  // namespace

Throttler::Throttler(ThrottlerConfig config, RuntimeSettings& runtime, std::shared_ptr<spdlog::logger> logger)
    : config_(std::move(config)),
      runtime_(runtime),
      log_(logger ? std::move(logger) : std::make_shared<spdlog::logger>("throttle")) {}  // no sinks: silent

Throttler::~Throttler() { stop(); }

void Throttler::check_flag_files() {
  std::string existing;
  for (const auto* f : {&config_.flag_file, &config_.additional_flag_file}) {
    std::error_code ec;  // a stat error (e.g. permission) reads as "absent"
    if (existing.empty() && !f->empty() && std::filesystem::exists(*f, ec)) existing = *f;
  }
  std::lock_guard lock(mu_);
  flag_file_exists_ = !existing.empty();
  existing_flag_file_ = existing;
}

void Throttler::start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return;
    started_ = true;
  }
  // A flag file or manual throttle that is already there holds from the first call on.
  check_flag_files();
  recompute();
  local_thread_ = std::jthread([this](std::stop_token st) { run_local(st); });
  lag_thread_ = std::jthread([this](std::stop_token st) { run_lag(st); });
  load_thread_ = std::jthread([this](std::stop_token st) { run_load(st); });
}

void Throttler::stop() {
  for (auto* t : {&local_thread_, &lag_thread_, &load_thread_}) t->request_stop();
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  changed_.notify_all();
  for (auto* t : {&local_thread_, &lag_thread_, &load_thread_})
    if (t->joinable()) t->join();
}

ThrottleStatus Throttler::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

bool Throttler::is_throttled() const {
  std::lock_guard lock(mu_);
  return status_.throttled;
}

void Throttler::wait_while_throttled(std::stop_token stop) const {
  std::unique_lock lock(mu_);
  changed_.wait(lock, stop, [this] { return !status_.throttled || stopped_; });
}

std::exception_ptr Throttler::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

std::vector<std::pair<std::string, std::optional<std::chrono::milliseconds>>> Throttler::replica_lags() const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::optional<std::chrono::milliseconds>>> out;
  for (const auto& r : lags_) out.emplace_back(r.address, r.error.empty() ? r.lag : std::nullopt);
  return out;
}

std::optional<std::chrono::milliseconds> Throttler::max_replica_lag() const {
  std::lock_guard lock(mu_);
  std::optional<std::chrono::milliseconds> worst;
  for (const auto& r : lags_)
    if (r.error.empty() && r.lag && (!worst || *r.lag > *worst)) worst = r.lag;
  return worst;
}

void Throttler::run_local(std::stop_token stop) {
  name_this_thread("gc-throttle");
  try {
    while (!stop.stop_requested()) {
      const auto seen = runtime_.version();
      try {
        check_flag_files();
        recompute();
      } catch (const std::exception& e) {
        log_->error("throttle: flag-file check failed: {}", e.what());
      }
      runtime_.wait_for_change(stop, seen, config_.interval);
    }
  } catch (const std::exception& e) {
    log_->error("throttle: local thread ended: {}", e.what());
  } catch (...) {
    log_->error("throttle: local thread ended");
  }
}

void Throttler::run_lag(std::stop_token stop) {
  name_this_thread("gc-lag");
  if (!config_.replica_lag) return;
  try {
    SqlThreadGuard guard;
    ReplicaLagProbe probe(config_.replica_credentials, config_.database, config_.changelog_table);
    while (!stop.stop_requested()) {
      const auto seen = runtime_.version();
      try {
        auto lags = probe.probe(runtime_.throttle_control_replicas());
        std::vector<std::string> newly_failed;
        {
          std::lock_guard lock(mu_);
          for (const auto& r : lags) {
            if (r.error.empty()) continue;
            bool failed_before = false;
            for (const auto& old : lags_)
              if (old.address == r.address && !old.error.empty()) failed_before = true;
            if (!failed_before) newly_failed.push_back(r.address + ": " + r.error);
          }
          lags_ = std::move(lags);
        }
        for (const auto& f : newly_failed) log_->warn("throttle: replica {}", f);
        recompute();
      } catch (const std::exception& e) {
        log_->error("throttle: replica lag probe failed: {}", e.what());
      }
      runtime_.wait_for_change(stop, seen, config_.interval);
    }
  } catch (const std::exception& e) {
    log_->error("throttle: replica lag thread ended: {}", e.what());
  } catch (...) {
    log_->error("throttle: replica lag thread ended");
  }
}

void Throttler::run_load(std::stop_token stop) {
  name_this_thread("gc-load");
  try {
    SqlThreadGuard guard;
    LoadProbe probe(config_.primary);
    while (!stop.stop_requested()) {
      const auto seen = runtime_.version();
      try {
        probe_load(stop, probe);
        recompute();
      } catch (const std::exception& e) {
        log_->error("throttle: load probe failed: {}", e.what());
      }
      runtime_.wait_for_change(stop, seen, config_.load_interval);
    }
  } catch (const std::exception& e) {
    log_->error("throttle: load thread ended: {}", e.what());
  } catch (...) {
    log_->error("throttle: load thread ended");
  }
}

void Throttler::probe_load(std::stop_token stop, LoadProbe& probe) {
  const auto settings = runtime_.snapshot();
  if (!settings.max_load.empty() || !settings.critical_load.empty()) {
    std::string error;
    std::map<std::string, std::int64_t> values;
    try {
      values = probe.global_status();
    } catch (const std::exception& e) {
      error = e.what();
    }
    bool log_error = false;
    {
      std::lock_guard lock(mu_);
      log_error = !error.empty() && error != status_error_;
      if (error.empty()) global_status_ = std::move(values);
      status_error_ = error;
      status_measured_ = true;
    }
    if (log_error) log_->warn("throttle: SHOW GLOBAL STATUS failed: {}", error);
    if (error.empty() && !settings.critical_load.empty()) check_critical(stop, probe, settings.critical_load);
  } else {
    std::lock_guard lock(mu_);
    status_measured_ = false;
    status_error_.clear();
  }

  if (!settings.throttle_query.empty()) {
    std::string error;
    std::optional<std::int64_t> value;
    try {
      value = probe.throttle_query(settings.throttle_query);
    } catch (const std::exception& e) {
      error = e.what();
    }
    bool log_error = false;
    {
      std::lock_guard lock(mu_);
      log_error = !error.empty() && error != throttle_query_error_;
      throttle_query_sql_ = settings.throttle_query;
      throttle_query_value_ = value;
      throttle_query_error_ = error;
    }
    if (log_error) log_->warn("throttle: throttle query failed (throttling): {}", error);
  } else {
    std::lock_guard lock(mu_);
    throttle_query_sql_.clear();
    throttle_query_value_.reset();
    throttle_query_error_.clear();
  }
}

void Throttler::check_critical(std::stop_token stop, LoadProbe& probe, const LoadMap& critical) {
  std::optional<std::string> violation;
  {
    std::lock_guard lock(mu_);
    if (failure_) return;
    if (hibernating_until_ && std::chrono::system_clock::now() < *hibernating_until_) return;
    violation = critical_load_violation(global_status_, critical);
  }
  if (!violation) return;
  if (config_.critical_load_interval.count() > 0) {
    log_->warn("throttle: critical-load {} reached; checking again in {} ms", *violation,
               config_.critical_load_interval.count());
    sleep_for(stop, config_.critical_load_interval);
    if (stop.stop_requested()) return;
    std::map<std::string, std::int64_t> values;
    try {
      values = probe.global_status();
    } catch (const std::exception& e) {
      log_->warn("throttle: critical-load re-check failed: {}", e.what());
      return;  // the next probe sees the error and throttles
    }
    violation = critical_load_violation(values, critical);
    {
      std::lock_guard lock(mu_);
      global_status_ = std::move(values);
    }
    if (!violation) {
      log_->info("throttle: critical-load cleared on re-check");
      return;
    }
  }
  if (config_.critical_load_hibernate.count() > 0) {
    {
      std::lock_guard lock(mu_);
      hibernating_until_ = std::chrono::system_clock::now() + config_.critical_load_hibernate;
      critical_detail_ = *violation;
    }
    log_->warn("throttle: critical-load {} reached; hibernating for {}s", *violation,
               config_.critical_load_hibernate.count());
  } else {
    {
      std::lock_guard lock(mu_);
      critical_detail_ = *violation;
      failure_ = std::make_exception_ptr(std::runtime_error("critical-load reached: " + *violation));
    }
    log_->error("throttle: critical-load {} reached; the migration must abort", *violation);
  }
}

void Throttler::warn_unknown_variables_locked(const RuntimeSettingsSnapshot& settings) {
  if (!status_measured_ || !status_error_.empty()) return;
  std::vector<std::string> missing;
  for (const LoadMap* load : {&settings.max_load, &settings.critical_load})
    for (auto& name : missing_status_variables(global_status_, *load))
      if (warned_unknown_.insert(name).second) missing.push_back(name);
  for (const auto& name : missing)
    log_->warn("throttle: SHOW GLOBAL STATUS has no variable {} (throttling while it is configured)", name);
}

void Throttler::recompute() {
  const auto settings = runtime_.snapshot();
  bool wake = false;
  {
    std::lock_guard lock(mu_);  // held while logging too, so transitions are logged in order
    ThrottleInputs in;
    for (const auto& wanted : settings.throttle_control_replicas) {
      const std::string address = wanted.to_string();
      for (const auto& r : lags_)
        if (r.address == address) in.replicas.push_back(r);
    }
    in.status_measured = status_measured_;
    if (status_measured_ && (!settings.max_load.empty() || !settings.critical_load.empty())) in.status = global_status_;
    in.status_error = status_error_;
    if (throttle_query_sql_ == settings.throttle_query) {
      in.throttle_query_value = throttle_query_value_;
      in.throttle_query_error = throttle_query_error_;
    } else {
      in.throttle_query_pending = true;
    }
    in.flag_file_exists = flag_file_exists_;
    in.hibernating_until = hibernating_until_;
    in.critical_detail = critical_detail_;
    in.critical_aborted = failure_ != nullptr;
    in.now = std::chrono::system_clock::now();
    warn_unknown_variables_locked(settings);

    ThrottleStatus next = decide_throttle(in, settings, existing_flag_file_);
    const auto steady_now = std::chrono::steady_clock::now();
    if (next.throttled && status_.throttled) {
      next.since = status_.since;
      if (next.reason != status_.reason) log_->info("throttled: {}", next.to_string());
    } else if (next.throttled) {
      episode_start_ = steady_now;
      log_->info("throttled: {}", next.to_string());
    } else if (status_.throttled) {
      log_->info("throttle lifted after {}", seconds_text(steady_now - episode_start_));
      wake = true;
    }
    status_ = std::move(next);
  }
  if (wake) changed_.notify_all();
}

}  // namespace ghostcut::engine
