#include "engine/metrics/metrics_snapshot.h"

#include <gtest/gtest.h>

using namespace ghostcut::engine;
using namespace std::chrono_literals;

TEST(MetricsSnapshot, ThrottleReasonKind) {
  struct Case {
    std::string reason;
    std::string kind;
  };
  for (const auto& c : std::vector<Case>{{"lag: replica 127.0.0.1:3307 lag 2.1s > 1.5s", "lag"},
                                         {"flag-file", "flag-file"},
                                         {" manual : by ctl", "manual"},
                                         {"max-load: Threads_running=31 >= 30", "max-load"},
                                         {"", ""},
                                         {":", ""}}) {
    SCOPED_TRACE(c.reason);
    EXPECT_EQ(throttle_reason_kind(c.reason), c.kind);
  }
}

TEST(MetricsSnapshot, FromProgress) {
  ProgressSnapshot p;
  p.state = "copying";
  p.rows_copied = 500;
  p.rows_estimated = 1000;
  p.events_applied = 42;
  p.backlog = 3;
  p.applier_lag_ms = 1250;
  p.copy_started = true;
  p.copy_elapsed = 2s;
  p.total_elapsed = 9s;
  p.throttle_reason = "lag: replica r1 lag 2.1s > 1.5s";
  const MetricsSnapshot m = metrics_from_progress(p);
  EXPECT_EQ(m.state, "copying");
  EXPECT_EQ(m.rows_copied, 500u);
  EXPECT_EQ(m.rows_estimated, 1000u);
  EXPECT_DOUBLE_EQ(m.copy_rows_per_second, 250.0);
  EXPECT_DOUBLE_EQ(m.copy_percent, 50.0);
  EXPECT_EQ(m.events_applied, 42u);
  EXPECT_EQ(m.applier_backlog, 3u);
  ASSERT_TRUE(m.applier_lag_seconds);
  EXPECT_DOUBLE_EQ(*m.applier_lag_seconds, 1.25);
  EXPECT_TRUE(m.throttled);
  EXPECT_EQ(m.throttle_reason, "lag");
  EXPECT_DOUBLE_EQ(m.elapsed_seconds, 9.0);
  EXPECT_TRUE(m.database.empty());  // the caller's part
  EXPECT_EQ(m.cut_over_attempts, 0u);

  p.throttle_reason.clear();
  p.key_range_percent = 75.0;
  const MetricsSnapshot n = metrics_from_progress(p);
  EXPECT_FALSE(n.throttled);
  EXPECT_DOUBLE_EQ(n.copy_percent, 75.0);  // key-range coverage wins over the row estimate
}
