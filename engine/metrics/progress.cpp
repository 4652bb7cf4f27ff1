#include "engine/metrics/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace ghostcut::engine {
namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::int64_t ticks(SteadyTime t) {
  // Never 0 for a real time point, so 0 can mean "not yet".
  return std::max<std::int64_t>(1, t.time_since_epoch().count());
}

}  // namespace

double ProgressSnapshot::percent() const {
  if (copy_done) return 100.0;
  if (key_range_percent) return std::clamp(*key_range_percent, 0.0, 100.0);
  if (rows_estimated == 0) return rows_copied ? 100.0 : 0.0;
  return std::min(100.0, 100.0 * static_cast<double>(rows_copied) / static_cast<double>(rows_estimated));
}

double ProgressSnapshot::rows_per_second() const {
  const double secs = std::chrono::duration<double>(copy_elapsed).count();
  if (!copy_started || secs <= 0.0) return 0.0;
  return static_cast<double>(rows_copied) / secs;
}

std::optional<std::chrono::seconds> ProgressSnapshot::eta() const {
  if (copy_done) return std::chrono::seconds{0};
  if (key_range_percent && *key_range_percent > 0 && copy_started) {
    // Key-range coverage grows about linearly with time: the rest takes elapsed × left / done.
    const double p = std::min(100.0, *key_range_percent);
    const double secs = std::chrono::duration<double>(copy_elapsed).count();
    return std::chrono::seconds{static_cast<std::int64_t>(std::ceil(secs * (100.0 - p) / p))};
  }
  if (copy_started && rows_copied >= rows_estimated) return std::chrono::seconds{0};
  const double rate = rows_per_second();
  if (rate <= 0.0) return std::nullopt;
  const double left = static_cast<double>(rows_estimated - rows_copied) / rate;
  return std::chrono::seconds{static_cast<std::int64_t>(std::ceil(left))};
}

void ProgressCounters::record_lock_hold(std::chrono::nanoseconds d) {
  const auto us = static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
  std::size_t i = 0;
  while (i < kLockHoldBucketsMs.size() && us > kLockHoldBucketsMs[i] * 1000) ++i;
  ++lock_hold_buckets[i];
  auto seen = lock_hold_max_us.load();
  while (us > seen && !lock_hold_max_us.compare_exchange_weak(seen, us)) {
  }
}

std::string format_duration(std::chrono::seconds d) {
  const auto total = std::max<std::int64_t>(0, d.count());
  const auto h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char buf[64];
  if (h) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", static_cast<long long>(h), static_cast<long long>(m),
                  static_cast<long long>(s));
  } else if (m) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(m), static_cast<long long>(s));
  } else {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  }
  return buf;
}

std::string ProgressSnapshot::status_line() const {
  std::string eta_text = "N/A";
  if (copy_done) {
    eta_text = "done";
  } else if (auto e = eta()) {
    eta_text = e->count() == 0 ? "due" : format_duration(*e);
  }
  return "Copy: " + std::to_string(rows_copied) + "/" + std::to_string(rows_estimated) + " " + fixed(percent(), 1) +
         "%; Applier: backlog " + std::to_string(backlog) + ", lag " +
         fixed(static_cast<double>(applier_lag_ms) / 1000.0, 2) + "s; State: " + state +
         "; Rate: " + fixed(rows_per_second(), 0) + " rows/s; ETA: " + eta_text +
         (copy_statements ? "; Locks: p99 " + std::to_string(copy_lock_hold_p99_ms) + "ms, max " +
                                std::to_string(copy_lock_hold_max_ms) + "ms"
                          : std::string()) +
         (copy_yielded_ms ? "; Yielded to applier: " + fixed(static_cast<double>(copy_yielded_ms) / 1000.0, 1) + "s"
                          : std::string()) +
         "; Elapsed: " + format_duration(elapsed_seconds()) +
         (throttle_reason.empty() ? "" : "; Throttled: " + throttle_reason) +
         (binlog_position.empty() ? "" : "; Binlog: " + binlog_position);
}

std::chrono::seconds ProgressSnapshot::elapsed_seconds() const {
  return total_elapsed.count() > 0 ? total_elapsed : std::chrono::duration_cast<std::chrono::seconds>(copy_elapsed);
}

