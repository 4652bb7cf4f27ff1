#include "engine/schedule/change_rate_meter.h"

#include <algorithm>

namespace ghostcut::engine {

ChangeRateMeter::ChangeRateMeter(std::chrono::seconds window, SteadyTime started)
    : window_(std::max(window, std::chrono::seconds(1))), started_(started) {}

void ChangeRateMeter::drop_before(SteadyTime cutoff) const {
  while (!buckets_.empty() && buckets_.front().start + kBucket <= cutoff) buckets_.pop_front();
}

void ChangeRateMeter::add(SteadyTime at, std::uint64_t rows) {
  if (rows == 0) return;
  // Bucket starts are multiples of kBucket since started_, so buckets never overlap.
  // (A time before started_ counts in the first bucket.)
  const auto offset =
      std::max(std::chrono::floor<std::chrono::milliseconds>(at - started_), std::chrono::milliseconds(0));
  const auto slot = started_ + (offset - offset % kBucket);
  std::lock_guard lock(mutex_);
  if (!buckets_.empty() && buckets_.back().start == slot) {
    buckets_.back().rows += rows;
  } else if (!buckets_.empty() && slot < buckets_.back().start) {
    // A late add (clock read before another thread's add): count it in the bucket it belongs to.
    auto it = std::find_if(buckets_.rbegin(), buckets_.rend(), [&](const Bucket& b) { return b.start <= slot; });
    if (it != buckets_.rend() && it->start == slot) it->rows += rows;
    else buckets_.insert(it.base(), Bucket{slot, rows});
  } else {
    buckets_.push_back(Bucket{slot, rows});
  }
  drop_before(at - window_);
}

double ChangeRateMeter::rate(SteadyTime now) const {
  const auto span = std::clamp<SteadyTime::duration>(now - started_, kBucket, window_);
  const auto cutoff = now - span;
  std::lock_guard lock(mutex_);
  drop_before(now - window_);
  std::uint64_t rows = 0;
  for (const auto& b : buckets_)
    if (b.start + kBucket > cutoff && b.start <= now) rows += b.rows;
  return static_cast<double>(rows) / std::chrono::duration<double>(span).count();
}

}  // namespace ghostcut::engine
