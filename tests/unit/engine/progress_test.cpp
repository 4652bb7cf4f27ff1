#include "engine/metrics/progress.h"

#include <gtest/gtest.h>

#include <sstream>
#include "support/mini_json.h"

using namespace ghostcut::engine;
using namespace std::chrono_literals;

namespace {
ProgressSnapshot snap(std::string state, std::uint64_t copied, std::uint64_t estimated,
                      std::chrono::nanoseconds elapsed, bool started = true, bool done = false) {
  ProgressSnapshot s;
  s.state = std::move(state);
  s.rows_copied = copied;
  s.rows_estimated = estimated;
  s.copy_elapsed = elapsed;
  s.copy_started = started;
  s.copy_done = done;
  return s;
}

ghostcut::test::JsonNode parse_json(const std::string& text) { return ghostcut::test::parse_json_or_throw(text); }
using ghostcut::test::json_get;

// The copy statements' lock hold: p99 is the bucket bound where 99 % of them fall, capped by the
// max; the status line shows both once a statement ran.
TEST(ProgressCounters, LockHoldPercentileAndMax) {
  using namespace std::chrono_literals;
  ProgressCounters c;
  const auto now = std::chrono::steady_clock::now();
  EXPECT_EQ(c.snapshot(now, "copying").status_line().find("Locks"), std::string::npos);
  for (int i = 0; i < 98; ++i) c.record_lock_hold(3ms);
  c.record_lock_hold(40ms);
  auto s = c.snapshot(now, "copying");
  EXPECT_EQ(s.copy_statements, 99u);
  EXPECT_EQ(s.copy_lock_hold_p99_ms, 40u);  // rank ceil(99 × 0.99) = 99: the 40 ms one (bucket 50, capped by the max)
  EXPECT_EQ(s.copy_lock_hold_max_ms, 40u);
  c.record_lock_hold(7s);  // above the last bound
  s = c.snapshot(now, "copying");
  EXPECT_EQ(s.copy_lock_hold_max_ms, 7000u);
  EXPECT_EQ(s.copy_lock_hold_p99_ms, 50u);  // rank 99 of 100: the 40 ms statement, bucket 50 ms
  EXPECT_NE(s.status_line().find("; Locks: p99 50ms, max 7000ms"), std::string::npos) << s.status_line();
  for (int i = 0; i < 5; ++i) c.record_lock_hold(9s);
  EXPECT_EQ(c.snapshot(now, "copying").copy_lock_hold_p99_ms, 9000u);  // above the last bound: the max
}

}  // namespace

TEST(Progress, FormatDuration) {
  struct Case {
    std::int64_t secs;
    const char* want;
  };
  for (const auto& c : std::vector<Case>{{0, "0s"},
                                         {8, "8s"},
                                         {59, "59s"},
                                         {60, "1m00s"},
                                         {65, "1m05s"},
                                         {3600, "1h00m00s"},
                                         {7384, "2h03m04s"},
                                         {-5, "0s"},
                                         {360000, "100h00m00s"}}) {
    SCOPED_TRACE(c.secs);
    EXPECT_EQ(format_duration(std::chrono::seconds{c.secs}), c.want);
  }
}

