#include <gtest/gtest.h>
#include "support/scoped_tz.h"

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "engine/errc.h"
#include "engine/schedule/cut_over_deadline.h"
#include "engine/schedule/wall_zone.h"

using namespace ghostcut::engine;
using namespace std::chrono;

using ghostcut::test::ScopedTz;
using ghostcut::test::zoneinfo_dir;

namespace {

system_clock::time_point utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
  return system_clock::time_point(sys_days(year_month_day{year(y), month(mo), day(d)}) + hours(h) + minutes(mi) +
                                  seconds(s));
}

}  // namespace

TEST(CutOverDeadline, Accepted) {
  ScopedTz tz("CET-1CEST,M3.5.0,M10.5.0/3");  // local = +01:00 in November
  const auto now = utc(2026, 11, 26, 14, 0);  // 15:00 local
  struct Case {
    std::string spec;
    system_clock::time_point want;
  };
  const std::vector<Case> cases = {
      {"2026-11-27 06:00", utc(2026, 11, 27, 5, 0)},
      {"2026-11-27T06:00", utc(2026, 11, 27, 5, 0)},
      {"2026-11-27 06:00:30", utc(2026, 11, 27, 5, 0, 30)},
      {"2026-11-27T06:00:00Z", utc(2026, 11, 27, 6, 0)},
      {"2026-11-27 06:00 UTC", utc(2026, 11, 27, 6, 0)},
      {"2026-11-27T06:00:00+02:00", utc(2026, 11, 27, 4, 0)},
      {"2026-11-27 06:00 -0500", utc(2026, 11, 27, 11, 0)},
      {"16:00", utc(2026, 11, 26, 15, 0)},  // later today (local)
      {"06:00", utc(2026, 11, 27, 5, 0)},   // tomorrow: today's 06:00 has passed
      {"15:00", utc(2026, 11, 27, 14, 0)},  // exactly now: the next one
      {"14:30 UTC", utc(2026, 11, 26, 14, 30)},
      {"06:00Z", utc(2026, 11, 27, 6, 0)},
      {"2026-11-27 06:00 America/New_York", utc(2026, 11, 27, 11, 0)},
      {"+90m", now + minutes(90)},
      {"+2h", now + hours(2)},
      {"+1h30m", now + minutes(90)},
      {"+45s", now + seconds(45)},
      {"+1d", now + hours(24)},
      {"  +2H  ", now + hours(2)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.spec);
    auto r = parse_cut_over_deadline(c.spec, now);
    ASSERT_TRUE(r.has_value()) << r.error().context;
    EXPECT_EQ(*r, c.want) << format_wall_time(*r, WallZone::utc());
  }
  // Summer dates take the summer offset.
  auto summer = parse_cut_over_deadline("2027-07-01 06:00", now);
  ASSERT_TRUE(summer.has_value()) << summer.error().context;
  EXPECT_EQ(*summer, utc(2027, 7, 1, 4, 0));
}

TEST(CutOverDeadline, Rejected) {
  ScopedTz tz("UTC");
  const auto now = utc(2026, 11, 26, 14, 0);
  struct Case {
    std::string spec;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "bad cut-over deadline '': empty; expected 'YYYY-MM-DD HH:MM' [zone], 'HH:MM' [zone] or a relative '+90m'"},
      {"tomorrow",
       "bad cut-over deadline 'tomorrow': expected 'YYYY-MM-DD HH:MM' [zone], 'HH:MM' [zone] or a relative '+90m'"},
      {"2026-11-25 06:00", "bad cut-over deadline '2026-11-25 06:00': it is in the past (now 2026-11-26 14:00 UTC)"},
      {"2026-11-26 14:00Z", "bad cut-over deadline '2026-11-26 14:00Z': it is in the past (now 2026-11-26 14:00 UTC)"},
      {"2026-13-01 06:00", "bad cut-over deadline '2026-13-01 06:00': month 13 out of range (01-12)"},
      {"2026-02-30 06:00", "bad cut-over deadline '2026-02-30 06:00': day 30 does not exist in 2026-02"},
      {"2026-1-01 06:00", "bad cut-over deadline '2026-1-01 06:00': expected the date as YYYY-MM-DD, got '2026-1-01 '"},
      {"2026-11-27", "bad cut-over deadline '2026-11-27': no time after the date; e.g. '2026-11-27 06:00'"},
      {"2026-11-27_06:00",
       "bad cut-over deadline '2026-11-27_06:00': expected ' ' or 'T' between date and time, got '_06:00'"},
      {"2026-11-27 25:00", "bad cut-over deadline '2026-11-27 25:00': hour 25 out of range (00-23)"},
      {"2026-11-27 06:00:61", "bad cut-over deadline '2026-11-27 06:00:61': second 61 out of range (00-59)"},
      {"2026-11-27 6", "bad cut-over deadline '2026-11-27 6': expected HH:MM or HH:MM:SS, got '6'"},
      {"24:00", "bad cut-over deadline '24:00': hour 24 out of range (00-23)"},
      {"06:00 Europe",
       "bad cut-over deadline '06:00 Europe': time zone 'Europe' is not known (no zone file " + zoneinfo_dir() +
           "/Europe); use an IANA name such as Europe/Berlin, UTC (or Z), a fixed offset such as +02:00 or "
           "-0500, or no zone for local time"},
      {"+", "bad cut-over deadline '+': nothing after '+'; e.g. +90m or +2h"},
      {"+90", "bad cut-over deadline '+90': missing unit after 90 (use s, m, h or d, e.g. +90m)"},
      {"+90x", "bad cut-over deadline '+90x': unknown unit 'x' (use s, m, h or d)"},
      {"+h", "bad cut-over deadline '+h': expected a number at 'h'; e.g. +90m or +2h"},
      {"+0m", "bad cut-over deadline '+0m': the deadline must be after now"},
      {"+400d", "bad cut-over deadline '+400d': duration too long (at most a year)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.spec);
    auto r = parse_cut_over_deadline(c.spec, now);
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().is(ghostcut::engine::EngineErrc::kBadSetting));
    EXPECT_EQ(r.error().context, c.message);
  }
}
