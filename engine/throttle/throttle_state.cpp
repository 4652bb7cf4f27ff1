#include "engine/throttle/throttle_state.h"

#include "engine/text.h"

#include <spdlog/fmt/fmt.h>

#include <cctype>
#include <string_view>

namespace ghostcut::engine {
namespace {

const std::int64_t* find_status(const std::map<std::string, std::int64_t>& status, const std::string& name) {
  if (auto it = status.find(name); it != status.end()) return &it->second;
  for (const auto& [k, v] : status)
    if (iequals(k, name)) return &v;
  return nullptr;
}

ThrottleStatus throttled(std::string reason, std::string detail, std::chrono::system_clock::time_point now) {
  ThrottleStatus s;
  s.throttled = true;
  s.reason = std::move(reason);
  s.detail = std::move(detail);
  s.since = now;
  return s;
}

}  // namespace

std::string ThrottleStatus::to_string() const {
  if (!throttled) return "not throttled";
  return detail.empty() ? reason : reason + ": " + detail;
}

std::string format_lag_seconds(std::chrono::milliseconds ms) {
  std::string s = fmt::format("{:.3f}", static_cast<double>(ms.count()) / 1000.0);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s + "s";
}

std::optional<std::string> load_violation(const std::map<std::string, std::int64_t>& status, const LoadMap& load) {
  for (const auto& [name, threshold] : load) {
    const std::int64_t* value = find_status(status, name);
    if (value && *value >= threshold) return fmt::format("{}={} >= {}", name, *value, threshold);
  }
  return std::nullopt;
}

std::optional<std::string> critical_load_violation(const std::map<std::string, std::int64_t>& status,
                                                   const LoadMap& critical) {
  return load_violation(status, critical);
}

std::vector<std::string> missing_status_variables(const std::map<std::string, std::int64_t>& status,
                                                  const LoadMap& load) {
  std::vector<std::string> missing;
  for (const auto& [name, threshold] : load)
    if (!find_status(status, name)) missing.push_back(name);
  return missing;
}

ThrottleStatus decide_throttle(const ThrottleInputs& in, const RuntimeSettingsSnapshot& settings,
                               const std::string& flag_file) {
  if (settings.manual_throttle) return throttled("manual", "throttle command", in.now);
  if (in.flag_file_exists) return throttled("flag-file", "flag file " + flag_file + " exists", in.now);
  if (in.critical_aborted) return throttled("critical-load", in.critical_detail + " (aborting)", in.now);
  if (in.hibernating_until && in.now < *in.hibernating_until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*in.hibernating_until - in.now);
    return throttled("critical-load", in.critical_detail + ", hibernating " + format_lag_seconds(left) + " more",
                     in.now);
  }

  // Lag: an unreachable replica first (it may be arbitrarily behind), else the worst measured lag.
  const std::chrono::milliseconds max_lag(settings.max_lag_millis);
  const ReplicaLag* worst = nullptr;
  for (const auto& r : in.replicas) {
    if (!r.error.empty()) return throttled("lag", "replica " + r.address + " unreachable: " + r.error, in.now);
    if (r.lag && *r.lag > max_lag && (!worst || *r.lag > *worst->lag)) worst = &r;
  }
  if (worst)
    return throttled(
        "lag",
        "replica " + worst->address + " lag " + format_lag_seconds(*worst->lag) + " > " + format_lag_seconds(max_lag),
        in.now);

  if (in.status_measured && (!settings.max_load.empty() || !settings.critical_load.empty())) {
    if (!in.status_error.empty()) return throttled("max-load", "SHOW GLOBAL STATUS failed: " + in.status_error, in.now);
    if (auto v = load_violation(in.status, settings.max_load)) return throttled("max-load", *v, in.now);
    auto missing = missing_status_variables(in.status, settings.max_load);
    for (auto& name : missing_status_variables(in.status, settings.critical_load)) missing.push_back(name);
    if (!missing.empty()) return throttled("max-load", "unknown status variable " + join(missing), in.now);
  }

  if (!settings.throttle_query.empty()) {
    if (in.throttle_query_pending) return throttled("throttle-query", "throttle query not run yet", in.now);
    if (!in.throttle_query_error.empty())
      return throttled("throttle-query", "throttle query failed: " + in.throttle_query_error, in.now);
    if (in.throttle_query_value && *in.throttle_query_value > 0)
      return throttled("throttle-query", fmt::format("throttle query returned {}", *in.throttle_query_value), in.now);
  }
  return ThrottleStatus{};
}

}  // namespace ghostcut::engine
