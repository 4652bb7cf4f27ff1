#include <gtest/gtest.h>
#include "support/scoped_tz.h"

#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/schedule/change_rate_meter.h"
#include "engine/schedule/cut_over_scheduler.h"

using namespace ghostcut::engine;
using namespace std::chrono;

using ghostcut::test::ScopedTz;
using ghostcut::test::zoneinfo_dir;

namespace {

system_clock::time_point sched_utc(int y, unsigned mo, unsigned d, int h, int mi) {
  return system_clock::time_point(sys_days(year_month_day{year(y), month(mo), day(d)}) + hours(h) + minutes(mi));
}

CutOverWindow window(const std::string& spec) {
  auto w = parse_cut_over_window(spec);
  EXPECT_TRUE(w.has_value()) << (w ? "" : w.error().context);
  return w ? *w : CutOverWindow{};
}

}  // namespace

// 2026-11-26 is a Thursday.
TEST(DecideCutOver, Verdicts) {
  const auto now = sched_utc(2026, 11, 26, 21, 25);
  CutOverPolicy windows;
  windows.windows = {window("Mon-Fri 22:30-01:00 UTC")};
  CutOverPolicy quiet;
  quiet.quiet_rows_per_second = 100;
  CutOverPolicy both = windows;
  both.quiet_rows_per_second = 100;
  CutOverPolicy fail_at_deadline = windows;
  fail_at_deadline.deadline = sched_utc(2026, 11, 26, 21, 0);
  CutOverPolicy go_at_deadline = fail_at_deadline;
  go_at_deadline.cut_over_at_deadline = true;
  CutOverPolicy busy_deadline = quiet;
  busy_deadline.deadline = sched_utc(2026, 11, 26, 21, 0);
  CutOverPolicy future_deadline = windows;
  future_deadline.deadline = sched_utc(2026, 11, 27, 6, 0);

  struct Case {
    std::string name;
    CutOverPolicy policy;
    system_clock::time_point now;
    std::optional<double> rate;
    bool forced;
    CutOverVerdict verdict;
    std::string reason;
    std::optional<system_clock::time_point> next_open;
  };
  const std::vector<Case> cases = {
      {"no conditions", CutOverPolicy{}, now, std::nullopt, false, CutOverVerdict::kGo, "no cut-over conditions",
       std::nullopt},
      {"outside the window", windows, now, std::nullopt, false, CutOverVerdict::kWait,
       "outside cut-over windows; next opens 2026-11-26 22:30 UTC (in 1h05m)", sched_utc(2026, 11, 26, 22, 30)},
      {"inside the window", windows, sched_utc(2026, 11, 26, 23, 0), std::nullopt, false, CutOverVerdict::kGo,
       "inside cut-over window Mon-Fri 22:30-01:00 UTC (closes 2026-11-27 01:00 UTC)", std::nullopt},
      {"forced outside the window", windows, now, std::nullopt, true, CutOverVerdict::kGo,
       "cut-over forced from the control socket", std::nullopt},
      {"busy", quiet, now, 812.4, false, CutOverVerdict::kWait, "table busy: 812 row changes/s >= 100", std::nullopt},
      {"at the threshold is busy", quiet, now, 100.0, false, CutOverVerdict::kWait,
       "table busy: 100 row changes/s >= 100", std::nullopt},
      {"quiet", quiet, now, 3.5, false, CutOverVerdict::kGo, "table quiet: 3.5 row changes/s < 100", std::nullopt},
      {"rate unknown", quiet, now, std::nullopt, false, CutOverVerdict::kWait, "table change rate not measured yet",
       std::nullopt},
      {"forced while busy", quiet, now, 5000.0, true, CutOverVerdict::kGo, "cut-over forced from the control socket",
       std::nullopt},
      {"window open but busy", both, sched_utc(2026, 11, 26, 23, 0), 812.0, false, CutOverVerdict::kWait,
       "table busy: 812 row changes/s >= 100", std::nullopt},
      {"quiet but outside", both, now, 0.0, false, CutOverVerdict::kWait,
       "outside cut-over windows; next opens 2026-11-26 22:30 UTC (in 1h05m)", sched_utc(2026, 11, 26, 22, 30)},
      {"busy and outside", both, now, 812.0, false, CutOverVerdict::kWait,
       "outside cut-over windows; next opens 2026-11-26 22:30 UTC (in 1h05m); table busy: 812 row changes/s >= 100",
       sched_utc(2026, 11, 26, 22, 30)},
      {"window and quiet", both, sched_utc(2026, 11, 26, 23, 0), 12.0, false, CutOverVerdict::kGo,
       "inside cut-over window Mon-Fri 22:30-01:00 UTC (closes 2026-11-27 01:00 UTC); table quiet: 12 row changes/s < 100",
       std::nullopt},
      {"deadline passed without a window", fail_at_deadline, now, std::nullopt, false, CutOverVerdict::kFailDeadline,
       "deadline 2026-11-26 21:00 UTC passed without a window", std::nullopt},
      {"deadline passed, cut over anyway", go_at_deadline, now, std::nullopt, false, CutOverVerdict::kGo,
       "deadline 2026-11-26 21:00 UTC passed without a window; cutting over anyway (cut-over-at-deadline)",
       std::nullopt},
      {"deadline passed while busy", busy_deadline, now, 812.0, false, CutOverVerdict::kFailDeadline,
       "deadline 2026-11-26 21:00 UTC passed while the table stayed busy (812 row changes/s >= 100)", std::nullopt},
      {"deadline passed before a rate", busy_deadline, now, std::nullopt, false, CutOverVerdict::kFailDeadline,
       "deadline 2026-11-26 21:00 UTC passed before the table change rate was measured", std::nullopt},
      {"deadline passed but the window is open", fail_at_deadline, sched_utc(2026, 11, 26, 23, 0), std::nullopt, false,
       CutOverVerdict::kGo, "inside cut-over window Mon-Fri 22:30-01:00 UTC (closes 2026-11-27 01:00 UTC)",
       std::nullopt},
      {"forced after the deadline", fail_at_deadline, now, std::nullopt, true, CutOverVerdict::kGo,
       "cut-over forced from the control socket", std::nullopt},
      {"deadline ahead", future_deadline, now, std::nullopt, false, CutOverVerdict::kWait,
       "outside cut-over windows; next opens 2026-11-26 22:30 UTC (in 1h05m); deadline 2026-11-27 06:00 UTC (in 8h35m), then fail",
       sched_utc(2026, 11, 26, 22, 30)},
  };
  ScopedTz tz("UTC");  // deadlines are shown in local time
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto d = decide_cut_over(c.policy, c.now, c.rate, c.forced);
    EXPECT_EQ(to_string(d.verdict), to_string(c.verdict));
    EXPECT_EQ(d.reason, c.reason);
    EXPECT_EQ(d.next_open, c.next_open);
  }
}

