// The row copy's shared bookkeeping, apart from the SQL its workers run (engine/copy/copier.cpp):
// the chunker and the adaptive sizer under one mutex, chunking a dense integer key by value, the
// key-range coverage behind the progress percentage, and the low-water mark the checkpoint reads.
#pragma once
#include <atomic>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "engine/control/runtime_settings.h"
#include "engine/copy/chunk_copy.h"
#include "engine/copy/chunker.h"
#include "engine/copy/copier.h"
#include "engine/inspect/plan.h"
#include "engine/metrics/progress.h"
#include "engine/resume/copy_progress.h"
#include "engine/sql/result.h"

namespace ghostcut::engine {

// The low-water mark: chunks are handed out in key order with a sequence number; the mark moves
// up over the longest prefix of finished ones, so it stays below every chunk still in flight.
// Its own mutex, never held across SQL: the checkpoint writer reads it without waiting on a chunk.
struct Copier::Watermark {
  mutable std::mutex mu;
  CopyRangeProgress mark;
  std::uint64_t skipped = 0;
  std::uint64_t next_seq = 0;
  struct InFlight {
    KeyTuple upper;
    bool done = false;
    std::uint64_t rows = 0;
  };
  std::map<std::uint64_t, InFlight> in_flight;

  std::uint64_t issue(const KeyTuple& upper) {
    std::lock_guard lk(mu);
    in_flight.emplace(next_seq, InFlight{upper, false, 0});
    return next_seq++;
  }
  void complete(std::uint64_t seq, std::uint64_t rows) {
    std::lock_guard lk(mu);
    auto it = in_flight.find(seq);
    if (it == in_flight.end()) return;
    it->second.done = true;
    it->second.rows = rows;
    while (!in_flight.empty() && in_flight.begin()->second.done) {
      mark.low_water = std::move(in_flight.begin()->second.upper);
      mark.rows_below += in_flight.begin()->second.rows;
      in_flight.erase(in_flight.begin());
    }
  }
};

namespace copy_detail {

// What the copy's workers share; `mu` guards the chunker, the sizer and the error.
struct CopyState {
  const MigrationPlan& plan;
  RuntimeSettings& runtime;
  ProgressCounters& progress;
  const CopierConfig& config;
  spdlog::logger& log;
  Copier::Watermark& mark;
  ChunkCopy copy;
  std::vector<bool> key_is_int;

  std::mutex mu;  // guards chunker, sizer, error
  std::optional<Chunker> chunker;
  DynamicChunkSizer sizer;
  std::exception_ptr error;
  std::atomic<bool> done{false};
  std::stop_source stop;    // the caller's stop, or a failure
  bool arithmetic = false;  // guarded by mu: chunk a dense integer key by value (see arithmetic_chunk_end)
  // Key-range coverage for a single integer key (progress % that does not trust row estimates).
  std::optional<__int128> key_lo, key_hi;
  long double covered = 0;  // guarded by mu: key span of the chunks copied so far

  static std::optional<__int128> as_i128(const SqlParam& p) {
    if (const auto* v = std::get_if<std::int64_t>(&p)) return *v;
    if (const auto* v = std::get_if<std::uint64_t>(&p)) return *v;
    return std::nullopt;
  }
  // Called under mu after a chunk is copied.
  void record_coverage(const Chunk& c);

  // Bounds are read and bound as typed values in the index's order (key_bounds.h).
  KeyTuple key_tuple(const std::vector<Cell>& row) const;

  // The first failure is kept; every worker stops.
  void fail(std::exception_ptr e);
};

// A single integer key is chunked by value: [lower, lower + size) capped at the max key, with no
// query to find the chunk's end (Spirit's optimistic chunker). That halves the rows read per chunk;
// gaps only make a chunk hold fewer rows, and the sizer adapts to the time chunks take.
std::optional<KeyTuple> arithmetic_chunk_end(const CopyState& s, std::uint64_t size);

// Once the chunker knows the key range (`min`: the first key row, empty when none): chunk by value
// only when the key is dense (span at most twice the estimated rows), so value ranges hold about as
// many rows as asked for (a sparse key keeps the end-finding query); and for a single integer key,
// count the key span copied for the progress percentage.
void plan_key_chunking(CopyState& s, const ResultTable& min, std::uint64_t estimated_rows);

}  // namespace copy_detail
}  // namespace ghostcut::engine
