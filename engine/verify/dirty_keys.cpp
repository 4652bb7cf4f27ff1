#include "engine/verify/dirty_keys.h"

#include <algorithm>

namespace ghostcut::engine {

__int128 floor_div(__int128 a, __int128 b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

DirtyKeys::DirtyKeys(__int128 chunk, __int128 bucket, std::size_t max_buckets)
    : chunk_(std::max<__int128>(1, chunk)), bucket_(std::max<__int128>(1, bucket)), max_(max_buckets) {}

void DirtyKeys::cover(__int128 through) { covered_ = std::max(covered_.value_or(through), through); }

void DirtyKeys::settle(std::optional<__int128> proven) {
  covered_ = proven;
  if (!proven) dirty_.clear();
  else dirty_.erase(dirty_.upper_bound(floor_div(*proven, bucket_)), dirty_.end());
}

void DirtyKeys::written(__int128 key) {
  if (!covered_ || all_ || key > *covered_) return;
  dirty_.insert(floor_div(key, bucket_));
  if (dirty_.size() <= max_) return;
  const __int128 wider = bucket_ * 16;
  std::set<__int128> merged;
  for (const auto b : dirty_) merged.insert(floor_div(b * bucket_, wider));
  dirty_ = std::move(merged);
  bucket_ = wider;
}

std::vector<std::pair<std::optional<__int128>, __int128>> DirtyKeys::ranges(__int128 top, __int128 lowest) const {
  std::vector<std::pair<std::optional<__int128>, __int128>> out;
  std::optional<std::pair<__int128, __int128>> run;  // [first, last] key values
  auto flush = [&] {
    if (!run) return;
    out.emplace_back(run->first <= lowest ? std::nullopt : std::optional<__int128>(run->first - 1), run->second);
    run.reset();
  };
  auto add = [&](__int128 first, __int128 last) {  // in ascending order
    for (__int128 from = first; from <= last; from += chunk_) {
      const __int128 to = std::min(last, from + chunk_ - 1);
      if (run && run->second + 1 == from && to - run->first < chunk_) run->second = to;
      else {
        flush();
        run = std::pair{from, to};
      }
    }
  };
  if (all_) return {{std::nullopt, top}};  // one range, all that is proven (never with an integer key)
  for (const auto b : dirty_) {
    const __int128 first = std::max(lowest, b * bucket_), last = std::min(top, b * bucket_ + bucket_ - 1);
    if (first > top) break;
    add(first, last);
  }
  flush();
  return out;
}

}  // namespace ghostcut::engine