TEST(DecideCutOver, NextOpeningIsShownInThatWindowsZone) {
  CutOverPolicy p;
  p.windows = {window("Sat,Sun 00:00-06:00 UTC"), window("Thu 23:00-02:00 +02:00")};
  const auto d = decide_cut_over(p, sched_utc(2026, 11, 26, 12, 0), std::nullopt, false);
  EXPECT_EQ(d.verdict, CutOverVerdict::kWait);
  EXPECT_EQ(d.reason, "outside cut-over windows; next opens 2026-11-26 23:00 +02:00 (in 9h00m)");
  EXPECT_EQ(d.next_open, sched_utc(2026, 11, 26, 21, 0));
}

TEST(DecideCutOver, AlwaysOpenWindow) {
  CutOverPolicy p;
  p.windows = {window("00:00-24:00 UTC")};
  const auto d = decide_cut_over(p, sched_utc(2026, 11, 26, 12, 0), std::nullopt, false);
  EXPECT_EQ(d.verdict, CutOverVerdict::kGo);
  EXPECT_EQ(d.reason, "inside cut-over window 00:00-24:00 UTC (always open)");
}

TEST(DecideCutOver, Describe) {
  ScopedTz tz("UTC");
  EXPECT_EQ(CutOverPolicy{}.describe(), "cut-over: as soon as ready");
  CutOverPolicy p;
  p.windows = {window("mon-fri 22:30-01:00 utc"), window("Sat,Sun 00:00-06:00 +01:00")};
  p.quiet_rows_per_second = 100;
  p.deadline = sched_utc(2026, 11, 27, 6, 0);
  EXPECT_EQ(p.describe(),
            "cut-over windows: Mon-Fri 22:30-01:00 UTC; Sat,Sun 00:00-06:00 +01:00; when quiet: < 100 row changes/s; "
            "deadline 2026-11-27 06:00 UTC (then fail)");
}

