// The zone a wall-clock time is read in — local time (this process's TZ, DST-correct through
// localtime_r/mktime), UTC, or a fixed offset — and the civil-time conversions the cut-over
// windows and deadlines are computed with. IANA names ("Europe/Berlin") are refused: GCC 12 has no
// tzdb, and a half-right zone would cut over at the wrong hour. PURE except that local time reads TZ.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "binlog/error.h"

namespace ghostcut::engine {

struct WallZone {
  enum class Kind { kLocal, kUtc, kFixed };
  Kind kind = Kind::kLocal;
  std::chrono::minutes offset{0};  // east of UTC; kFixed only

  // "local", "UTC", "+02:00", "-05:30"
  std::string to_string() const;
  bool operator==(const WallZone&) const = default;
};

// "" or "local" -> local; "UTC", "Z", "GMT" -> UTC; "+HH:MM", "-HHMM", "+HH", optionally after
// "UTC"/"GMT" ("UTC+02:00") -> fixed offset, at most 14 h. bad_value; context is the reason alone.
[[nodiscard]] binlog::Result<WallZone> parse_wall_zone(std::string_view text);

// "HH:MM" (or "H:MM"; with allow_seconds also "HH:MM:SS") -> time of day. allow_24 admits 24:00
// (= 86400 s, the end of a day). bad_value; context is the reason alone, e.g. "hour 25 out of range (00-23)".
[[nodiscard]] binlog::Result<std::chrono::seconds> parse_time_of_day(std::string_view text, bool allow_24,
                                                                     bool allow_seconds);

// A wall-clock reading: the civil date (counted like sys_days) and the time since its midnight.
struct CivilTime {
  std::chrono::sys_days date;
  std::chrono::seconds time_of_day{0};
};
CivilTime to_civil(std::chrono::system_clock::time_point t, const WallZone& zone);
// The instant the wall clock of `zone` shows `date` + `time_of_day` (which may be >= 24 h: it rolls
// over). In local time, a time skipped by a DST change maps to the instant after the gap (mktime).
std::chrono::system_clock::time_point from_civil(const WallZone& zone, std::chrono::sys_days date,
                                                 std::chrono::seconds time_of_day);

// "2026-11-26 22:30 UTC", "2026-11-26 22:30 +02:00", local: "2026-11-26 22:30 CET" (the TZ
// abbreviation); seconds are shown only when not zero ("06:00:30").
std::string format_wall_time(std::chrono::system_clock::time_point t, const WallZone& zone);

// A wait, rounded down: "2d03h", "1h05m", "5m30s", "42s" (negative counts as 0).
std::string format_wait(std::chrono::seconds d);

}  // namespace ghostcut::engine
