// MetricsSnapshot: one plain copy of everything /metrics reports, taken by the caller (from
// ProgressCounters, the throttler and the cut-over results) so the formatting stays PURE.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/metrics/progress.h"

namespace ghostcut::engine {

struct MetricsSnapshot {
  std::string database;
  std::string table;
  // A short phase name ("starting", "copying", "postponed", "cutting-over", "done", "failed", …):
  // it becomes a label value, so no free text (keeps the series count small).
  std::string state;
  std::uint64_t rows_copied = 0;
  std::uint64_t rows_estimated = 0;
  std::uint64_t rows_resumed = 0;
  double copy_lock_hold_p99_seconds = 0;
  double copy_lock_hold_max_seconds = 0;
  std::uint64_t checksum_rows = 0;
  std::uint64_t checksum_rows_repaired = 0;
  std::uint64_t copy_yielded_ms = 0;
  double copy_rows_per_second = 0;
  double copy_percent = 0;  // 0..100
  std::uint64_t events_applied = 0;
  std::uint64_t applier_backlog = 0;
  std::optional<double> applier_lag_seconds;  // unknown before the first heartbeat came back
  // (replica name, lag) per throttle-control replica; nullopt = lag unknown (replica broken).
  std::vector<std::pair<std::string, std::optional<double>>> replica_lag_seconds;
  bool throttled = false;
  std::string throttle_reason;  // short: "lag", "replica-lag", "flag-file", "manual", "load", …
  std::uint64_t cut_over_attempts = 0;
  std::vector<double> cut_over_stall_seconds;  // write stall of each attempt, in order
  double elapsed_seconds = 0;
  // Seconds left in which revert=<table> can swap the old table back (0: not possible).
  double revert_window_seconds = 0;

  bool operator==(const MetricsSnapshot&) const = default;
};

// The fields a ProgressSnapshot carries (rows, rate, percent, applier, throttle, elapsed); the
// caller adds database, table, state (a phase name), replica lags and the cut-over figures.
MetricsSnapshot metrics_from_progress(const ProgressSnapshot& progress);

// The kind of a throttle reason, for a label with few values:
// "lag: replica 127.0.0.1:3307 lag 2.1s > 1.5s" → "lag"; "flag-file" → "flag-file".
std::string throttle_reason_kind(std::string_view reason);

}  // namespace ghostcut::engine