std::string ProgressSnapshot::to_json() const {
  const auto e = eta();
  nlohmann::ordered_json j;
  j["state"] = state;
  j["rows_copied"] = rows_copied;
  j["rows_estimated"] = rows_estimated;
  j["percent"] = std::round(percent() * 10) / 10;  // one decimal, as the status line shows it
  j["chunks_copied"] = chunks_copied;
  j["rows_resumed"] = rows_resumed;
  j["copy_lock_hold_p99_ms"] = copy_lock_hold_p99_ms;
  j["copy_lock_hold_max_ms"] = copy_lock_hold_max_ms;
  j["checksum_rows"] = checksum_rows;
  j["checksum_rows_repaired"] = checksum_rows_repaired;
  j["copy_yielded_ms"] = copy_yielded_ms;
  j["events_applied"] = events_applied;
  j["backlog"] = backlog;
  j["applier_lag_ms"] = applier_lag_ms;
  j["rows_per_second"] = std::llround(rows_per_second());
  j["eta_seconds"] = e ? nlohmann::ordered_json(e->count()) : nlohmann::ordered_json();
  j["elapsed_seconds"] = elapsed_seconds().count();
  j["copy_elapsed_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(copy_elapsed).count();
  j["copy_threads"] = copy_threads;
  j["copy_started"] = copy_started;
  j["copy_done"] = copy_done;
  j["throttled"] = !throttle_reason.empty();
  j["throttle_reason"] = throttle_reason;
  j["binlog_position"] = binlog_position;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string json_escape(std::string_view text) {
  // nlohmann-json writes the string; the quotes around it are the caller's.
  const std::string quoted =
      nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

void ProgressCounters::mark_copy_started(SteadyTime at) {
  std::int64_t expected = 0;
  copy_start_.compare_exchange_strong(expected, ticks(at));
}

void ProgressCounters::mark_copy_done(SteadyTime at) {
  std::int64_t expected = 0;
  copy_end_.compare_exchange_strong(expected, ticks(at));
}

ProgressSnapshot ProgressCounters::snapshot(SteadyTime now, std::string state) const {
  ProgressSnapshot s;
  s.state = std::move(state);
  s.rows_copied = rows_copied.load();
  s.rows_estimated = rows_estimated.load();
  s.chunks_copied = chunks_copied.load();
  s.rows_resumed = rows_resumed.load();
  std::uint64_t total = 0;
  std::array<std::uint64_t, kLockHoldBucketsMs.size() + 1> counts{};
  for (std::size_t i = 0; i < counts.size(); ++i) total += counts[i] = lock_hold_buckets[i].load();
  s.copy_statements = total;
  s.copy_lock_hold_max_ms = (lock_hold_max_us.load() + 999) / 1000;
  if (total > 0) {
    const std::uint64_t rank = (total * 99 + 99) / 100;  // the 99th percentile's rank, 1-based
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      seen += counts[i];
      if (seen >= rank) {
        // Above the last bound: the max is the best bound known.
        s.copy_lock_hold_p99_ms = i < kLockHoldBucketsMs.size()
                                      ? std::min(kLockHoldBucketsMs[i], s.copy_lock_hold_max_ms)
                                      : s.copy_lock_hold_max_ms;
        break;
      }
    }
  }
  s.checksum_rows = checksum_rows.load();
  s.checksum_rows_repaired = checksum_rows_repaired.load();
  s.copy_yielded_ms = copy_yielded_ms.load();
  s.events_applied = events_applied.load();
  s.backlog = backlog.load();
  s.applier_lag_ms = applier_lag_ms.load();
  s.copy_threads = copy_threads.load();
  if (const auto ppm = key_range_ppm.load()) s.key_range_percent = static_cast<double>(ppm) / 1e4;
  const auto start = copy_start_.load(), end = copy_end_.load();
  s.copy_started = start != 0;
  s.copy_done = end != 0;
  if (s.copy_started) {
    const auto until = s.copy_done ? end : ticks(now);
    s.copy_elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(
        SteadyTime::duration(std::max<std::int64_t>(0, until - start)));
  }
  return s;
}

}  // namespace ghostcut::engine
