#include "engine/metrics/metrics_snapshot.h"

#include <chrono>

namespace ghostcut::engine {

std::string throttle_reason_kind(std::string_view reason) {
  const auto end = reason.find(':');
  std::string_view kind = reason.substr(0, end);
  while (!kind.empty() && kind.back() == ' ') kind.remove_suffix(1);
  while (!kind.empty() && kind.front() == ' ') kind.remove_prefix(1);
  return std::string(kind);
}

MetricsSnapshot metrics_from_progress(const ProgressSnapshot& p) {
  MetricsSnapshot m;
  m.state = p.state;
  m.rows_copied = p.rows_copied;
  m.rows_resumed = p.rows_resumed;
  m.copy_lock_hold_p99_seconds = static_cast<double>(p.copy_lock_hold_p99_ms) / 1000.0;
  m.copy_lock_hold_max_seconds = static_cast<double>(p.copy_lock_hold_max_ms) / 1000.0;
  m.checksum_rows = p.checksum_rows;
  m.checksum_rows_repaired = p.checksum_rows_repaired;
  m.copy_yielded_ms = p.copy_yielded_ms;
  m.rows_estimated = p.rows_estimated;
  m.copy_rows_per_second = p.rows_per_second();
  m.copy_percent = p.percent();
  m.events_applied = p.events_applied;
  m.applier_backlog = p.backlog;
  m.applier_lag_seconds = static_cast<double>(p.applier_lag_ms) / 1000.0;
  m.throttled = !p.throttle_reason.empty();
  m.throttle_reason = throttle_reason_kind(p.throttle_reason);
  m.elapsed_seconds = static_cast<double>(p.elapsed_seconds().count());
  return m;
}

}  // namespace ghostcut::engine
