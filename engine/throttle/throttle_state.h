// The throttle decision, kept PURE: the probes (replica_lag_probe.h, load_probe.h, the flag file,
// RuntimeSettings) measure; decide_throttle() turns one set of measurements plus the live settings
// into one ThrottleStatus. The Throttler (throttler.h) runs the probes and keeps the status.
//
// When several sources hold at once, the reason shown is the first of:
//   manual, flag-file, critical-load (hibernating or aborting), lag, max-load, throttle-query.
// Fail-safe choices (as gh-ost): a replica that cannot be reached or whose heartbeat cannot be read
// counts as lagging; a --max-load/--critical-load variable that SHOW GLOBAL STATUS does not have,
// or a failed SHOW GLOBAL STATUS, throttles ("max-load"); a failing throttle query throttles.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/control/runtime_settings.h"

namespace ghostcut::engine {

struct ThrottleStatus {
  bool throttled = false;
  // Short stable key: "lag", "max-load", "critical-load", "flag-file", "throttle-query", "manual";
  // empty when not throttled.
  std::string reason;
  // Human text, e.g. "replica 127.0.0.1:3307 lag 2.31s > 1.5s", "Threads_running=31 >= 25".
  std::string detail;
  std::chrono::system_clock::time_point since{};  // when this throttle episode began
  // "lag: replica 127.0.0.1:3307 lag 2.31s > 1.5s" or "not throttled"
  std::string to_string() const;
  bool operator==(const ThrottleStatus&) const = default;
};

// One replica's latest heartbeat reading.
struct ReplicaLag {
  std::string address;                           // "host:port"
  std::optional<std::chrono::milliseconds> lag;  // nullopt: no heartbeat row yet (or error)
  std::string error;                             // non-empty: unreachable or the read failed
  bool operator==(const ReplicaLag&) const = default;
};

struct ThrottleInputs {
  // Replica lag: only the replicas currently configured.
  std::vector<ReplicaLag> replicas;
  // SHOW GLOBAL STATUS (name → value); consulted only when status_measured.
  bool status_measured = false;
  std::map<std::string, std::int64_t> status;
  std::string status_error;  // non-empty: the last SHOW GLOBAL STATUS failed
  // Throttle query: value of the first column of the first row (none: NULL or no row), or the error.
  std::optional<std::int64_t> throttle_query_value;
  std::string throttle_query_error;
  // The query now set has not run yet: hold the copy until it has (no chunk slips through while a
  // throttle query replaces another reason, e.g. a flag file).
  bool throttle_query_pending = false;
  bool flag_file_exists = false;
  // Critical load: hibernating until this time (with the violation text), or aborted (failure set).
  std::optional<std::chrono::system_clock::time_point> hibernating_until;
  std::string critical_detail;  // "Threads_running=31 >= 25"
  bool critical_aborted = false;
  std::chrono::system_clock::time_point now{};
};

// `since` of a throttled result is inputs.now (the Throttler keeps the older one while an episode
// lasts); a result that is not throttled has since = {}.
ThrottleStatus decide_throttle(const ThrottleInputs& inputs, const RuntimeSettingsSnapshot& settings,
                               const std::string& flag_file);

// The first "Var=value >= threshold" that holds (variables in LoadMap order), or nullopt.
// Names match case-insensitively; a variable absent from `status` is skipped here (see
// missing_status_variables).
std::optional<std::string> critical_load_violation(const std::map<std::string, std::int64_t>& status,
                                                   const LoadMap& critical);
// The same test for --max-load.
std::optional<std::string> load_violation(const std::map<std::string, std::int64_t>& status, const LoadMap& load);
// Names of `load` that `status` does not have (case-insensitive).
std::vector<std::string> missing_status_variables(const std::map<std::string, std::int64_t>& status,
                                                  const LoadMap& load);

// 2310 ms → "2.31s", 1500 ms → "1.5s", 1000 ms → "1s", 0 → "0s".
std::string format_lag_seconds(std::chrono::milliseconds ms);

}  // namespace ghostcut::engine
