// The checksum behind the copy's note of what the applier wrote into ranges it already proved
// (checksum_behind_copy.h): integer key values in buckets of `bucket` values, made 16 times wider
// whenever there are more than `max_buckets` (memory stays bounded, a recheck grows coarser).
// Not thread-safe: its owner locks.
#pragma once
#include <cstddef>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace ghostcut::engine {

class DirtyKeys {
 public:
  // `chunk`: the widest range ranges() hands out (the checksum's chunk).
  explicit DirtyKeys(__int128 chunk, __int128 bucket = 64, std::size_t max_buckets = 4096);

  // From now on, writes at or below `through` dirty their bucket (a pair at that instant proves them).
  void cover(__int128 through);
  // After a run: only what is proven (nullopt: nothing) stays covered; buckets above it go.
  void settle(std::optional<__int128> proven);
  // A write the applier committed.
  void written(__int128 key);
  // A write whose key is not known: everything proven is compared again, as one range.
  void all() { all_ = true; }

  // The ranges (lower exclusive, nullopt: from the lowest value; upper inclusive) to compare again,
  // within what is proven up to `top`; neighbours merged and every range at most `chunk` values wide.
  // `lowest`: the key type's least value.
  std::vector<std::pair<std::optional<__int128>, __int128>> ranges(__int128 top, __int128 lowest) const;
  __int128 bucket_width() const { return bucket_; }
  std::size_t buckets() const { return dirty_.size(); }

 private:
  __int128 chunk_, bucket_;
  std::size_t max_;
  std::optional<__int128> covered_;
  std::set<__int128> dirty_;  // floor(key / bucket_)
  bool all_ = false;
};

// floor(a / b) for b > 0, also for negative a.
__int128 floor_div(__int128 a, __int128 b);

}  // namespace ghostcut::engine
