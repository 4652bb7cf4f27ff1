// PURE keyset chunking. The copy walks the chosen unique key from its min to its max in chunks
// of (lower, upper]: each chunk's end is found with QueryBuilder::next_chunk_end_query (a LIMIT N
// scan of the index, gh-ost style), so chunks hold N rows however sparse the key is.
// Chunker does no SQL: the copier runs the query and feeds the answer back. It is not
// thread-safe; with several copier threads one of them (under a mutex) asks for the next chunk.
//
// DynamicChunkSizer picks N: it moves the size toward the one that would have taken the target
// time (default 50 ms), growing at most x1.5 per step (a fast chunk may be luck) and shrinking
// at most /4 per step. Shrinking is faster than growing on purpose: a slow chunk holds its
// shared locks and delays writers and replicas, so a chunk 8x too slow is back on target in two
// steps, while one noisy slow chunk still costs only ~3.5 steps to recover from.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>

#include "binlog/error.h"
#include "engine/control/runtime_settings.h"
#include "engine/sql/query_builder.h"

namespace ghostcut::engine {

struct Chunk {
  std::optional<KeyTuple> lower;  // nullopt: unbounded below
  KeyTuple upper;                 // inclusive
  bool first = false;             // the first chunk: `lower` (the min key) is inclusive
  bool lower_inclusive() const { return first; }
  bool operator==(const Chunk&) const = default;
};

class Chunker {
 public:
  // A fresh copy of [min, max]. Build one only when the table has rows (min/max queries
  // returned a row); rows inserted later are the binlog's job.
  Chunker(KeyTuple min, KeyTuple max);
  // Resume after `last_copied` (exclusive), e.g. a checkpoint's copy low watermark.
  [[nodiscard]] static Chunker resume_after(KeyTuple last_copied, KeyTuple max);

  // Arguments for QueryBuilder::next_chunk_end_query.
  const std::optional<KeyTuple>& lower_bound() const { return lower_; }
  bool lower_inclusive() const { return first_; }
  const KeyTuple& max() const { return max_; }

  bool done() const { return done_; }
  std::uint64_t chunks_issued() const { return chunks_; }
  // The last key handed out (the copy low watermark once that chunk is copied), if any.
  const std::optional<KeyTuple>& last_upper() const { return last_upper_; }

  // The next-chunk-end query returned `end`: the chunk to copy. Reaching max() ends the walk.
  // Errors (bad_value): called after done(), or `end` has the wrong number of values.
  [[nodiscard]] Result<Chunk> advance(KeyTuple end);
  // The next-chunk-end query returned no row: nothing is left.
  void finish() { done_ = true; }

 private:
  Chunker(std::optional<KeyTuple> lower, bool first, KeyTuple max);
  std::optional<KeyTuple> lower_;
  bool first_;
  KeyTuple max_;
  std::optional<KeyTuple> last_upper_;
  bool done_ = false;
  std::uint64_t chunks_ = 0;
};

struct ChunkSizerConfig {
  std::chrono::milliseconds target{50};
  std::uint64_t initial = 1000;
  std::uint64_t min_size = kMinChunkSize;
  std::uint64_t max_size = kMaxChunkSize;
  double max_growth = 1.5;  // per step
  double max_shrink = 4.0;  // per step (divisor)
};

// Not thread-safe (the copier calls it under the same mutex as the Chunker).
//
// Manual override: when an operator sets chunk-size=N (RuntimeSettings::chunk_size() != 0),
// the size is fixed at N and measurements are ignored — the operator usually sets it to bound
// load, so we must not drift away from it. Setting chunk-size=0 hands control back and the
// adaptation starts from N (the size known to be tolerable), not from the old adaptive size.
class DynamicChunkSizer {
 public:
  explicit DynamicChunkSizer(ChunkSizerConfig config = {});

  // Pass RuntimeSettings::chunk_size() before each chunk: 0 = adapt, N = fixed at N.
  void set_override(std::uint64_t n);
  bool adaptive() const { return override_ == 0; }
  std::uint64_t next_size() const { return override_ ? override_ : current_; }
  // A chunk of `size_used` keys took `took` to copy.
  void record(std::uint64_t size_used, std::chrono::nanoseconds took);

 private:
  std::uint64_t clamp(double size) const;
  ChunkSizerConfig config_;
  std::uint64_t current_;
  std::uint64_t override_ = 0;
};

}  // namespace ghostcut::engine
