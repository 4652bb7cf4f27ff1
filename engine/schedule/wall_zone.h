// The zone a wall-clock time is read in — local time (this process's TZ, DST-correct through
// localtime_r/mktime), UTC, a fixed offset, or an IANA zone read from the system tz database
// (tzif_zone.h) — and the civil-time conversions the cut-over windows and deadlines are computed
// with. PURE except that local time reads TZ and parsing an IANA name reads its file.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "binlog/error.h"
#include "engine/schedule/tzif_zone.h"

namespace ghostcut::engine {

struct WallZone {
  enum class Kind { kLocal, kUtc, kFixed, kIana };
  Kind kind = Kind::kLocal;
  std::chrono::minutes offset{0};      // east of UTC; kFixed only
  std::shared_ptr<const TzifZone> tz;  // kIana only

  static WallZone local() { return WallZone{}; }
  static WallZone utc() { return WallZone{Kind::kUtc, std::chrono::minutes(0), nullptr}; }
  static WallZone fixed(std::chrono::minutes east) { return WallZone{Kind::kFixed, east, nullptr}; }

  // "local", "UTC", "+02:00", "-05:30", "Europe/Berlin"
  std::string to_string() const;
  bool operator==(const WallZone& o) const;
};

// "" or "local" -> local; "UTC", "Z", "GMT" -> UTC; "+HH:MM", "-HHMM", "+HH", optionally after
// "UTC"/"GMT" ("UTC+02:00") -> fixed offset, at most 14 h; any other name -> the IANA zone of that
// name ("Europe/Berlin", "America/New_York"). bad_value; context is the reason alone.
[[nodiscard]] Result<WallZone> parse_wall_zone(std::string_view text);

// "HH:MM" (or "H:MM"; with allow_seconds also "HH:MM:SS") -> time of day. allow_24 admits 24:00
// (= 86400 s, the end of a day). bad_value; context is the reason alone, e.g. "hour 25 out of range (00-23)".
[[nodiscard]] Result<std::chrono::seconds> parse_time_of_day(std::string_view text, bool allow_24, bool allow_seconds);

// A wall-clock reading: the civil date (counted like sys_days) and the time since its midnight.
struct CivilTime {
  std::chrono::sys_days date;
  std::chrono::seconds time_of_day{0};
};
CivilTime to_civil(std::chrono::system_clock::time_point t, const WallZone& zone);
// The instant the wall clock of `zone` shows `date` + `time_of_day` (which may be >= 24 h: it rolls
// over). A time skipped by a DST change maps to the instant after the gap; a repeated one to its
// first occurrence (IANA zones; local time does what mktime does).
std::chrono::system_clock::time_point from_civil(const WallZone& zone, std::chrono::sys_days date,
                                                 std::chrono::seconds time_of_day);

// "2026-11-26 22:30 UTC", "2026-11-26 22:30 +02:00", local: "2026-11-26 22:30 CET" (the TZ
// abbreviation), IANA: "2026-11-26 22:30 CET (Europe/Berlin)"; seconds only when not zero ("06:00:30").
std::string format_wall_time(std::chrono::system_clock::time_point t, const WallZone& zone);

// A wait, rounded down: "2d03h", "1h05m", "5m30s", "42s" (negative counts as 0).
std::string format_wait(std::chrono::seconds d);

}  // namespace ghostcut::engine
