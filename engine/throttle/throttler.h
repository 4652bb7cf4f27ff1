// Throttler: runs the throttle probes on their own threads and keeps one ThrottleStatus that the
// copier and applier consult (is_throttled / wait_while_throttled) and status output shows.
//
// Threads (each a std::jthread; the SQL ones hold a SqlThreadGuard):
//   local — flag file and manual throttle, every `interval` (documented recheck period) and at once
//           when RuntimeSettings change; also re-decides with the latest readings of the others.
//   lag   — every `interval`: the changelog heartbeat on each --throttle-control-replicas replica
//           (replica_lag_probe.h). A slow/unreachable replica only delays this thread.
//   load  — every `load_interval`: SHOW GLOBAL STATUS (max-load, critical-load) and the throttle
//           query on the primary (load_probe.h).
// Critical load: with critical_load_interval > 0 the violation is re-checked once after that time
// (gh-ost --critical-load-interval-millis); then with critical_load_hibernate > 0 everything is
// throttled ("critical-load") for that long and checked again afterwards, else failure() is set, the
// status stays throttled (no more writes) and the migration must abort.
// No probe throws out of its thread: errors become throttles (see throttle_state.h).
#pragma once
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/connection_settings.h"
#include "engine/control/runtime_settings.h"
#include "engine/throttle/throttle_state.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

class LoadProbe;

struct ThrottlerConfig {
  ConnectionSettings primary;                       // max-load / critical-load / throttle-query probes run here
  ConnectionSettings replica_credentials;           // user/password/TLS for replicas (host/port from the runtime list)
  std::string database;                             // where the changelog table lives (same name on replicas)
  std::string changelog_table;                      // t_ghc: heartbeat row id=1, value = wall-clock micros
  std::string flag_file;                            // --throttle-flag-file; empty = off
  std::string additional_flag_file;                 // --throttle-additional-flag-file (gh-ost); empty = off
  std::chrono::milliseconds interval{100};          // lag/flag/manual recheck period
  std::chrono::milliseconds load_interval{1000};    // SHOW GLOBAL STATUS + throttle-query period
  std::chrono::seconds critical_load_hibernate{0};  // 0: a violation aborts; >0: throttle that long, re-check
  std::chrono::milliseconds critical_load_interval{0};  // >0: re-check once after this before acting
  bool replica_lag = true;  // false: no changelog table to read heartbeats from (the instant ALTER)
};

class Throttler {
 public:
  Throttler(ThrottlerConfig config, RuntimeSettings& runtime, std::shared_ptr<spdlog::logger> logger);
  ~Throttler();  // stops
  Throttler(const Throttler&) = delete;
  Throttler& operator=(const Throttler&) = delete;

  void start();  // starts the probe threads (once)
  void stop();   // stops and joins them; waiters in wait_while_throttled return

  ThrottleStatus status() const;  // thread-safe copy
  bool is_throttled() const;
  // Blocks while throttled (returns at once otherwise); returns as soon as the throttle lifts, the
  // stop token fires or the throttler is stopped.
  void wait_while_throttled(std::stop_token stop) const;
  // Set when critical-load (without hibernate) is violated: the migration must abort; the message
  // names the variable and value.
  std::exception_ptr failure() const;
  // Latest replica lag per replica: address → lag (nullopt = unreachable/unknown).
  std::vector<std::pair<std::string, std::optional<std::chrono::milliseconds>>> replica_lags() const;
  // Max replica lag in the latest probe (nullopt when no replicas are configured or none measured).
  std::optional<std::chrono::milliseconds> max_replica_lag() const;

 private:
  void run_local(std::stop_token stop);
  void run_lag(std::stop_token stop);
  void run_load(std::stop_token stop);
  void probe_load(std::stop_token stop, LoadProbe& probe);
  void check_critical(std::stop_token stop, LoadProbe& probe, const LoadMap& critical);
  // Re-decides from the latest readings and the live settings; logs changes; wakes waiters.
  void recompute();
  void warn_unknown_variables_locked(const RuntimeSettingsSnapshot& settings);

  ThrottlerConfig config_;
  RuntimeSettings& runtime_;
  std::shared_ptr<spdlog::logger> log_;

  mutable std::mutex mu_;  // guards everything below up to the threads
  mutable std::condition_variable_any changed_;
  ThrottleStatus status_;
  std::chrono::steady_clock::time_point episode_start_{};
  bool stopped_ = false;
  bool started_ = false;
  bool flag_file_exists_ = false;
  std::string existing_flag_file_;  // which of the two flag files exists (for the reason)
  void check_flag_files();
  std::vector<ReplicaLag> lags_;
  bool status_measured_ = false;
  std::map<std::string, std::int64_t> global_status_;
  std::string status_error_;
  std::string throttle_query_sql_;  // the query the result below belongs to
  std::optional<std::int64_t> throttle_query_value_;
  std::string throttle_query_error_;
  std::optional<std::chrono::system_clock::time_point> hibernating_until_;
  std::string critical_detail_;
  std::exception_ptr failure_;
  std::set<std::string> warned_unknown_;

  // Last: joined (by stop()) before the state above goes away.
  std::jthread local_thread_;
  std::jthread lag_thread_;
  std::jthread load_thread_;
};

}  // namespace ghostcut::engine
