#include "engine/schedule/cut_over_scheduler.h"

#include <cmath>
#include <cstdio>

namespace ghostcut::engine {
namespace {

using namespace std::chrono;

// Times without a window of their own (deadlines) are shown in local time, with the zone's abbreviation.
std::string local_time(system_clock::time_point t) { return format_wall_time(t, WallZone{}); }

std::string in(system_clock::time_point from, system_clock::time_point to) {
  return "in " + format_wait(ceil<seconds>(to - from));
}

std::string windows_text(const std::vector<CutOverWindow>& ws) {
  std::string out;
  for (const auto& w : ws) out += (out.empty() ? "" : "; ") + w.to_string();
  return out;
}

}  // namespace

std::string format_rate(double r) {
  if (!std::isfinite(r) || r < 0) r = 0;
  char buf[48];
  if (r >= 100 || r == std::floor(r)) std::snprintf(buf, sizeof buf, "%.0f", r);
  else std::snprintf(buf, sizeof buf, "%.1f", r);
  return buf;
}

std::string_view to_string(CutOverVerdict v) {
  switch (v) {
    case CutOverVerdict::kGo: return "go";
    case CutOverVerdict::kWait: return "wait";
    case CutOverVerdict::kFailDeadline: return "fail-deadline";
  }
  return "?";
}

std::string CutOverPolicy::describe() const {
  std::string out;
  const auto add = [&](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  if (!windows.empty()) add("cut-over windows: " + windows_text(windows));
  if (quiet_rows_per_second) add("when quiet: < " + format_rate(*quiet_rows_per_second) + " row changes/s");
  if (deadline)
    add("deadline " + local_time(*deadline) + (cut_over_at_deadline ? " (then cut over anyway)" : " (then fail)"));
  return out.empty() ? "cut-over: as soon as ready" : out;
}

CutOverDecision decide_cut_over(const CutOverPolicy& p, system_clock::time_point now, std::optional<double> change_rate,
                                bool forced) {
  if (forced) return {CutOverVerdict::kGo, "cut-over forced from the control socket", std::nullopt};

  const bool in_window = window_open(p.windows, now);
  const bool wants_quiet = p.quiet_rows_per_second.has_value();
  const bool quiet = !wants_quiet || (change_rate && *change_rate < *p.quiet_rows_per_second);

  std::string rate_text;
  if (wants_quiet) {
    const auto limit = format_rate(*p.quiet_rows_per_second);
    rate_text = !change_rate ? "table change rate not measured yet"
                : quiet      ? "table quiet: " + format_rate(*change_rate) + " row changes/s < " + limit
                             : "table busy: " + format_rate(*change_rate) + " row changes/s >= " + limit;
  }

  if (in_window && quiet) {
    std::string why;
    if (!p.windows.empty()) {
      for (const auto& w : p.windows)
        if (window_open(w, now)) {
          const auto closes = close_after(w, now);
          why = "inside cut-over window " + w.to_string() +
                (closes == system_clock::time_point::max() ? " (always open)"
                                                           : " (closes " + format_wall_time(closes, w.zone) + ")");
          break;
        }
    }
    if (wants_quiet) why += (why.empty() ? "" : "; ") + rate_text;
    return {CutOverVerdict::kGo, why.empty() ? "no cut-over conditions" : why, std::nullopt};
  }

  if (p.deadline && now >= *p.deadline) {
    std::string what = "without a window";
    if (in_window)
      what = change_rate ? "while the table stayed busy (" + format_rate(*change_rate) +
                               " row changes/s >= " + format_rate(*p.quiet_rows_per_second) + ")"
                         : "before the table change rate was measured";
    const auto base = "deadline " + local_time(*p.deadline) + " passed " + what;
    if (p.cut_over_at_deadline)
      return {CutOverVerdict::kGo, base + "; cutting over anyway (cut-over-at-deadline)", std::nullopt};
    return {CutOverVerdict::kFailDeadline, base, std::nullopt};
  }

  CutOverDecision d{CutOverVerdict::kWait, "", std::nullopt};
  if (!in_window) {
    const auto at = next_open(p.windows, now);
    d.next_open = at;
    const CutOverWindow* opener = nullptr;
    for (const auto& w : p.windows)
      if (next_open(w, now) == at) opener = &w;
    if (opener && at != system_clock::time_point::max())
      d.reason =
          "outside cut-over windows; next opens " + format_wall_time(at, opener->zone) + " (" + in(now, at) + ")";
    else d.reason = "outside cut-over windows";
  }
  if (!quiet) d.reason += (d.reason.empty() ? "" : "; ") + rate_text;
  if (p.deadline)
    d.reason += "; deadline " + local_time(*p.deadline) + " (" + in(now, *p.deadline) + ")" +
                (p.cut_over_at_deadline ? ", then cut over anyway" : ", then fail");
  return d;
}

CutOverDecision decide_while_postponed(const CutOverPolicy& p, system_clock::time_point now) {
  if (!p.deadline || now < *p.deadline) return {CutOverVerdict::kWait, "", std::nullopt};
  const auto base = "deadline " + local_time(*p.deadline) + " passed while the cut-over was postponed";
  if (p.cut_over_at_deadline)
    return {CutOverVerdict::kWait, base + "; still held (a postpone outranks cut-over-at-deadline)", std::nullopt};
  return {CutOverVerdict::kFailDeadline, base, std::nullopt};
}

}  // namespace ghostcut::engine
