// Row changes per second on the migrated table over a sliding window (--cut-over-when-quiet).
// The applier adds the rows of each applied transaction; the scheduler reads rate(). Thread-safe
// (one mutex, held for a few dozen additions). Counts sit in 100 ms buckets, so memory is bounded
// by the window (600 buckets for 60 s) whatever the write rate.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>

#include "engine/metrics/progress.h"

namespace ghostcut::engine {

class ChangeRateMeter {
 public:
  static constexpr std::chrono::milliseconds kBucket{100};

  // `started` is when measuring began: until a whole window has passed, the rate is taken over the
  // time since then (so a busy table does not look quiet just after start-up).
  explicit ChangeRateMeter(std::chrono::seconds window, SteadyTime started = std::chrono::steady_clock::now());

  void add(SteadyTime at, std::uint64_t rows);
  // rows/s over the last min(window, now - started) (at least one bucket long).
  double rate(SteadyTime now) const;
  std::chrono::seconds window() const { return window_; }

 private:
  struct Bucket {
    SteadyTime start;
    std::uint64_t rows;
  };
  void drop_before(SteadyTime cutoff) const;

  const std::chrono::seconds window_;
  const SteadyTime started_;
  mutable std::mutex mutex_;
  mutable std::deque<Bucket> buckets_;  // oldest first
};

}  // namespace ghostcut::engine
