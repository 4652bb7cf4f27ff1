// Step 5, begun during step 4: the checksum behind the copy. A one-thread copy keeps one core of the
// server busy (its INSERT … SELECT runs on one thread there); meanwhile the chunks already copied
// (below the copy's low-water mark) are compared, a few at a time, each run on one lock-free
// snapshot pair (checksum.h): writers never wait, and the pages are still in the buffer pool. The
// checksum after the copy then starts where this one got to.
//
// Why a range proven equal while the copy runs is proven as well as after it: a chunk's copy
// committed before the pair's snapshot of t (position P), so from the copy's commit on, the ghost's
// rows in that range are the original's through every transaction the applier applied — through P,
// at the pair's instant (run_to). Other copy chunks write other key ranges.
// What the applier writes into a proven range afterwards is compared again: every committed batch's
// keys are watched, and the small buckets they fall in (below what was proven when the batch
// landed) are handed to the checksum after the copy (rechecks()) — watched until that checksum has
// its snapshots. So every applier write before the final checksum's instant is compared, as
// without this. What is not compared again: a proven row changed without the applier writing it
// (a write to t with sql_log_bin=0, an event the stream never delivered) — the whole checksum after
// the copy would see such a row; --checksum-during-copy=off keeps that.
//
// Only where it needs no lock (the server tells a snapshot's binlog position) and the chunk key is
// one integer column the ghost keeps as it is (applies()); not while the throttle holds or the
// applier lags (it rests after each run as the copy rests after a chunk, --nice-ratio). It never
// repairs or fails: a chunk that differs ends it, and the checksum after the copy finds, repairs or
// reports that chunk as it would anyway. An error ends it too (logged).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "engine/apply/apply_sql.h"
#include "engine/resume/copy_progress.h"
#include "engine/run/context.h"
#include "engine/sql/query_builder.h"
#include "engine/verify/dirty_keys.h"

namespace ghostcut::engine {

class Sync;

class ChecksumBehindCopy {
 public:
  struct Verified {
    std::optional<KeyTuple> through;  // every key up to it proven equal; nullopt: none
    std::uint64_t rows = 0, chunks = 0;
    std::chrono::milliseconds busy{0};  // time spent comparing
    bool differed = false;              // a chunk after `through` differed (and ended it)
  };

  // A single integer chunk key, of the same type in the ghost (the checksum walks it in chunks).
  static bool applies(const MigrationPlan& plan);

  // Watches the applier's writes from now on (until destroyed).
  ChecksumBehindCopy(MigrationContext& m, Sync& sync);
  ~ChecksumBehindCopy();
  ChecksumBehindCopy(const ChecksumBehindCopy&) = delete;
  ChecksumBehindCopy& operator=(const ChecksumBehindCopy&) = delete;

  // Compares behind `mark` (the copy's progress_mark) on a thread of its own.
  void start(std::function<CopyRangeProgress()> mark);
  // Stops comparing (after the chunk in hand) and tells how far it got; the watch goes on.
  Verified stop();
  // The ranges (lower, upper] proven equal here that the applier has written since: the checksum
  // after the copy compares them again (ChecksumOptions::recheck).
  std::vector<std::pair<std::optional<KeyTuple>, KeyTuple>> rechecks() const;

 private:
  void run(std::stop_token stop);
  void written(std::span<const RowOp> ops);
  void settle();  // after a run: only what is proven stays covered

  MigrationContext& m_;
  Sync& sync_;
  std::function<CopyRangeProgress()> mark_;
  mutable std::mutex mu_;
  Verified verified_;  // guarded by mu_
  DirtyKeys dirty_;    // guarded by mu_
  std::jthread thread_;
};

}  // namespace ghostcut::engine
