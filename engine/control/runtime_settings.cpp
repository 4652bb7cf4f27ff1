#include "engine/control/runtime_settings.h"

#include <cctype>
#include <cmath>
#include <utility>

#include "engine/errc.h"
#include "engine/schedule/cut_over_window.h"

namespace ghostcut::engine {
namespace {

std::optional<std::string> check_range(std::string_view name, std::uint64_t n, std::uint64_t lo, std::uint64_t hi) {
  if (n < lo || n > hi)
    return std::string(name) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
           std::to_string(n);
  return std::nullopt;
}

template <class T>
Result<T> rejected(std::string why) {
  return Error(EngineErrc::kBadSetting, std::move(why));
}

}  // namespace

std::string ReplicaAddress::to_string() const { return host + ":" + std::to_string(port); }

std::string to_string(const LoadMap& load) {
  std::string out;
  for (const auto& [var, threshold] : load) {
    if (!out.empty()) out += ",";
    out += var + "=" + std::to_string(threshold);
  }
  return out;
}

std::optional<std::string> validate_chunk_size(std::uint64_t n) {
  if (n == 0) return std::nullopt;  // adaptive
  return check_range("chunk-size", n, kMinChunkSize, kMaxChunkSize);
}
std::optional<std::string> validate_threads(std::uint64_t n) {
  return check_range("threads", n, kMinThreads, kMaxThreads);
}
std::optional<std::string> validate_dml_batch_size(std::uint64_t n) {
  return check_range("dml-batch-size", n, kMinDmlBatchSize, kMaxDmlBatchSize);
}
std::optional<std::string> validate_max_lag_millis(std::uint64_t n) {
  return check_range("max-lag-millis", n, kMinMaxLagMillis, kMaxMaxLagMillis);
}

std::optional<std::string> validate_nice_ratio(double r) {
  if (!std::isfinite(r) || r < 0.0 || r > kMaxNiceRatio)
    return "nice-ratio must be between 0 and " + std::to_string(static_cast<int>(kMaxNiceRatio));
  return std::nullopt;
}

std::optional<std::string> validate_load(const LoadMap& load) {
  for (const auto& [var, threshold] : load) {
    if (var.empty()) return std::string("load variable name is empty");
    for (unsigned char c : var)
      if (!std::isalnum(c) && c != '_') return "load variable name '" + var + "' may hold only letters, digits and _";
    if (threshold < 0) return "threshold for " + var + " must not be negative";
  }
  return std::nullopt;
}

std::optional<std::string> validate_throttle_query(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
  if (i == sql.size()) return std::nullopt;  // empty turns it off
  const std::string_view select = "select";
  if (sql.size() - i < select.size()) return std::string("throttle-query must be a SELECT");
  for (std::size_t j = 0; j < select.size(); ++j)
    if (std::tolower(static_cast<unsigned char>(sql[i + j])) != select[j])
      return std::string("throttle-query must be a SELECT");
  return std::nullopt;
}

std::optional<std::string> validate_replicas(const std::vector<ReplicaAddress>& replicas) {
  for (const auto& r : replicas) {
    if (r.host.empty()) return std::string("replica host is empty");
    for (unsigned char c : r.host)
      if (std::isspace(c) || c == ',') return "replica host '" + r.host + "' is not a host name";
    if (r.port == 0) return "replica " + r.host + " has port 0";
  }
  return std::nullopt;
}

std::optional<std::string> validate_cut_over_windows(const std::vector<std::string>& specs) {
  for (const auto& spec : specs)
    if (auto w = parse_cut_over_window(spec); !w) return w.error().context;
  return std::nullopt;
}

LoadMap RuntimeSettings::max_load() const {
  std::lock_guard lock(mutex_);
  return guarded_.max_load;
}
LoadMap RuntimeSettings::critical_load() const {
  std::lock_guard lock(mutex_);
  return guarded_.critical_load;
}
std::string RuntimeSettings::throttle_query() const {
  std::lock_guard lock(mutex_);
  return guarded_.throttle_query;
}
std::vector<ReplicaAddress> RuntimeSettings::throttle_control_replicas() const {
  std::lock_guard lock(mutex_);
  return guarded_.throttle_control_replicas;
}

std::vector<CutOverWindow> RuntimeSettings::parsed_cut_over_windows() const {
  std::lock_guard lock(mutex_);
  return guarded_.cut_over_windows;
}

std::vector<std::string> RuntimeSettings::cut_over_windows() const {
  std::lock_guard lock(mutex_);
  return guarded_.cut_over_window_specs;
}

RuntimeSettingsSnapshot RuntimeSettings::snapshot() const {
  RuntimeSettingsSnapshot s;
  {
    std::lock_guard lock(mutex_);
    s.max_load = guarded_.max_load;
    s.critical_load = guarded_.critical_load;
    s.throttle_query = guarded_.throttle_query;
    s.throttle_control_replicas = guarded_.throttle_control_replicas;
    s.cut_over_windows = guarded_.cut_over_window_specs;
    s.version = version_.load();
  }
  s.chunk_size = chunk_size();
  s.threads = threads();
  s.dml_batch_size = dml_batch_size();
  s.max_lag_millis = max_lag_millis();
  s.nice_ratio = nice_ratio();
  s.manual_throttle = manual_throttle();
  s.postpone_cut_over = postpone_cut_over();
  s.cut_over_requested = cut_over_requested();
  s.panic = panic();
  return s;
}

void RuntimeSettings::bump() {
  {
    std::lock_guard lock(mutex_);
    version_.fetch_add(1);
  }
  changed_.notify_all();
}

Result<std::uint64_t> RuntimeSettings::set_scalar(std::atomic<std::uint64_t>& member, std::uint64_t n,
                                                  std::optional<std::string> (*validate)(std::uint64_t)) {
  if (auto why = validate(n)) return rejected<std::uint64_t>(std::move(*why));
  const auto old = member.exchange(n);
  bump();
  return old;
}

bool RuntimeSettings::set_flag(std::atomic<bool>& member, bool on) {
  const bool old = member.exchange(on);
  bump();
  return old;
}

Result<std::uint64_t> RuntimeSettings::set_chunk_size(std::uint64_t n) {
  return set_scalar(chunk_size_, n, validate_chunk_size);
}
Result<std::uint64_t> RuntimeSettings::set_threads(std::uint64_t n) {
  return set_scalar(threads_, n, validate_threads);
}
Result<std::uint64_t> RuntimeSettings::set_dml_batch_size(std::uint64_t n) {
  return set_scalar(dml_batch_size_, n, validate_dml_batch_size);
}
Result<std::uint64_t> RuntimeSettings::set_max_lag_millis(std::uint64_t n) {
  return set_scalar(max_lag_millis_, n, validate_max_lag_millis);
}
bool RuntimeSettings::set_manual_throttle(bool on) { return set_flag(manual_throttle_, on); }
bool RuntimeSettings::set_postpone_cut_over(bool on) { return set_flag(postpone_cut_over_, on); }
bool RuntimeSettings::set_cut_over_requested(bool on) { return set_flag(cut_over_requested_, on); }
bool RuntimeSettings::set_panic(bool on) { return set_flag(panic_, on); }
bool RuntimeSettings::set_revert_requested(bool on) { return set_flag(revert_requested_, on); }

Result<double> RuntimeSettings::set_nice_ratio(double r) {
  if (auto why = validate_nice_ratio(r)) return rejected<double>(std::move(*why));
  const auto old = nice_ratio_.exchange(r);
  bump();
  return old;
}

Result<LoadMap> RuntimeSettings::set_max_load(LoadMap load) {
  if (auto why = validate_load(load)) return rejected<LoadMap>("max-load: " + *why);
  LoadMap old;
  {
    std::lock_guard lock(mutex_);
    old = std::exchange(guarded_.max_load, std::move(load));
  }
  bump();
  return old;
}

Result<LoadMap> RuntimeSettings::set_critical_load(LoadMap load) {
  if (auto why = validate_load(load)) return rejected<LoadMap>("critical-load: " + *why);
  LoadMap old;
  {
    std::lock_guard lock(mutex_);
    old = std::exchange(guarded_.critical_load, std::move(load));
  }
  bump();
  return old;
}

Result<std::string> RuntimeSettings::set_throttle_query(std::string sql) {
  if (auto why = validate_throttle_query(sql)) return rejected<std::string>(std::move(*why));
  std::string old;
  {
    std::lock_guard lock(mutex_);
    old = std::exchange(guarded_.throttle_query, std::move(sql));
  }
  bump();
  return old;
}

Result<std::vector<ReplicaAddress>> RuntimeSettings::set_throttle_control_replicas(std::vector<ReplicaAddress> r) {
  if (auto why = validate_replicas(r)) return rejected<std::vector<ReplicaAddress>>(std::move(*why));
  std::vector<ReplicaAddress> old;
  {
    std::lock_guard lock(mutex_);
    old = std::exchange(guarded_.throttle_control_replicas, std::move(r));
  }
  bump();
  return old;
}

Result<std::vector<std::string>> RuntimeSettings::set_cut_over_windows(std::vector<std::string> specs) {
  auto windows = parse_cut_over_windows(specs);
  if (!windows) return rejected<std::vector<std::string>>(windows.error().context);
  std::vector<std::string> old;
  {
    std::lock_guard lock(mutex_);
    old = std::exchange(guarded_.cut_over_window_specs, std::move(specs));
    guarded_.cut_over_windows = std::move(*windows);
  }
  bump();
  return old;
}

std::uint64_t RuntimeSettings::wait_for_change(std::stop_token stop, std::uint64_t seen,
                                               std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, stop, timeout, [&] { return version_.load() != seen; });
  return version_.load();
}

}  // namespace ghostcut::engine
