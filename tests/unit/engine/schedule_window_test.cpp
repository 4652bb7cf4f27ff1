#include <gtest/gtest.h>
#include "support/scoped_tz.h"

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "engine/errc.h"
#include "engine/schedule/cut_over_window.h"

using namespace ghostcut::engine;
using namespace std::chrono;

using ghostcut::test::ScopedTz;
using ghostcut::test::zoneinfo_dir;

namespace {

WallTime win_utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
  return WallTime(sys_days(year_month_day{year(y), month(mo), day(d)}) + hours(h) + minutes(mi) + seconds(s));
}

CutOverWindow parse(const std::string& spec) {
  auto w = parse_cut_over_window(spec);
  EXPECT_TRUE(w.has_value()) << (w ? "" : w.error().context);
  return w ? *w : CutOverWindow{};
}

// Sets TZ for one test and puts the old value back.

}  // namespace

TEST(CutOverWindowParse, Accepted) {
  struct Case {
    std::string spec;
    std::vector<int> days;  // iso 1..7 (Mon..Sun)
    int start, end;         // minutes
    WallZone zone;
    std::string canonical;
  };
  const WallZone local{};
  const WallZone utc_zone = WallZone::utc();
  const auto fixed = [](int m) { return WallZone::fixed(minutes(m)); };
  const std::vector<int> all = {1, 2, 3, 4, 5, 6, 7};
  const std::vector<Case> cases = {
      {"02:00-04:00", all, 120, 240, local, "02:00-04:00"},
      {"  2:00 - 4:30  ", all, 120, 270, local, "02:00-04:30"},
      {"Sat,Sun 00:00-06:00", {6, 7}, 0, 360, local, "Sat,Sun 00:00-06:00"},
      {"Mon-Fri 22:30-01:00 UTC", {1, 2, 3, 4, 5}, 1350, 60, utc_zone, "Mon-Fri 22:30-01:00 UTC"},
      {"Mon,Wed-Fri 23:00-02:00 +02:00", {1, 3, 4, 5}, 1380, 120, fixed(120), "Mon,Wed-Fri 23:00-02:00 +02:00"},
      {"sat-mon 01:00-02:00 z", {6, 7, 1}, 60, 120, utc_zone, "Mon,Sat,Sun 01:00-02:00 UTC"},
      {"FRIDAY, saturday 20:00-23:59 -0500", {5, 6}, 1200, 1439, fixed(-300), "Fri,Sat 20:00-23:59 -05:00"},
      {"Tue 00:00-24:00", {2}, 0, 1440, local, "Tue 00:00-24:00"},
      {"Sun-Sun 10:00-11:00 UTC+05:30", {7}, 600, 660, fixed(330), "Sun 10:00-11:00 +05:30"},
      {"Mon,Mon 10:00-11:00 GMT", {1}, 600, 660, utc_zone, "Mon 10:00-11:00 UTC"},
      {"Mon-Sun 12:00-13:00 local", all, 720, 780, local, "12:00-13:00"},
      {"Wed-Mon 05:00-06:00 -03", {3, 4, 5, 6, 7, 1}, 300, 360, fixed(-180), "Mon,Wed-Sun 05:00-06:00 -03:00"},
      {"22:00-02:00+14:00", all, 1320, 120, fixed(840), "22:00-02:00 +14:00"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.spec);
    auto w = parse_cut_over_window(c.spec);
    ASSERT_TRUE(w.has_value()) << w.error().context;
    for (int d = 1; d <= 7; ++d)
      EXPECT_EQ(w->days[static_cast<std::size_t>(d - 1)], std::find(c.days.begin(), c.days.end(), d) != c.days.end())
          << "day " << d;
    EXPECT_EQ(w->start_minute, c.start);
    EXPECT_EQ(w->end_minute, c.end);
    EXPECT_EQ(w->zone, c.zone);
    EXPECT_EQ(w->to_string(), c.canonical);
    EXPECT_EQ(w->crosses_midnight(), c.end < c.start);
    // The canonical text parses back to the same window.
    auto again = parse_cut_over_window(w->to_string());
    ASSERT_TRUE(again.has_value()) << again.error().context;
    EXPECT_EQ(again->days, w->days);
    EXPECT_EQ(again->start_minute, w->start_minute);
    EXPECT_EQ(again->end_minute, w->end_minute);
    EXPECT_EQ(again->zone, w->zone);
  }
}

