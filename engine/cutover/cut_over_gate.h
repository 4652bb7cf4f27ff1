// CutOverGate: step 6's wait. The cut-over is tried only when nothing postpones it (operator,
// flag file), the schedule allows it (windows, quiet table, deadline), nothing throttles, the
// applier is close behind (so the drain under the lock is short), any retry backoff has passed
// and the on-before-cut-over hook agrees. Until then the ghost is kept in sync. It wakes at once
// when a live setting changes (postpone, cut-over, window=), otherwise re-checks every 50 ms.
// The same gate, the same attempt loop (attempts()), guards both swaps: the copy's cut-over and
// the instant ALTER (engine/cutover/instant_phase.h); GateSignals is what each run tells it.
#pragma once
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "engine/cutover/cutover.h"
#include "engine/run/context.h"
#include "engine/schedule/cut_over_scheduler.h"
#include "engine/throttle/throttle_state.h"

namespace ghostcut::engine {

// What the gate asks of the run it guards (Sync for the copy).
class GateSignals {
 public:
  virtual ~GateSignals() = default;
  // Throws the first failure of any part of the run.
  virtual void check_failures() const = 0;
  // Row changes/s on the table (--cut-over-when-quiet).
  virtual double change_rate() const = 0;
  virtual ThrottleStatus throttle_status() const = 0;
  // Why the run is not ready for the swap yet (nullopt: ready).
  virtual std::optional<std::string> not_caught_up(std::chrono::milliseconds threshold) const = 0;
};

class CutOverGate {
 public:
  CutOverGate(MigrationContext& m, GateSignals& sync);
  // Returns when an attempt may start; throws on a failure of any part or a passed deadline.
  void wait_until_open();
  // After an aborted attempt: no new one before `until`.
  void hold_off(std::chrono::steady_clock::time_point until) { next_try_ = until; }
  // #15: asked before each attempt once everything else lets it go; a reason holds the attempt
  // (shown as postponed) and the gate asks again (the query-plan check, engine/verify/plan_check.h).
  void hold_while(std::function<std::optional<std::string>()> check) { hold_ = std::move(check); }

  // The attempt loop (`what` names it in logs, `detail` in the status): wait until the gate opens, `attempt(n)`; an
  // attempt that throws CutOverAborted was undone (the original intact): `undone()`, count its stall, and after
  // --cut-over-retries such attempts give up, else hold off the backoff and go back to the gate —
  // a window may have closed meanwhile. Other errors go to the caller as they are.
  template <typename Attempt, typename Undone>
  auto attempts(const char* what, const std::string& detail, Attempt&& attempt, Undone&& undone)
      -> decltype(attempt(1)) {
    using Clock = std::chrono::steady_clock;
    for (int n = 1;; ++n) {
      wait_until_open();
      m_.status.set_state(Phase::kCuttingOver, detail);
      const auto t0 = Clock::now();
      try {
        return attempt(n);
      } catch (const CutOverAborted& e) {
        undone();
        // An aborted attempt held writers at most this long (its lock wait, bounded by the timeout).
        m_.status.record_cut_over_attempt(n, Clock::now() - t0);
        if (n > m_.config.cut_over.retries) throw;
        sync_.check_failures();
        m_.log->warn("{}: {}; original intact; retrying in {} ms", what, e.what(),
                     m_.config.cut_over.retry_backoff.count());
        hold_off(Clock::now() + m_.config.cut_over.retry_backoff);
      }
    }
  }

 private:
  // Why not yet, and in which phase that leaves the migration; empty: open.
  struct Closed {
    Phase phase = Phase::kWaitingForCutOver;
    std::string why;
  };
  Closed check();
  void wait(std::uint64_t seen, Closed closed);

  MigrationContext& m_;
  GateSignals& sync_;
  CutOverPolicy policy_;
  bool announced_postpone_ = false;
  std::string last_wait_;
  std::chrono::steady_clock::time_point next_try_;
  std::function<std::optional<std::string>()> hold_;
};

}  // namespace ghostcut::engine
