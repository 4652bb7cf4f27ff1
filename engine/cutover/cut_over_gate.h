// CutOverGate: step 6's wait. The cut-over is tried only when nothing postpones it (operator,
// flag file), the schedule allows it (windows, quiet table, deadline), nothing throttles, the
// applier is close behind (so the drain under the lock is short), any retry backoff has passed
// and the on-before-cut-over hook agrees. Until then the ghost is kept in sync. It wakes at once
// when a live setting changes (postpone, cut-over, window=), otherwise re-checks every 50 ms.
#pragma once
#include <chrono>
#include <string>

#include "engine/run/context.h"
#include "engine/schedule/cut_over_scheduler.h"

namespace ghostcut::engine {

class Sync;

class CutOverGate {
 public:
  CutOverGate(MigrationContext& m, Sync& sync);
  // Returns when an attempt may start; throws on a failure of any part or a passed deadline.
  void wait_until_open();
  // After an aborted attempt: no new one before `until`.
  void hold_off(std::chrono::steady_clock::time_point until) { next_try_ = until; }

 private:
  // Why not yet, and in which phase that leaves the migration; empty: open.
  struct Closed {
    Phase phase = Phase::kWaitingForCutOver;
    std::string why;
  };
  Closed check();
  void wait(std::uint64_t seen, Closed closed);

  MigrationContext& m_;
  Sync& sync_;
  CutOverPolicy policy_;
  bool announced_postpone_ = false;
  std::string last_wait_;
  std::chrono::steady_clock::time_point next_try_;
};

}  // namespace ghostcut::engine