TEST(FormatRate, Rounding) {
  EXPECT_EQ(format_rate(812.4), "812");
  EXPECT_EQ(format_rate(3.46), "3.5");
  EXPECT_EQ(format_rate(0), "0");
  EXPECT_EQ(format_rate(-1), "0");
  EXPECT_EQ(format_rate(100), "100");
}

TEST(ChangeRateMeter, SlidingWindow) {
  const SteadyTime t0{};  // any origin
  ChangeRateMeter m(seconds(10), t0);
  EXPECT_DOUBLE_EQ(m.rate(t0), 0.0);
  // Before a whole window has passed the rate is over the time since start: 50 rows in 2 s.
  m.add(t0 + milliseconds(500), 20);
  m.add(t0 + milliseconds(1500), 30);
  EXPECT_DOUBLE_EQ(m.rate(t0 + seconds(2)), 25.0);
  // 100 rows a second for 10 s: over the 10 s window, 100/s (the early 50 rows have slid out).
  for (int i = 2; i < 12; ++i) m.add(t0 + seconds(i) + milliseconds(50), 100);
  EXPECT_DOUBLE_EQ(m.rate(t0 + seconds(12)), 100.0);
  // The load stops: the rate falls as the window slides, then reaches 0.
  EXPECT_DOUBLE_EQ(m.rate(t0 + seconds(17)), 50.0);
  EXPECT_DOUBLE_EQ(m.rate(t0 + seconds(22)), 0.0);
  // A burst counts again.
  m.add(t0 + seconds(30), 1000);
  EXPECT_DOUBLE_EQ(m.rate(t0 + seconds(31)), 100.0);
  EXPECT_EQ(m.window(), seconds(10));
}

TEST(ChangeRateMeter, LateAddsLandInTheirBucket) {
  const SteadyTime t0{};
  ChangeRateMeter m(seconds(5), t0);
  m.add(t0 + milliseconds(4200), 10);
  m.add(t0 + milliseconds(1200), 10);  // an add whose clock was read earlier
  m.add(t0 + milliseconds(4250), 10);
  EXPECT_DOUBLE_EQ(m.rate(t0 + seconds(5)), 6.0);          // 30 rows / 5 s
  EXPECT_DOUBLE_EQ(m.rate(t0 + milliseconds(6300)), 4.0);  // the 1.2 s bucket slid out: 20 / 5 s
}

TEST(ChangeRateMeter, ConcurrentAdds) {
  const auto t0 = steady_clock::now();
  ChangeRateMeter m(seconds(60), t0 - seconds(60));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 1000; ++j) m.add(t0, 1);
    });
  for (auto& t : threads) t.join();
  EXPECT_DOUBLE_EQ(m.rate(t0), 4000.0 / 60.0);
}

// A postponed cut-over still fails at the deadline; with cut-over-at-deadline the hold wins.
TEST(DecideCutOver, DeadlineWhilePostponed) {
  const auto now = sched_utc(2026, 11, 26, 21, 25);
  CutOverPolicy none;
  EXPECT_EQ(decide_while_postponed(none, now).verdict, CutOverVerdict::kWait);
  EXPECT_EQ(decide_while_postponed(none, now).reason, "");
  CutOverPolicy later;
  later.deadline = now + minutes(1);
  EXPECT_EQ(decide_while_postponed(later, now).verdict, CutOverVerdict::kWait);
  EXPECT_EQ(decide_while_postponed(later, now).reason, "");
  CutOverPolicy passed;
  passed.deadline = now;
  const auto fail = decide_while_postponed(passed, now);
  EXPECT_EQ(fail.verdict, CutOverVerdict::kFailDeadline);
  EXPECT_NE(fail.reason.find("passed while the cut-over was postponed"), std::string::npos) << fail.reason;
  passed.cut_over_at_deadline = true;
  const auto held = decide_while_postponed(passed, now + hours(1));
  EXPECT_EQ(held.verdict, CutOverVerdict::kWait);
  EXPECT_NE(held.reason.find("still held"), std::string::npos) << held.reason;
}
