// Copy and applier progress. ProgressCounters are atomics that the copier and applier bump;
// snapshot() copies them into a plain ProgressSnapshot, whose formatting is PURE (a time is
// passed in, never read inside), so status text, rate and ETA are unit-testable.
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ghostcut::engine {

using SteadyTime = std::chrono::steady_clock::time_point;

// Bucket upper bounds (ms) for the copy statements' lock hold; the last bucket is everything above.
inline constexpr std::array<std::uint64_t, 10> kLockHoldBucketsMs = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000};

struct ProgressSnapshot {
  std::string state;  // e.g. "copying", "throttled: max-lag", "postponing cut-over" (from the caller)
  std::uint64_t rows_copied = 0;
  std::uint64_t rows_estimated = 0;  // from information_schema: may be below the real count
  std::uint64_t chunks_copied = 0;
  std::uint64_t events_applied = 0;
  std::uint64_t backlog = 0;  // transactions waiting for the applier
  std::uint64_t applier_lag_ms = 0;
  std::uint64_t copy_threads = 0;
  // The copy statements' durations: a writer waits on the copier's row locks at most that long.
  std::uint64_t copy_lock_hold_p99_ms = 0;  // the bucket bound (kLockHoldBucketsMs) at the 99th percentile
  std::uint64_t copy_lock_hold_max_ms = 0;
  std::uint64_t copy_statements = 0;
  std::uint64_t rows_resumed = 0;            // rows an interrupted run copied that this one did not copy again
  std::uint64_t checksum_rows = 0;           // rows compared by the checksum so far
  std::uint64_t checksum_rows_repaired = 0;  // rows it copied again after a difference
  std::uint64_t copy_yielded_ms = 0;         // time the copy waited for a lagging applier (binlog first)
  std::optional<double> key_range_percent;   // coverage of the chunk key's range, when known
  bool copy_started = false;
  bool copy_done = false;
  std::chrono::nanoseconds copy_elapsed{0};  // start → done, or start → now while copying
  // Filled by the migrator (not by ProgressCounters): empty/zero ones are left out of the line.
  std::string throttle_reason;            // "lag: replica 127.0.0.1:3307 lag 2.1s > 1.5s"; empty = not throttled
  std::string binlog_position;            // applier position, "mysql-bin.000003:4711"
  std::chrono::seconds total_elapsed{0};  // since the migration started; 0 = use copy_elapsed

  // 0..100: key-range coverage when known (exact where row estimates are not), else rows over the
  // estimate, capped at 100 when the estimate was low; 100 once the copy is done.
  double percent() const;
  // 0 before any time has passed.
  double rows_per_second() const;
  // Time left at the current rate: 0 when done or past the estimate ("due"); nullopt when
  // unknown (not started, or no rows yet).
  std::optional<std::chrono::seconds> eta() const;
  std::chrono::seconds elapsed_seconds() const;  // total_elapsed, else the copy's

  // Copy: 412000/1000000 41.2%; Applier: backlog 12, lag 0.15s; State: copying;
  // Rate: 52000 rows/s; ETA: 11s; Elapsed: 8s[; Throttled: lag: …][; Binlog: file:pos]
  std::string status_line() const;
  // {"state":"copying","rows_copied":412000,...,"eta_seconds":11,...} (eta_seconds null when unknown;
  // elapsed_seconds is total_elapsed when set, copy_elapsed_seconds the copy's own time)
  std::string to_json() const;
  bool operator==(const ProgressSnapshot&) const = default;
};

struct ProgressCounters {
  std::atomic<std::uint64_t> rows_copied{0};
  std::atomic<std::uint64_t> rows_estimated{0};
  std::atomic<std::uint64_t> chunks_copied{0};
  std::atomic<std::uint64_t> events_applied{0};
  std::atomic<std::uint64_t> backlog{0};
  std::atomic<std::uint64_t> applier_lag_ms{0};
  std::atomic<std::uint64_t> copy_threads{0};  // copier workers not parked
  std::atomic<std::uint64_t> key_range_ppm{
      0};  // share of an integer chunk key's range copied, per million (0 = unknown)
  std::atomic<std::uint64_t> rows_resumed{0};
  std::array<std::atomic<std::uint64_t>, kLockHoldBucketsMs.size() + 1> lock_hold_buckets{};
  std::atomic<std::uint64_t> lock_hold_max_us{0};
  std::atomic<std::uint64_t> checksum_rows{0};
  std::atomic<std::uint64_t> checksum_rows_repaired{0};
  // The checksum behind the copy ended on its own (a chunk differed, an error, no lock-free
  // snapshots) before the copy did; the checksum after the copy compares the rest.
  std::atomic<bool> checksum_behind_copy_ended{false};
  std::atomic<std::uint64_t> copy_yielded_ms{0};
  std::atomic<std::uint64_t> copy_yielding{0};   // copy workers waiting for the applier now
  std::atomic<std::uint64_t> lock_conflicts{0};  // copier/applier deadlocks and lock wait timeouts retried

  // One copy statement (locks held from its first row read to its end) took `d`.
  void record_lock_hold(std::chrono::nanoseconds d);
  // The first call wins (a resumed or retried copy keeps its original start).
  void mark_copy_started(SteadyTime at);
  void mark_copy_done(SteadyTime at);
  ProgressSnapshot snapshot(SteadyTime now, std::string state) const;

 private:
  // steady_clock ticks since its epoch; 0 = not yet.
  std::atomic<std::int64_t> copy_start_{0};
  std::atomic<std::int64_t> copy_end_{0};
};

// "8s", "1m05s", "2h03m04s"; negative counts as 0.
std::string format_duration(std::chrono::seconds d);
// JSON string body: escapes " \ and control characters; other bytes (UTF-8) pass through.
std::string json_escape(std::string_view text);

}  // namespace ghostcut::engine
