// The ONE thread-safe place for tunables that may change while a migration runs: written by the
// CLI at start and by the control socket, read by the copier, applier, throttler and cut-over.
// Scalars are atomics; maps, strings and lists sit in a mutex-guarded struct and getters return
// copies. Every setter validates first (nothing changes on error) and returns the old value.
// Every change bumps version(); wait_for_change() lets a worker sleep until something changes.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "binlog/error.h"
#include "engine/schedule/cut_over_window.h"

namespace ghostcut::engine {

struct ReplicaAddress {
  std::string host;
  std::uint16_t port = 3306;
  std::string to_string() const;  // "host:port"
  bool operator==(const ReplicaAddress&) const = default;
};

// Status variable name -> threshold, e.g. {"Threads_running": 25} (gh-ost --max-load).
using LoadMap = std::map<std::string, std::int64_t>;
std::string to_string(const LoadMap& load);  // "Threads_connected=500,Threads_running=25" (sorted)

// Ranges. chunk-size 0 means "adaptive" (DynamicChunkSizer); any other value fixes the size.
inline constexpr std::uint64_t kMinChunkSize = 10;
inline constexpr std::uint64_t kMaxChunkSize = 100000;
inline constexpr std::uint64_t kMinThreads = 1;
inline constexpr std::uint64_t kMaxThreads = 64;
inline constexpr std::uint64_t kMinDmlBatchSize = 1;
inline constexpr std::uint64_t kMaxDmlBatchSize = 100000;  // row events
inline constexpr std::uint64_t kMinMaxLagMillis = 100;     // gh-ost's floor: lag is measured at ~100 ms granularity
inline constexpr std::uint64_t kMaxMaxLagMillis = 24ull * 3600 * 1000;
inline constexpr double kMaxNiceRatio = 100.0;
// Defaults (the README's; the CLI's flags default to these).
inline constexpr std::uint64_t kDefaultChunkSize = 0;  // adaptive
inline constexpr std::uint64_t kDefaultThreads = 1;
inline constexpr std::uint64_t kDefaultDmlBatchSize = 1000;  // row events per applier batch
inline constexpr std::uint64_t kDefaultMaxLagMillis = 1500;
inline constexpr double kDefaultNiceRatio = 0.0;

// Validators shared with the control-command parser: nullopt when valid, else why not.
std::optional<std::string> validate_chunk_size(std::uint64_t n);
std::optional<std::string> validate_threads(std::uint64_t n);
std::optional<std::string> validate_dml_batch_size(std::uint64_t n);
std::optional<std::string> validate_max_lag_millis(std::uint64_t n);
std::optional<std::string> validate_nice_ratio(double r);
std::optional<std::string> validate_load(const LoadMap& load);
std::optional<std::string> validate_throttle_query(std::string_view sql);  // empty (off) or a SELECT
std::optional<std::string> validate_replicas(const std::vector<ReplicaAddress>& replicas);
// Each spec must parse as a cut-over window (engine/schedule/cut_over_window.h); the reason is the parser's.
std::optional<std::string> validate_cut_over_windows(const std::vector<std::string>& specs);

// A plain copy of everything, for status output.
struct RuntimeSettingsSnapshot {
  std::uint64_t chunk_size = kDefaultChunkSize;
  std::uint64_t threads = kDefaultThreads;
  std::uint64_t dml_batch_size = kDefaultDmlBatchSize;
  std::uint64_t max_lag_millis = kDefaultMaxLagMillis;
  double nice_ratio = kDefaultNiceRatio;
  LoadMap max_load;
  LoadMap critical_load;
  std::string throttle_query;
  std::vector<ReplicaAddress> throttle_control_replicas;
  std::vector<std::string> cut_over_windows;
  bool manual_throttle = false;
  bool postpone_cut_over = false;
  bool cut_over_requested = false;
  bool panic = false;
  std::uint64_t version = 0;
};

class RuntimeSettings {
 public:
  RuntimeSettings() = default;
  RuntimeSettings(const RuntimeSettings&) = delete;
  RuntimeSettings& operator=(const RuntimeSettings&) = delete;

