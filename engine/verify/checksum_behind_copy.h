// Step 5, begun during step 4: the checksum behind the copy. The copy keeps one core of the server
// busy (its INSERT … SELECT is one thread there) and leaves the others mostly idle; meanwhile the
// chunks already copied (below the copy's low-water mark) are compared, a few at a time, each run on
// one lock-free snapshot pair (checksum.h): writers never wait, and the pages are still in the
// buffer pool. The checksum after the copy then starts where this one got to.
//
// Why a range proven equal while the copy runs is proven as well as after it: a chunk's copy
// committed before the pair's snapshot of t (position P), so from the copy's commit on, the ghost's
// rows in that range are the original's through every transaction the applier applied — through P,
// at the pair's instant (run_to). Other copy chunks write other key ranges. Later writes to the range
// reach the ghost through the applier, as they do after any checksum's instant.
//
// Only where it can be done without a lock (the server tells a snapshot's binlog position), a chunk
// key the checksum can walk, and not while the throttle holds or the applier lags (it rests after each
// run as the copy rests after a chunk, --nice-ratio). It never repairs or fails: a chunk that differs stops it, and the
// checksum after the copy finds, repairs or reports that chunk as it would anyway. An error stops it too (logged); the
// rest is then compared after.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "engine/resume/copy_progress.h"
#include "engine/run/context.h"
#include "engine/sql/query_builder.h"

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

  // Starts comparing behind `mark` (the copy's progress_mark) on a thread of its own.
  ChecksumBehindCopy(MigrationContext& m, Sync& sync, std::function<CopyRangeProgress()> mark);
  ~ChecksumBehindCopy();  // finish()
  ChecksumBehindCopy(const ChecksumBehindCopy&) = delete;
  ChecksumBehindCopy& operator=(const ChecksumBehindCopy&) = delete;

  // Stops it (after the chunk in hand) and tells how far it got.
  Verified finish();

 private:
  void run(std::stop_token stop);

  MigrationContext& m_;
  Sync& sync_;
  std::function<CopyRangeProgress()> mark_;
  std::mutex mu_;
  Verified verified_;  // guarded by mu_
  std::jthread thread_;
};

}  // namespace ghostcut::engine
