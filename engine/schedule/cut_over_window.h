// A cut-over window: when the cut-over may start. "02:00-04:00", "Sat,Sun 00:00-06:00",
// "Mon-Fri 22:30-01:00 UTC", "Mon,Wed-Fri 23:00-02:00 +02:00".
//   [DAYS] HH:MM-HH:MM [ZONE]
//   DAYS  Mon..Sun (or full names, any case), comma lists and ranges; a range may wrap (Sat-Mon).
//         No days = every day. The day names the day the window OPENS: "Fri 22:00-02:00" runs from
//         Friday 22:00 to Saturday 02:00.
//   TIMES 00:00-23:59; the end may be 24:00; end < start crosses midnight; end == start is refused.
//   ZONE  absent = local time (this process's TZ, DST-correct), UTC/Z, a fixed offset (+02:00,
//         -0500), or an IANA name (Europe/Berlin, DST-correct; see wall_zone.h).
// The arithmetic is PURE and takes the instant as a parameter; windows are compared by instants, so
// a DST change inside a window lengthens or shortens it as the wall clock says.
#pragma once
#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "binlog/error.h"
#include "engine/schedule/wall_zone.h"

namespace ghostcut::engine {

struct CutOverWindow {
  std::array<bool, 7> days{};  // [0] Monday ... [6] Sunday: the days on which the window opens
  int start_minute = 0;        // minutes after midnight, 0..1439
  int end_minute = 0;          // 1..1440; < start_minute: closes the next day
  WallZone zone;
  std::string spec;  // as given (trimmed)

  bool crosses_midnight() const { return end_minute < start_minute; }
  // Canonical text: "Mon-Fri 22:30-01:00 UTC", "02:00-04:00" (every day, local).
  std::string to_string() const;
  bool operator==(const CutOverWindow&) const = default;
};

// bad_value: "bad cut-over window 'Mon-Fri 25:00-01:00': hour 25 out of range (00-23)".
[[nodiscard]] Result<CutOverWindow> parse_cut_over_window(std::string_view spec);
// Every spec, or the first error.
[[nodiscard]] Result<std::vector<CutOverWindow>> parse_cut_over_windows(const std::vector<std::string>& specs);

using WallTime = std::chrono::system_clock::time_point;

bool window_open(const CutOverWindow& w, WallTime t);
// The first instant >= t at which w is open (t itself if open now).
WallTime next_open(const CutOverWindow& w, WallTime t);
// When the opening that holds t (or else the next one) closes. Back-to-back openings (e.g.
// "00:00-24:00" every day) count as one; WallTime::max() when w never closes.
WallTime close_after(const CutOverWindow& w, WallTime t);

// Over several windows: open if any is open; the earliest next opening; the end of the open stretch
// (overlapping or touching windows merge). No windows means no restriction: open always,
// next_open = t, close_after = WallTime::max().
bool window_open(const std::vector<CutOverWindow>& ws, WallTime t);
WallTime next_open(const std::vector<CutOverWindow>& ws, WallTime t);
WallTime close_after(const std::vector<CutOverWindow>& ws, WallTime t);

}  // namespace ghostcut::engine
