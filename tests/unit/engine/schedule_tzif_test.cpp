#include <gtest/gtest.h>
#include "support/scoped_tz.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/schedule/cut_over_window.h"
#include "engine/schedule/tzif_zone.h"
#include "engine/schedule/wall_zone.h"

using namespace ghostcut::engine;
using namespace std::chrono;

using ghostcut::test::ScopedTz;
using ghostcut::test::zoneinfo_dir;

namespace {

WallTime tzif_utc(int y, unsigned mo, unsigned d, int h, int mi) {
  return WallTime(sys_days(year_month_day{year(y), month(mo), day(d)}) + hours(h) + minutes(mi));
}

bool have_zone(const std::string& name) {
  const char* dir = std::getenv("TZDIR");
  return std::filesystem::exists(std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + name);
}

}  // namespace

TEST(PosixTzRule, Parse) {
  auto cet = parse_posix_tz("CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_TRUE(cet.has_value()) << cet.error().context;
  EXPECT_EQ(cet->std_name, "CET");
  EXPECT_EQ(cet->dst_name, "CEST");
  EXPECT_EQ(cet->std_offset, hours(1));
  EXPECT_EQ(cet->dst_offset, hours(2));
  EXPECT_EQ(cet->end.time, hours(3));
  // 2040: last Sunday of March is the 25th, of October the 28th.
  EXPECT_EQ(cet->offset_at(floor<seconds>(tzif_utc(2040, 3, 25, 0, 59))), hours(1));
  EXPECT_EQ(cet->offset_at(floor<seconds>(tzif_utc(2040, 3, 25, 1, 0))), hours(2));
  EXPECT_EQ(cet->offset_at(floor<seconds>(tzif_utc(2040, 10, 28, 0, 59))), hours(2));
  EXPECT_EQ(cet->offset_at(floor<seconds>(tzif_utc(2040, 10, 28, 1, 0))), hours(1));

  auto sydney = parse_posix_tz("AEST-10AEDT,M10.1.0,M4.1.0/3");  // DST over New Year
  ASSERT_TRUE(sydney.has_value());
  EXPECT_EQ(sydney->offset_at(floor<seconds>(tzif_utc(2040, 1, 15, 0, 0))), hours(11));
  EXPECT_EQ(sydney->offset_at(floor<seconds>(tzif_utc(2040, 6, 15, 0, 0))), hours(10));

  auto quoted = parse_posix_tz("<-03>3");
  ASSERT_TRUE(quoted.has_value());
  EXPECT_EQ(quoted->std_name, "-03");
  EXPECT_EQ(quoted->std_offset, hours(-3));
  EXPECT_FALSE(quoted->dst_offset.has_value());

  auto julian = parse_posix_tz("XST5XDT4,J60/2:30,300/-1");
  ASSERT_TRUE(julian.has_value()) << julian.error().context;
  EXPECT_EQ(julian->dst_offset, hours(-4));
  EXPECT_EQ(julian->start.time, hours(2) + minutes(30));
  EXPECT_EQ(julian->end.time, hours(-1));

  for (const char* bad : {"", "C-1", "CET", "CET-1CEST", "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
                          "CET-1CEST,M3.5.0", "CET-1CEST,J0,J10", "<CET-1", "CET-1CEST,M3.5.0,M10.5.0/3x"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(parse_posix_tz(bad).has_value());
  }
}

TEST(TzifZone, RejectsBadInput) {
  EXPECT_FALSE(TzifZone::from_bytes("x", "").has_value());
  EXPECT_FALSE(TzifZone::from_bytes("x", "TZif2 and then not much").has_value());
  EXPECT_EQ(TzifZone::from_bytes("x", std::string(60, 'A')).error().context, "not a TZif file");
  for (const char* name : {"", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd", "Europe Berlin"}) {
    SCOPED_TRACE(name);
    auto z = TzifZone::load(name);
    ASSERT_FALSE(z.has_value());
    EXPECT_NE(z.error().context.find("is not a zone name"), std::string::npos) << z.error().context;
  }
}

// The IANA zone must agree with glibc reading the same tz database as the process's TZ, instant by
// instant: through both DST changes of 2026, and in 2040, past the transition table (footer rule).
TEST(TzifZone, AgreesWithLocaltime) {
  for (const char* name :
       {"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo"}) {
    SCOPED_TRACE(name);
    if (!have_zone(name)) GTEST_SKIP() << "no tz database entry for " << name;
    auto zone = parse_wall_zone(name);
    ASSERT_TRUE(zone.has_value()) << zone.error().context;
    EXPECT_EQ(zone->to_string(), name);
    ScopedTz tz(name);
    for (const auto from : {tzif_utc(2026, 1, 1, 0, 0), tzif_utc(2040, 1, 1, 0, 0)}) {
      for (int h = 0; h < 366 * 24; h += 1) {
        const auto t = from + hours(h) + minutes(30);
        const auto mine = to_civil(t, *zone);
        const auto libc = to_civil(t, WallZone{});
        ASSERT_EQ(mine.date, libc.date) << h;
        ASSERT_EQ(mine.time_of_day, libc.time_of_day) << h;
        // Back again: wall time -> instant (outside gaps and repeats both give t).
        const auto back = from_civil(*zone, mine.date, mine.time_of_day);
        ASSERT_EQ(to_civil(back, *zone).time_of_day, mine.time_of_day) << h;
      }
    }
  }
}

TEST(TzifZone, WindowsInAnIanaZone) {
  if (!have_zone("Europe/Berlin")) GTEST_SKIP() << "no tz database";
  auto w = parse_cut_over_window("Mon-Fri 22:30-01:00 Europe/Berlin");
  ASSERT_TRUE(w.has_value()) << w.error().context;
  EXPECT_EQ(w->to_string(), "Mon-Fri 22:30-01:00 Europe/Berlin");
  // Thursday 2026-11-26, CET (+01:00): 22:30 is 21:30 UTC.
  EXPECT_EQ(next_open(*w, tzif_utc(2026, 11, 26, 12, 0)), tzif_utc(2026, 11, 26, 21, 30));
  EXPECT_EQ(close_after(*w, tzif_utc(2026, 11, 26, 12, 0)), tzif_utc(2026, 11, 27, 0, 0));
  // Thursday 2026-07-02, CEST (+02:00): 20:30 UTC.
  EXPECT_EQ(next_open(*w, tzif_utc(2026, 7, 2, 12, 0)), tzif_utc(2026, 7, 2, 20, 30));
  // Spring forward, Sunday 2026-03-29: "02:00-04:00" opens after the gap, at 03:00 CEST (01:00 UTC).
  auto gap = parse_cut_over_window("Sun 02:00-04:00 Europe/Berlin");
  ASSERT_TRUE(gap.has_value());
  EXPECT_EQ(next_open(*gap, tzif_utc(2026, 3, 28, 12, 0)), tzif_utc(2026, 3, 29, 1, 0));
  EXPECT_EQ(close_after(*gap, tzif_utc(2026, 3, 28, 12, 0)), tzif_utc(2026, 3, 29, 2, 0));
  // Fall back, Sunday 2026-10-25: opens at the first 02:00 (CEST, 00:00 UTC), closes 04:00 CET (03:00 UTC).
  EXPECT_EQ(next_open(*gap, tzif_utc(2026, 10, 24, 12, 0)), tzif_utc(2026, 10, 25, 0, 0));
  EXPECT_EQ(close_after(*gap, tzif_utc(2026, 10, 24, 12, 0)), tzif_utc(2026, 10, 25, 3, 0));
  EXPECT_EQ(format_wall_time(tzif_utc(2026, 11, 26, 21, 30), w->zone), "2026-11-26 22:30 CET (Europe/Berlin)");
  EXPECT_EQ(format_wall_time(tzif_utc(2026, 7, 2, 20, 30), w->zone), "2026-07-02 22:30 CEST (Europe/Berlin)");
}
