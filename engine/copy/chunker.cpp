#include "engine/copy/chunker.h"

#include <algorithm>
#include <cmath>

namespace ghostcut::engine {

Chunker::Chunker(KeyTuple min, KeyTuple max) : Chunker(std::optional<KeyTuple>(std::move(min)), true, std::move(max)) {}

Chunker::Chunker(std::optional<KeyTuple> lower, bool first, KeyTuple max)
    : lower_(std::move(lower)), first_(first), max_(std::move(max)) {}

Chunker Chunker::resume_after(KeyTuple last_copied, KeyTuple max) {
  Chunker c(std::optional<KeyTuple>(std::move(last_copied)), false, std::move(max));
  c.last_upper_ = c.lower_;
  c.done_ = *c.lower_ == c.max_;
  return c;
}

Result<Chunk> Chunker::advance(KeyTuple end) {
  if (done_) return Error(binlog::Errc::kBadValue, "chunker advanced after the last chunk");
  if (end.size() != max_.size())
    return Error(binlog::Errc::kBadValue,
                 "chunk end has " + std::to_string(end.size()) + " values, key has " + std::to_string(max_.size()));
  Chunk chunk{lower_, end, first_};
  lower_ = end;
  last_upper_ = std::move(end);
  first_ = false;
  ++chunks_;
  // The end came from a scan bounded by max, so equal means nothing is left: skip one query.
  if (*last_upper_ == max_) done_ = true;
  return chunk;
}

DynamicChunkSizer::DynamicChunkSizer(ChunkSizerConfig config) : config_(config), current_(0) {
  if (config_.min_size == 0) config_.min_size = 1;
  if (config_.max_size < config_.min_size) config_.max_size = config_.min_size;
  if (!(config_.max_growth >= 1.0)) config_.max_growth = 1.0;  // also catches NaN
  if (!(config_.max_shrink >= 1.0)) config_.max_shrink = 1.0;
  current_ = clamp(static_cast<double>(config_.initial));
}

std::uint64_t DynamicChunkSizer::clamp(double size) const {
  const double lo = static_cast<double>(config_.min_size), hi = static_cast<double>(config_.max_size);
  return static_cast<std::uint64_t>(std::llround(std::clamp(size, lo, hi)));
}

void DynamicChunkSizer::set_override(std::uint64_t n) {
  if (n != 0) {
    override_ = n;
  } else if (override_ != 0) {
    current_ = clamp(static_cast<double>(override_));
    override_ = 0;
  }
}

void DynamicChunkSizer::record(std::uint64_t size_used, std::chrono::nanoseconds took) {
  if (override_ != 0 || size_used == 0) return;
  const double used = static_cast<double>(size_used);
  const double hi = used * config_.max_growth, lo = used / config_.max_shrink;
  double ideal = hi;  // a chunk that took no measurable time: grow as fast as allowed
  if (took.count() > 0) {
    const auto target = std::chrono::duration_cast<std::chrono::nanoseconds>(config_.target).count();
    ideal = used * static_cast<double>(target) / static_cast<double>(took.count());
  }
  current_ = clamp(std::clamp(ideal, lo, hi));
}

}  // namespace ghostcut::engine