TEST(Progress, StatusLineForEachState) {
  struct Case {
    const char* name;
    ProgressSnapshot s;
    std::string want;
  };
  auto copying = snap("copying", 412000, 1000000, 8s);
  copying.backlog = 12;
  copying.applier_lag_ms = 150;
  const std::vector<Case> cases = {
      {"copying", copying,
       "Copy: 412000/1000000 41.2%; Applier: backlog 12, lag 0.15s; State: copying; Rate: 51500 rows/s; ETA: 12s; Elapsed: 8s"},
      {"not started", snap("migrating", 0, 1000, 0ns, false),
       "Copy: 0/1000 0.0%; Applier: backlog 0, lag 0.00s; State: migrating; Rate: 0 rows/s; ETA: N/A; Elapsed: 0s"},
      {"started, zero rows, zero rate", snap("copying", 0, 1000, 2s),
       "Copy: 0/1000 0.0%; Applier: backlog 0, lag 0.00s; State: copying; Rate: 0 rows/s; ETA: N/A; Elapsed: 2s"},
      {"past the estimate", snap("copying", 1200, 1000, 10s),
       "Copy: 1200/1000 100.0%; Applier: backlog 0, lag 0.00s; State: copying; Rate: 120 rows/s; ETA: due; Elapsed: 10s"},
      {"zero estimate", snap("copying", 5, 0, 1s),
       "Copy: 5/0 100.0%; Applier: backlog 0, lag 0.00s; State: copying; Rate: 5 rows/s; ETA: due; Elapsed: 1s"},
      {"throttled", snap("throttled: max-lag", 500, 1000, 65s),
       "Copy: 500/1000 50.0%; Applier: backlog 0, lag 0.00s; State: throttled: max-lag; Rate: 8 rows/s; ETA: 1m05s; Elapsed: 1m05s"},
      {"copy done, postponing", snap("postponing cut-over", 990, 1000, 3723s, true, true),
       "Copy: 990/1000 100.0%; Applier: backlog 0, lag 0.00s; State: postponing cut-over; Rate: 0 rows/s; ETA: done; Elapsed: 1h02m03s"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.s.status_line(), c.want);
  }
  auto full = snap("copying", 500, 1000, 5s);
  full.throttle_reason = "manual";
  full.binlog_position = "mysql-bin.000002:120";
  full.total_elapsed = 90s;
  EXPECT_EQ(full.status_line(),
            "Copy: 500/1000 50.0%; Applier: backlog 0, lag 0.00s; State: copying; Rate: 100 rows/s; ETA: 5s; "
            "Elapsed: 1m30s; Throttled: manual; Binlog: mysql-bin.000002:120");
}

TEST(Progress, KeyRangeCoverageWinsOverTheEstimate) {
  auto s = snap("copying", 900, 1000, 10s);  // the estimate says 90%
  s.key_range_percent = 25.0;                // the key range says a quarter is done
  EXPECT_DOUBLE_EQ(s.percent(), 25.0);
  EXPECT_EQ(s.eta(), std::chrono::seconds{30});  // 10 s for 25% → 30 s for the other 75%
  s.key_range_percent = 140.0;
  EXPECT_DOUBLE_EQ(s.percent(), 100.0);
  EXPECT_EQ(s.eta(), std::chrono::seconds{0});
  s.copy_done = true;
  s.key_range_percent = 50.0;
  EXPECT_DOUBLE_EQ(s.percent(), 100.0);

  ProgressCounters c;
  c.key_range_ppm = 412345;
  EXPECT_DOUBLE_EQ(*c.snapshot(SteadyTime{}, "x").key_range_percent, 41.2345);
  c.key_range_ppm = 0;
  EXPECT_FALSE(c.snapshot(SteadyTime{}, "x").key_range_percent);
}

TEST(Progress, RateAndEta) {
  auto s = snap("copying", 100, 1000, 1s);
  EXPECT_DOUBLE_EQ(s.rows_per_second(), 100.0);
  EXPECT_EQ(s.eta(), std::chrono::seconds{9});
  s.rows_copied = 101;  // 899 left at 101/s = 8.9s: rounds up
  EXPECT_EQ(s.eta(), std::chrono::seconds{9});
  EXPECT_EQ(snap("c", 0, 1000, 0ns).eta(), std::nullopt);
  EXPECT_EQ(snap("c", 1000, 1000, 1s).eta(), std::chrono::seconds{0});
  EXPECT_EQ(snap("c", 1, 1000, 0ns, true, true).eta(), std::chrono::seconds{0});
}