TEST(CutOverWindowParse, Rejected) {
  const std::string kForms =
      "use an IANA name such as Europe/Berlin, UTC (or Z), a fixed offset such as +02:00 or -0500, or no zone for local time";
  struct Case {
    std::string spec;
    std::string message;  // the whole message
  };
  const std::vector<Case> cases = {
      {"", "bad cut-over window '': empty; expected [DAYS] HH:MM-HH:MM [ZONE], e.g. 'Mon-Fri 22:30-01:00 UTC'"},
      {"Mon-Fri",
       "bad cut-over window 'Mon-Fri': no time range; expected [DAYS] HH:MM-HH:MM [ZONE], e.g. 'Mon-Fri 22:30-01:00 UTC'"},
      {"Mon-Fri 25:00-01:00", "bad cut-over window 'Mon-Fri 25:00-01:00': hour 25 out of range (00-23)"},
      {"02:00-24:30", "bad cut-over window '02:00-24:30': hour 24 out of range (00-23)"},
      {"24:00-02:00", "bad cut-over window '24:00-02:00': hour 24 out of range (00-23)"},
      {"02:60-03:00", "bad cut-over window '02:60-03:00': minute 60 out of range (00-59)"},
      {"02:00-03:99", "bad cut-over window '02:00-03:99': minute 99 out of range (00-59)"},
      {"0200-0400", "bad cut-over window '0200-0400': expected HH:MM, got '0200'"},
      {"02:0-04:00", "bad cut-over window '02:0-04:00': expected HH:MM, got '02:0'"},
      {"02:00:00-04:00", "bad cut-over window '02:00:00-04:00': expected HH:MM, got '02:00:00'"},
      {"123:00-04:00", "bad cut-over window '123:00-04:00': expected HH:MM, got '123:00'"},
      {"02:00",
       "bad cut-over window '02:00': no end time after 02:00; expected [DAYS] HH:MM-HH:MM [ZONE], e.g. 'Mon-Fri 22:30-01:00 UTC'"},
      {"02:00-",
       "bad cut-over window '02:00-': no end time after 02:00-; expected [DAYS] HH:MM-HH:MM [ZONE], e.g. 'Mon-Fri 22:30-01:00 UTC'"},
      {"02:00 to 04:00",
       "bad cut-over window '02:00 to 04:00': expected '-' between start and end time, got 'to 04:00'"},
      {"03:00-03:00",
       "bad cut-over window '03:00-03:00': start and end are both 03:00; use 00:00-24:00 for a whole day"},
      {"Mo 02:00-04:00",
       "bad cut-over window 'Mo 02:00-04:00': unknown day 'Mo' (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)"},
      {"Mon-Fry 02:00-04:00",
       "bad cut-over window 'Mon-Fry 02:00-04:00': unknown day 'Fry' (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)"},
      {"Sat Sun 02:00-04:00",
       "bad cut-over window 'Sat Sun 02:00-04:00': unknown day 'Sat Sun' (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)"},
      {"Mon,,Fri 02:00-04:00", "bad cut-over window 'Mon,,Fri 02:00-04:00': empty day in 'Mon,,Fri'"},
      {"Mon, 02:00-04:00", "bad cut-over window 'Mon, 02:00-04:00': empty day in 'Mon,'"},
      {"02:00-04:00 Mars/Olympus",
       "bad cut-over window '02:00-04:00 Mars/Olympus': time zone 'Mars/Olympus' is not known (no zone file " +
           zoneinfo_dir() + "/Mars/Olympus); " + kForms},
      {"02:00-04:00 UTC junk",
       "bad cut-over window '02:00-04:00 UTC junk': time zone 'UTC junk' is not a zone name; " + kForms},
      {"02:00-04:00 ../etc/passwd",
       "bad cut-over window '02:00-04:00 ../etc/passwd': time zone '../etc/passwd' is not a zone name; " + kForms},
      {"02:00-04:00 +15:00",
       "bad cut-over window '02:00-04:00 +15:00': zone offset '+15:00' out of range (-14:00 to +14:00)"},
      {"02:00-04:00 +02:75",
       "bad cut-over window '02:00-04:00 +02:75': bad zone offset '+02:75': minute 75 out of range (00-59)"},
      {"02:00-04:00 +2:0",
       "bad cut-over window '02:00-04:00 +2:0': bad zone offset '+2:0': expected +HH:MM, +HHMM or +HH"},
      {"02:00-04:00 +abc",
       "bad cut-over window '02:00-04:00 +abc': bad zone offset '+abc': expected +HH:MM, +HHMM or +HH"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.spec);
    auto w = parse_cut_over_window(c.spec);
    ASSERT_FALSE(w.has_value());
    EXPECT_TRUE(w.error().is(ghostcut::engine::EngineErrc::kBadSetting));
    EXPECT_EQ(w.error().context, c.message);
  }
}