  std::uint64_t chunk_size() const { return chunk_size_.load(); }  // 0 = adaptive
  std::uint64_t threads() const { return threads_.load(); }
  std::uint64_t dml_batch_size() const { return dml_batch_size_.load(); }
  std::uint64_t max_lag_millis() const { return max_lag_millis_.load(); }
  double nice_ratio() const { return nice_ratio_.load(); }
  LoadMap max_load() const;
  LoadMap critical_load() const;
  std::string throttle_query() const;
  std::vector<ReplicaAddress> throttle_control_replicas() const;
  // Cut-over windows, parsed when they were set; empty = no window restriction.
  std::vector<CutOverWindow> parsed_cut_over_windows() const;
  // Their specs as given ("Mon-Fri 22:30-01:00 UTC"), for display.
  std::vector<std::string> cut_over_windows() const;
  bool manual_throttle() const { return manual_throttle_.load(); }
  bool postpone_cut_over() const { return postpone_cut_over_.load(); }
  bool cut_over_requested() const { return cut_over_requested_.load(); }
  bool panic() const { return panic_.load(); }
  // `revert=<table>` while the old table is kept in sync after the cut-over.
  bool revert_requested() const { return revert_requested_.load(); }
  RuntimeSettingsSnapshot snapshot() const;

  // Validated setters: the old value, or bad_value with the reason (and no change).
  [[nodiscard]] Result<std::uint64_t> set_chunk_size(std::uint64_t n);
  [[nodiscard]] Result<std::uint64_t> set_threads(std::uint64_t n);
  [[nodiscard]] Result<std::uint64_t> set_dml_batch_size(std::uint64_t n);
  [[nodiscard]] Result<std::uint64_t> set_max_lag_millis(std::uint64_t n);
  [[nodiscard]] Result<double> set_nice_ratio(double r);
  [[nodiscard]] Result<LoadMap> set_max_load(LoadMap load);
  [[nodiscard]] Result<LoadMap> set_critical_load(LoadMap load);
  [[nodiscard]] Result<std::string> set_throttle_query(std::string sql);
  [[nodiscard]] Result<std::vector<ReplicaAddress>> set_throttle_control_replicas(std::vector<ReplicaAddress> r);
  [[nodiscard]] Result<std::vector<std::string>> set_cut_over_windows(std::vector<std::string> specs);
  // Flags cannot be invalid: they return the old value.
  bool set_manual_throttle(bool on);
  bool set_postpone_cut_over(bool on);
  bool set_cut_over_requested(bool on);
  bool set_panic(bool on);
  bool set_revert_requested(bool on);

  // Bumped on every successful change (also when the new value equals the old one).
  std::uint64_t version() const { return version_.load(); }
  // Blocks until version() != seen, the stop token fires, or the timeout passes; returns version().
  std::uint64_t wait_for_change(std::stop_token stop, std::uint64_t seen, std::chrono::milliseconds timeout) const;

 private:
  void bump();
  Result<std::uint64_t> set_scalar(std::atomic<std::uint64_t>& member, std::uint64_t n,
                                   std::optional<std::string> (*validate)(std::uint64_t));
  bool set_flag(std::atomic<bool>& member, bool on);

  std::atomic<std::uint64_t> chunk_size_{kDefaultChunkSize};
  std::atomic<std::uint64_t> threads_{kDefaultThreads};
  std::atomic<std::uint64_t> dml_batch_size_{kDefaultDmlBatchSize};
  std::atomic<std::uint64_t> max_lag_millis_{kDefaultMaxLagMillis};
  std::atomic<double> nice_ratio_{kDefaultNiceRatio};
  std::atomic<bool> manual_throttle_{false};
  std::atomic<bool> postpone_cut_over_{false};
  std::atomic<bool> cut_over_requested_{false};
  std::atomic<bool> panic_{false};
  std::atomic<bool> revert_requested_{false};

  struct Guarded {
    LoadMap max_load;
    LoadMap critical_load;
    std::string throttle_query;
    std::vector<ReplicaAddress> throttle_control_replicas;
    std::vector<std::string> cut_over_window_specs;  // as given
    std::vector<CutOverWindow> cut_over_windows;     // the same, parsed once
  };
  mutable std::mutex mutex_;  // guards guarded_ and the version_ bump (so waiters never miss one)
  Guarded guarded_;
  std::atomic<std::uint64_t> version_{0};
  mutable std::condition_variable_any changed_;
};

}  // namespace ghostcut::engine