TEST(Progress, JsonRendering) {
  auto s = snap("throttled: \"manual\"\n\\", 412000, 1000000, 8s);
  s.backlog = 12;
  s.applier_lag_ms = 150;
  s.chunks_copied = 412;
  s.events_applied = 77;
  const auto json = s.to_json();
  EXPECT_EQ(
      json,
      "{\"state\":\"throttled: \\\"manual\\\"\\n\\\\\",\"rows_copied\":412000,\"rows_estimated\":1000000,"
      "\"percent\":41.2,\"chunks_copied\":412,\"rows_resumed\":0,\"copy_lock_hold_p99_ms\":0,\"copy_lock_hold_max_ms\":0,\"checksum_rows\":0,\"checksum_rows_repaired\":0,\"copy_yielded_ms\":0,\"events_applied\":77,\"backlog\":12,\"applier_lag_ms\":150,"
      "\"rows_per_second\":51500,\"eta_seconds\":12,\"elapsed_seconds\":8,\"copy_elapsed_seconds\":8,"
      "\"copy_threads\":0,\"copy_started\":true,\"copy_done\":false,\"throttled\":false,\"throttle_reason\":\"\",\"binlog_position\":\"\"}");
  auto tree = parse_json(json);
  EXPECT_EQ(json_get<std::string>(tree, "state"), "throttled: \"manual\"\n\\");
  EXPECT_EQ(json_get<std::uint64_t>(tree, "rows_copied"), 412000u);
  EXPECT_EQ(json_get<int>(tree, "eta_seconds"), 12);

  s.throttle_reason = "lag: replica 127.0.0.1:3307 lag 2.10s > 1.5s";
  s.binlog_position = "mysql-bin.000003:4711";
  s.total_elapsed = 61s;
  tree = parse_json(s.to_json());
  EXPECT_TRUE(json_get<bool>(tree, "throttled"));
  EXPECT_EQ(json_get<std::string>(tree, "throttle_reason"), s.throttle_reason);
  EXPECT_EQ(json_get<std::string>(tree, "binlog_position"), "mysql-bin.000003:4711");
  EXPECT_EQ(json_get<int>(tree, "elapsed_seconds"), 61);
  EXPECT_EQ(json_get<int>(tree, "copy_elapsed_seconds"), 8);

  const auto unknown = snap("migrating", 0, 10, 0ns, false).to_json();
  EXPECT_NE(unknown.find("\"eta_seconds\":null"), std::string::npos);
  EXPECT_NO_THROW(parse_json(unknown));
}

TEST(Progress, JsonEscape) {
  struct Case {
    const char* name;
    std::string in;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"plain", "abc", "abc"},
      {"quote and backslash", "a\"b\\c", "a\\\"b\\\\c"},
      {"named controls", "\b\f\n\r\t", "\\b\\f\\n\\r\\t"},
      {"other controls", std::string("\x01\x1f\0", 3), "\\u0001\\u001f\\u0000"},
      {"utf-8 passes through", "caf\xc3\xa9", "caf\xc3\xa9"},
      {"del passes", "\x7f", "\x7f"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(json_escape(c.in), c.want);
  }
}

TEST(ProgressCounters, SnapshotTimesTheCopy) {
  ProgressCounters p;
  const auto t0 = std::chrono::steady_clock::now();
  auto s = p.snapshot(t0, "starting");
  EXPECT_FALSE(s.copy_started);
  EXPECT_EQ(s.copy_elapsed, 0ns);

  p.rows_estimated = 1000;
  p.mark_copy_started(t0);
  p.mark_copy_started(t0 + 5s);  // ignored: the first start wins
  p.rows_copied += 300;
  p.chunks_copied += 3;
  p.backlog = 4;
  s = p.snapshot(t0 + 3s, "copying");
  EXPECT_TRUE(s.copy_started);
  EXPECT_FALSE(s.copy_done);
  EXPECT_EQ(s.copy_elapsed, 3s);
  EXPECT_EQ(s.rows_copied, 300u);
  EXPECT_EQ(s.chunks_copied, 3u);
  EXPECT_EQ(s.backlog, 4u);
  EXPECT_EQ(s.state, "copying");

  p.mark_copy_done(t0 + 10s);
  s = p.snapshot(t0 + 60s, "postponing cut-over");
  EXPECT_TRUE(s.copy_done);
  EXPECT_EQ(s.copy_elapsed, 10s);  // frozen at the end of the copy
  EXPECT_DOUBLE_EQ(s.percent(), 100.0);
}