TEST(CutOverWindowParse, ListStopsAtFirstError) {
  auto ok = parse_cut_over_windows({"02:00-04:00", "Sat,Sun 00:00-06:00"});
  ASSERT_TRUE(ok.has_value()) << ok.error().context;
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[1].spec, "Sat,Sun 00:00-06:00");
  auto bad = parse_cut_over_windows({"02:00-04:00", "Xyz 00:00-06:00"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().context.find("unknown day 'Xyz'"), std::string::npos) << bad.error().context;
  auto none = parse_cut_over_windows({});
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

// 2026-11-26 is a Thursday, 2026-11-28 a Saturday.
TEST(CutOverWindowArithmetic, OpenAt) {
  struct Case {
    std::string spec;
    WallTime t;
    bool open;
  };
  const std::vector<Case> cases = {
      {"02:00-04:00 UTC", win_utc(2026, 11, 26, 1, 59, 59), false},
      {"02:00-04:00 UTC", win_utc(2026, 11, 26, 2, 0), true},  // the start is inside
      {"02:00-04:00 UTC", win_utc(2026, 11, 26, 3, 59, 59), true},
      {"02:00-04:00 UTC", win_utc(2026, 11, 26, 4, 0), false},  // the end is outside
      // Crossing midnight: Thursday's opening runs into Friday morning.
      {"Thu 22:30-01:00 UTC", win_utc(2026, 11, 26, 22, 29), false},
      {"Thu 22:30-01:00 UTC", win_utc(2026, 11, 26, 23, 0), true},
      {"Thu 22:30-01:00 UTC", win_utc(2026, 11, 27, 0, 30), true},  // Friday 00:30 belongs to Thursday's window
      {"Thu 22:30-01:00 UTC", win_utc(2026, 11, 27, 1, 0), false},
      {"Thu 22:30-01:00 UTC", win_utc(2026, 11, 26, 0, 30), false},  // Thursday 00:30 would be Wednesday's
      {"Fri 22:30-01:00 UTC", win_utc(2026, 11, 27, 0, 30), false},
      // Day lists and ranges.
      {"Sat,Sun 00:00-06:00 UTC", win_utc(2026, 11, 28, 5, 0), true},
      {"Sat,Sun 00:00-06:00 UTC", win_utc(2026, 11, 29, 5, 0), true},
      {"Sat,Sun 00:00-06:00 UTC", win_utc(2026, 11, 30, 5, 0), false},  // Monday
      {"Mon-Fri 12:00-13:00 UTC", win_utc(2026, 11, 26, 12, 30), true},
      {"Mon-Fri 12:00-13:00 UTC", win_utc(2026, 11, 28, 12, 30), false},
      // A wrapping range: Sat, Sun, Mon.
      {"Sat-Mon 12:00-13:00 UTC", win_utc(2026, 11, 30, 12, 30), true},
      {"Sat-Mon 12:00-13:00 UTC", win_utc(2026, 12, 1, 12, 30), false},
      {"Sat-Mon 12:00-13:00 UTC", win_utc(2026, 11, 27, 12, 30), false},
      // Sunday night into Monday (week boundary).
      {"Sun 23:00-02:00 UTC", win_utc(2026, 11, 30, 1, 0), true},
      {"Sun 23:00-02:00 UTC", win_utc(2026, 11, 30, 23, 30), false},
      // Fixed offsets: 02:00-04:00 at +02:00 is 00:00-02:00 UTC; at -05:00 it is 07:00-09:00 UTC.
      {"02:00-04:00 +02:00", win_utc(2026, 11, 26, 0, 0), true},
      {"02:00-04:00 +02:00", win_utc(2026, 11, 26, 2, 0), false},
      {"02:00-04:00 -0500", win_utc(2026, 11, 26, 8, 59), true},
      {"02:00-04:00 -0500", win_utc(2026, 11, 26, 2, 30), false},
      // The zone decides the day: Friday 01:00 at +02:00 is Thursday 23:00 UTC.
      {"Fri 01:00-02:00 +02:00", win_utc(2026, 11, 26, 23, 30), true},
      {"Thu 01:00-02:00 +02:00", win_utc(2026, 11, 26, 23, 30), false},
      // A whole day.
      {"Thu 00:00-24:00 UTC", win_utc(2026, 11, 26, 23, 59, 59), true},
      {"Thu 00:00-24:00 UTC", win_utc(2026, 11, 27, 0, 0), false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.spec + " at " + format_wall_time(c.t, WallZone::utc()));
    EXPECT_EQ(window_open(parse(c.spec), c.t), c.open);
  }
}

TEST(CutOverWindowArithmetic, NextOpenAndCloseAfter) {
  struct Case {
    std::string spec;
    WallTime t;
    WallTime next;
    WallTime close;
  };
  const std::vector<Case> cases = {
      // Open now: next_open is t itself; it closes at the end of this opening.
      {"02:00-04:00 UTC", win_utc(2026, 11, 26, 3, 0), win_utc(2026, 11, 26, 3, 0), win_utc(2026, 11, 26, 4, 0)},
      // Before today's opening, and after it (tomorrow's).
      {"02:00-04:00 UTC", win_utc(2026, 11, 26, 1, 0), win_utc(2026, 11, 26, 2, 0), win_utc(2026, 11, 26, 4, 0)},
      {"02:00-04:00 UTC", win_utc(2026, 11, 26, 4, 0), win_utc(2026, 11, 27, 2, 0), win_utc(2026, 11, 27, 4, 0)},
      // Crossing midnight: closes the next day.
      {"Mon-Fri 22:30-01:00 UTC", win_utc(2026, 11, 26, 12, 0), win_utc(2026, 11, 26, 22, 30),
       win_utc(2026, 11, 27, 1, 0)},
      {"Mon-Fri 22:30-01:00 UTC", win_utc(2026, 11, 27, 0, 15), win_utc(2026, 11, 27, 0, 15),
       win_utc(2026, 11, 27, 1, 0)},
      // Friday night's is the last of the week: Saturday noon waits for Monday 22:30.
      {"Mon-Fri 22:30-01:00 UTC", win_utc(2026, 11, 28, 12, 0), win_utc(2026, 11, 30, 22, 30),
       win_utc(2026, 12, 1, 1, 0)},
      // Across the week boundary and the month: Sunday only, asked on Monday.
      {"Sun 03:00-04:00 UTC", win_utc(2026, 11, 30, 3, 30), win_utc(2026, 12, 6, 3, 0), win_utc(2026, 12, 6, 4, 0)},
      // Across the year.
      {"Fri 23:00-01:00 UTC", win_utc(2026, 12, 31, 12, 0), win_utc(2027, 1, 1, 23, 0), win_utc(2027, 1, 2, 1, 0)},
      // A wrapping range asked on Tuesday: Saturday next.
      {"Sat-Mon 12:00-13:00 UTC", win_utc(2026, 12, 1, 12, 30), win_utc(2026, 12, 5, 12, 0),
       win_utc(2026, 12, 5, 13, 0)},
      // Fixed offset: 23:00 +02:00 is 21:00 UTC.
      {"Thu 23:00-02:00 +02:00", win_utc(2026, 11, 26, 12, 0), win_utc(2026, 11, 26, 21, 0),
       win_utc(2026, 11, 27, 0, 0)},
      // Back-to-back whole days merge into one stretch.
      {"Sat,Sun 00:00-24:00 UTC", win_utc(2026, 11, 26, 12, 0), win_utc(2026, 11, 28, 0, 0),
       win_utc(2026, 11, 30, 0, 0)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.spec + " at " + format_wall_time(c.t, WallZone::utc()));
    const auto w = parse(c.spec);
    EXPECT_EQ(format_wall_time(next_open(w, c.t), WallZone::utc()), format_wall_time(c.next, WallZone::utc()));
    EXPECT_EQ(next_open(w, c.t), c.next);
    EXPECT_EQ(close_after(w, c.t), c.close);
    EXPECT_TRUE(window_open(w, next_open(w, c.t)));
    EXPECT_FALSE(window_open(w, close_after(w, c.t)));
  }
}

TEST(CutOverWindowArithmetic, EveryDayAllDayNeverCloses) {
  const auto w = parse("00:00-24:00 UTC");
  const auto t = win_utc(2026, 11, 26, 12, 0);
  EXPECT_TRUE(window_open(w, t));
  EXPECT_EQ(next_open(w, t), t);
  EXPECT_EQ(close_after(w, t), WallTime::max());
}

TEST(CutOverWindowArithmetic, SeveralWindows) {
  const std::vector<CutOverWindow> ws = {parse("Sat,Sun 00:00-06:00 UTC"), parse("Mon-Fri 22:30-01:00 UTC"),
                                         parse("Fri 00:30-02:00 UTC")};
  // Thursday noon: Thursday 22:30 is the earliest opening.
  EXPECT_FALSE(window_open(ws, win_utc(2026, 11, 26, 12, 0)));
  EXPECT_EQ(next_open(ws, win_utc(2026, 11, 26, 12, 0)), win_utc(2026, 11, 26, 22, 30));
  // Thursday 22:30-01:00 overlaps Friday 00:30-02:00: one stretch to 02:00.
  EXPECT_EQ(close_after(ws, win_utc(2026, 11, 26, 12, 0)), win_utc(2026, 11, 27, 2, 0));
  EXPECT_TRUE(window_open(ws, win_utc(2026, 11, 27, 1, 30)));
  // Friday 22:30-01:00 touches Saturday 00:00-06:00: one stretch to Saturday 06:00.
  EXPECT_EQ(close_after(ws, win_utc(2026, 11, 27, 23, 0)), win_utc(2026, 11, 28, 6, 0));
  // Saturday noon: Sunday 00:00 is next.
  EXPECT_EQ(next_open(ws, win_utc(2026, 11, 28, 12, 0)), win_utc(2026, 11, 29, 0, 0));
  // No windows: no restriction.
  const std::vector<CutOverWindow> none;
  EXPECT_TRUE(window_open(none, win_utc(2026, 11, 26, 12, 0)));
  EXPECT_EQ(next_open(none, win_utc(2026, 11, 26, 12, 0)), win_utc(2026, 11, 26, 12, 0));
  EXPECT_EQ(close_after(none, win_utc(2026, 11, 26, 12, 0)), WallTime::max());
}

TEST(CutOverWindowLocalTime, UtcTzMatchesUtcWindows) {
  ScopedTz tz("UTC");  // DST-free: local time is UTC
  const auto local = parse("Mon-Fri 22:30-01:00");
  const auto in_utc = parse("Mon-Fri 22:30-01:00 UTC");
  for (int h = 0; h < 24 * 8; h += 1) {
    const auto t = win_utc(2026, 11, 23, 0, 0) + hours(h) + minutes(15);
    SCOPED_TRACE(h);
    EXPECT_EQ(window_open(local, t), window_open(in_utc, t));
    EXPECT_EQ(next_open(local, t), next_open(in_utc, t));
    EXPECT_EQ(close_after(local, t), close_after(in_utc, t));
  }
  EXPECT_EQ(format_wall_time(win_utc(2026, 11, 26, 22, 30), WallZone{}), "2026-11-26 22:30 UTC");
}

TEST(CutOverWindowLocalTime, FollowsDaylightSavingTime) {
  // Central European rules as a POSIX TZ string (no tzdata needed): +01:00 in winter, +02:00 in
  // summer, switching on the last Sunday of March (02:00 -> 03:00) and of October (03:00 -> 02:00).
  ScopedTz tz("CET-1CEST,M3.5.0,M10.5.0/3");
  const auto w = parse("02:00-04:00");
  // Winter: 02:00 CET is 01:00 UTC.
  EXPECT_EQ(next_open(w, win_utc(2026, 12, 1, 0, 0)), win_utc(2026, 12, 1, 1, 0));
  EXPECT_EQ(close_after(w, win_utc(2026, 12, 1, 0, 0)), win_utc(2026, 12, 1, 3, 0));
  // Summer: 02:00 CEST is 00:00 UTC.
  EXPECT_EQ(next_open(w, win_utc(2026, 7, 1, 12, 0)), win_utc(2026, 7, 2, 0, 0));
  EXPECT_EQ(close_after(w, win_utc(2026, 7, 1, 12, 0)), win_utc(2026, 7, 2, 2, 0));
  // Spring forward (Sunday 2026-03-29): 02:00-03:00 does not exist, so the window is 03:00-04:00
  // CEST = 01:00-02:00 UTC; it closes at 04:00 CEST as the wall clock says.
  EXPECT_EQ(close_after(w, win_utc(2026, 3, 29, 0, 30)), win_utc(2026, 3, 29, 2, 0));
  EXPECT_FALSE(window_open(w, win_utc(2026, 3, 29, 0, 59)));
  EXPECT_TRUE(window_open(w, win_utc(2026, 3, 29, 1, 30)));
  // Fall back (Sunday 2026-10-25): 02:00 happens twice; the window closes at 04:00 CET (03:00 UTC).
  EXPECT_TRUE(window_open(w, win_utc(2026, 10, 25, 2, 30)));
  EXPECT_EQ(close_after(w, win_utc(2026, 10, 25, 1, 30)), win_utc(2026, 10, 25, 3, 0));
  // Statuses show local time with the zone's abbreviation.
  EXPECT_EQ(format_wall_time(win_utc(2026, 12, 1, 1, 0), WallZone{}), "2026-12-01 02:00 CET");
  EXPECT_EQ(format_wall_time(win_utc(2026, 7, 2, 0, 0), WallZone{}), "2026-07-02 02:00 CEST");
}

TEST(WallZone, FormatAndWait) {
  const auto t = win_utc(2026, 11, 26, 22, 30);
  EXPECT_EQ(format_wall_time(t, WallZone::utc()), "2026-11-26 22:30 UTC");
  EXPECT_EQ(format_wall_time(t, WallZone::fixed(minutes(120))), "2026-11-27 00:30 +02:00");
  EXPECT_EQ(format_wall_time(t + seconds(5), WallZone::fixed(minutes(-330))), "2026-11-26 17:00:05 -05:30");
  struct Case {
    seconds d;
    std::string text;
  };
  const std::vector<Case> cases = {{seconds(-5), "0s"},
                                   {seconds(42), "42s"},
                                   {seconds(330), "5m30s"},
                                   {seconds(3900), "1h05m"},
                                   {seconds(86400 + 3 * 3600 + 59), "1d03h"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(format_wait(c.d), c.text);
  }
}
