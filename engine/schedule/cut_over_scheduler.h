// Whether a migration that is ready to cut over may do so now: the PURE decision over the
// operator's cut-over windows, the quiet threshold and the deadline. The caller passes the time and
// the measured change rate, and re-asks every poll (a window may close during cut-over retries).
//   forced (control-socket "cut-over")          -> go, whatever the windows and the rate say
//   every window closed, or the table busy       -> wait (reason, next opening)
//   ... and the deadline has passed               -> fail, or go with cut_over_at_deadline
//   otherwise                                     -> go
// No conditions at all means go.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/schedule/cut_over_window.h"

namespace ghostcut::engine {

struct CutOverPolicy {
  std::vector<CutOverWindow> windows;           // empty: any time
  std::optional<double> quiet_rows_per_second;  // cut over only below this rate
  std::optional<std::chrono::system_clock::time_point> deadline;
  bool cut_over_at_deadline = false;  // at the deadline: go (true) or fail (false)

  // For the start-up log: "cut-over windows: Mon-Fri 22:30-01:00 UTC; when quiet: < 100 row
  // changes/s; deadline 2026-11-27 06:00 CET (then fail)", or "cut-over: as soon as ready".
  std::string describe() const;
};

enum class CutOverVerdict { kGo, kWait, kFailDeadline };
std::string_view to_string(CutOverVerdict v);  // "go", "wait", "fail-deadline"

struct CutOverDecision {
  CutOverVerdict verdict = CutOverVerdict::kGo;
  // Why, for logs and status: "outside cut-over windows; next opens 2026-11-26 22:30 UTC (in 1h05m)",
  // "table busy: 812 row changes/s >= 100", "deadline 2026-11-27 06:00 UTC passed without a window".
  std::string reason;
  std::optional<std::chrono::system_clock::time_point> next_open;  // set when waiting for a window
};

// change_rate: rows/s from ChangeRateMeter, nullopt when not measured (then a quiet threshold waits).
CutOverDecision decide_cut_over(const CutOverPolicy& p, std::chrono::system_clock::time_point now,
                                std::optional<double> change_rate, bool forced);

// While the operator holds the cut-over (postpone flag file or command): a passed deadline still fails
// the run (kFailDeadline), unless cut_over_at_deadline — an explicit hold outranks "cut over anyway",
// so then it keeps waiting (kWait, with the reason). Otherwise kWait with an empty reason.
CutOverDecision decide_while_postponed(const CutOverPolicy& p, std::chrono::system_clock::time_point now);

// "812", "3.5", "0" — the rate as the reasons write it.
std::string format_rate(double rows_per_second);

}  // namespace ghostcut::engine
