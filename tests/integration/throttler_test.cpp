// The Throttler against the live server: max-load on a status variable we move (open connections),
// critical-load abort and hibernation, flag file, throttle query, manual throttle,
// wait_while_throttled timing, an unreachable replica, and — when scripts/test-server runs a replica
// (GHOSTCUT_TEST_REPLICA_*) — real replication lag from stopping the replica's SQL thread.
#include "engine/throttle/throttler.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "engine/sql/changelog.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "integration/test_server.h"
#include "support/ports.h"

using namespace ghostcut;
using namespace std::chrono_literals;
using ghostcut::testing::LiveServerTest;
using Clock = std::chrono::steady_clock;
using ghostcut::test::free_local_port;

namespace {

constexpr auto kInterval = 100ms;
// Added to timing bounds: two cores shared with parallel builds can starve a thread for a while.
constexpr auto kSlack = 300ms;

// Polls `pred` every 10 ms until it holds or `deadline` passes; returns how long it took, or
// nullopt on timeout.
std::optional<std::chrono::milliseconds> within(std::chrono::milliseconds deadline, const std::function<bool()>& pred) {
  const auto start = Clock::now();
  while (true) {
    if (pred()) return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (Clock::now() - start > deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

std::int64_t global_status(engine::SqlConnection& c, const std::string& name) {
  return engine::to_int64(c.query("SHOW GLOBAL STATUS LIKE " + engine::quote_string(name)).at(0, "Value"));
}

// A loopback port nothing listens on: bind an ephemeral port, then close it.
class ThrottlerTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    sink_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(200);
    logger_ = std::make_shared<spdlog::logger>("throttle-test", sink_);
    logger_->set_level(spdlog::level::debug);
  }
  void TearDown() override {
    throttler_.reset();
    LiveServerTest::TearDown();
  }

  engine::ThrottlerConfig config() const {
    engine::ThrottlerConfig c;
    c.primary = settings_;
    c.replica_credentials = settings_;
    c.database = db_;
    c.changelog_table = "t_ghc";
    c.interval = kInterval;
    c.load_interval = kInterval;
    return c;
  }
  engine::Throttler& start(engine::ThrottlerConfig c) {
    throttler_ = std::make_unique<engine::Throttler>(std::move(c), runtime_, logger_);
    throttler_->start();
    return *throttler_;
  }
  bool logged(const std::string& text) const {
    for (const auto& line : sink_->last_formatted())
      if (line.find(text) != std::string::npos) return true;
    return false;
  }
  std::string log_text() const {
    std::string out;
    for (const auto& line : sink_->last_formatted()) out += line;
    return out;
  }
  // Throttled with `reason` within `deadline`.
  ::testing::AssertionResult becomes_throttled(const std::string& reason, std::chrono::milliseconds deadline = 2s) {
    if (within(deadline, [&] { return throttler_->status().reason == reason; })) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "not throttled for " << reason << " within " << deadline.count()
                                         << " ms; status: " << throttler_->status().to_string() << "\n"
                                         << log_text();
  }
  ::testing::AssertionResult becomes_unthrottled(std::chrono::milliseconds deadline = 2s) {
    if (within(deadline, [&] { return !throttler_->is_throttled(); })) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "still throttled after " << deadline.count()
                                         << " ms: " << throttler_->status().to_string() << "\n"
                                         << log_text();
  }

  engine::RuntimeSettings runtime_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<engine::Throttler> throttler_;
};

TEST_F(ThrottlerTest, NotThrottledWithNothingConfigured) {
  auto& t = start(config());
  // Several probe rounds pass without a throttle.
  std::this_thread::sleep_for(3 * kInterval);
  EXPECT_FALSE(t.is_throttled()) << t.status().to_string();
  EXPECT_EQ(t.status().to_string(), "not throttled");
  EXPECT_EQ(t.failure(), nullptr);
  EXPECT_FALSE(t.max_replica_lag().has_value());
  EXPECT_TRUE(t.replica_lags().empty());
}

TEST_F(ThrottlerTest, MaxLoadFollowsTheVariableAndTheLiveThreshold) {
  auto& t = start(config());
  // Threshold 1: certainly reached (our own connections count).
  ASSERT_TRUE(runtime_.set_max_load({{"Threads_connected", 1}}).has_value());
  ASSERT_TRUE(becomes_throttled("max-load"));
  EXPECT_EQ(t.status().detail.rfind("Threads_connected=", 0), 0u) << t.status().detail;
  EXPECT_NE(t.status().detail.find(" >= 1"), std::string::npos) << t.status().detail;
  EXPECT_TRUE(logged("throttled: max-load: Threads_connected=")) << log_text();

  // Raised through RuntimeSettings (as the control socket does): lifts.
  const std::int64_t base = global_status(*admin_, "Threads_connected");
  ASSERT_TRUE(runtime_.set_max_load({{"threads_connected", base + 3}}).has_value());  // any case
  ASSERT_TRUE(becomes_unthrottled());
  EXPECT_TRUE(logged("throttle lifted after")) << log_text();

  // Move the variable itself: three more connections reach the threshold, closing one lifts it.
  std::vector<std::unique_ptr<engine::SqlConnection>> extra;
  for (int i = 0; i < 3; ++i) extra.push_back(engine::SqlConnection::open(settings_));
  ASSERT_TRUE(becomes_throttled("max-load"));
  EXPECT_EQ(t.status().detail, "threads_connected=" + std::to_string(base + 3) + " >= " + std::to_string(base + 3));
  extra.pop_back();
  EXPECT_TRUE(becomes_unthrottled());
}

TEST_F(ThrottlerTest, UnknownLoadVariableThrottlesAndWarnsOnce) {
  auto& t = start(config());
  ASSERT_TRUE(runtime_.set_max_load({{"No_such_status_variable", 5}}).has_value());
  ASSERT_TRUE(becomes_throttled("max-load"));
  EXPECT_EQ(t.status().detail, "unknown status variable No_such_status_variable");
  std::this_thread::sleep_for(3 * kInterval);
  int warnings = 0;
  for (const auto& line : sink_->last_formatted())
    if (line.find("has no variable No_such_status_variable") != std::string::npos) ++warnings;
  EXPECT_EQ(warnings, 1) << log_text();
  ASSERT_TRUE(runtime_.set_max_load({}).has_value());
  EXPECT_TRUE(becomes_unthrottled());
}

TEST_F(ThrottlerTest, CriticalLoadAbortsWithoutHibernate) {
  struct Case {
    std::string name;
    std::chrono::milliseconds recheck;
  };
  for (const Case& c : {Case{"at once", 0ms}, Case{"after a re-check", 200ms}}) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(runtime_.set_critical_load({}).has_value());
    auto cfg = config();
    cfg.critical_load_interval = c.recheck;
    auto& t = start(cfg);
    EXPECT_EQ(t.failure(), nullptr);
    // Timed from before the threshold is set: the load thread may act on it before this thread
    // runs again, so a clock started after the set can miss part of the re-check.
    const auto set_at = Clock::now();
    ASSERT_TRUE(runtime_.set_critical_load({{"Threads_connected", 1}}).has_value());
    ASSERT_TRUE(within(3s, [&] { return t.failure() != nullptr; })) << t.status().to_string();
    EXPECT_GE(Clock::now() - set_at, c.recheck);
    try {
      std::rethrow_exception(t.failure());
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("critical-load reached: Threads_connected="), std::string::npos) << e.what();
    }
    // It stays throttled (no more writes) even when the threshold is raised: the migration aborts.
    // The failure is set before the status is recomputed: wait for the status first.
    ASSERT_TRUE(becomes_throttled("critical-load"));
    ASSERT_TRUE(runtime_.set_critical_load({{"Threads_connected", 1000000}}).has_value());
    std::this_thread::sleep_for(3 * kInterval);
    EXPECT_EQ(t.status().reason, "critical-load");
    EXPECT_NE(t.status().detail.find("(aborting)"), std::string::npos) << t.status().detail;
    throttler_.reset();
  }
}

TEST_F(ThrottlerTest, CriticalLoadHibernatesInsteadOfAborting) {
  auto cfg = config();
  cfg.critical_load_hibernate = 1s;
  auto& t = start(cfg);
  // Taken before the set, which the hibernation follows: taken once the throttle is seen, it
  // starts late by however long this thread waited for a core, and the second looks short.
  const auto hibernation_began = Clock::now();
  ASSERT_TRUE(runtime_.set_critical_load({{"Threads_connected", 1}}).has_value());
  ASSERT_TRUE(becomes_throttled("critical-load"));
  EXPECT_NE(t.status().detail.find("hibernating"), std::string::npos) << t.status().detail;
  // The load is gone at once, but the hibernation lasts its second.
  ASSERT_TRUE(runtime_.set_critical_load({{"Threads_connected", 1000000}}).has_value());
  ASSERT_TRUE(becomes_unthrottled(3s));
  EXPECT_GE(Clock::now() - hibernation_began, 900ms);
  EXPECT_EQ(t.failure(), nullptr);
}

TEST_F(ThrottlerTest, FlagFileThrottlesWithinTwoIntervals) {
  const std::string flag = (std::filesystem::temp_directory_path() / ("ghostcut-throttle-" + db_)).string();
  std::filesystem::remove(flag);
  auto cfg = config();
  cfg.flag_file = flag;
  auto& t = start(cfg);
  std::this_thread::sleep_for(2 * kInterval);
  EXPECT_FALSE(t.is_throttled()) << t.status().to_string();

  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    std::ofstream(flag).put('x');
    const auto on = within(2s, [&] { return t.status().reason == "flag-file"; });
    ASSERT_TRUE(on) << t.status().to_string();
    EXPECT_LE(*on, 2 * kInterval + kSlack);
    EXPECT_EQ(t.status().detail, "flag file " + flag + " exists");
    std::filesystem::remove(flag);
    const auto off = within(2s, [&] { return !t.is_throttled(); });
    ASSERT_TRUE(off) << t.status().to_string();
    EXPECT_LE(*off, 2 * kInterval + kSlack);
  }
}

TEST_F(ThrottlerTest, FlagFilePresentAtStartHoldsFromTheFirstCall) {
  const std::string flag = (std::filesystem::temp_directory_path() / ("ghostcut-throttle0-" + db_)).string();
  std::ofstream(flag).put('x');
  auto cfg = config();
  cfg.flag_file = flag;
  auto& t = start(cfg);
  EXPECT_EQ(t.status().reason, "flag-file");
  std::filesystem::remove(flag);
  EXPECT_TRUE(becomes_unthrottled());
}

TEST_F(ThrottlerTest, ThrottleQueryFollowsItsAnswer) {
  conn_->execute("CREATE TABLE knob (v INT NOT NULL)");
  conn_->execute("INSERT INTO knob VALUES (0)");
  auto& t = start(config());
  ASSERT_TRUE(runtime_.set_throttle_query("SELECT v FROM " + engine::quote_qualified(db_, "knob")).has_value());
  // Held as "not run yet" until the query's first answer (0) lifts it.
  EXPECT_TRUE(becomes_unthrottled());

  struct Step {
    int value;
    bool throttled;
  };
  for (const Step s : {Step{1, true}, Step{0, false}, Step{7, true}, Step{-1, false}}) {
    SCOPED_TRACE(s.value);
    conn_->execute("UPDATE knob SET v = " + std::to_string(s.value));
    if (s.throttled) {
      ASSERT_TRUE(becomes_throttled("throttle-query"));
      // A query just set holds first as "not run yet": wait for this answer itself.
      const std::string answer = "throttle query returned " + std::to_string(s.value);
      EXPECT_TRUE(within(2s, [&] { return t.status().detail == answer; })) << t.status().to_string();
    } else {
      ASSERT_TRUE(becomes_unthrottled());
    }
  }

  // A failing query throttles (safe side); a fixed one lifts it.
  ASSERT_TRUE(
      runtime_.set_throttle_query("SELECT no_such_column FROM " + engine::quote_qualified(db_, "knob")).has_value());
  ASSERT_TRUE(becomes_throttled("throttle-query"));
  // First "not run yet" (it holds too), then the failure once the query has run.
  EXPECT_TRUE(within(2s, [&] { return t.status().detail.find("throttle query failed") != std::string::npos; }))
      << t.status().detail;
  EXPECT_TRUE(t.is_throttled());
  ASSERT_TRUE(runtime_.set_throttle_query("SELECT 0").has_value());
  EXPECT_TRUE(becomes_unthrottled());
}

TEST_F(ThrottlerTest, ManualThrottleAndWaitWhileThrottled) {
  auto& t = start(config());
  // Not throttled: returns at once.
  const auto t0 = Clock::now();
  t.wait_while_throttled(std::stop_token{});
  EXPECT_LT(Clock::now() - t0, kSlack);

  runtime_.set_manual_throttle(true);
  const auto manual_on = within(2s, [&] { return t.status().reason == "manual"; });
  ASSERT_TRUE(manual_on) << t.status().to_string();
  EXPECT_LE(*manual_on, kInterval + kSlack);  // a settings change wakes the probe at once
  EXPECT_EQ(t.status().to_string(), "manual: throttle command");
  const auto since = t.status().since;

  std::atomic<bool> returned{false};
  Clock::time_point returned_at;
  std::jthread waiter([&] {
    t.wait_while_throttled(std::stop_token{});
    returned_at = Clock::now();
    returned = true;
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(returned.load());
  EXPECT_EQ(t.status().since, since);  // one episode, one start
  const auto lifted = Clock::now();
  runtime_.set_manual_throttle(false);
  waiter.join();
  ASSERT_TRUE(returned.load());
  EXPECT_LE(returned_at - lifted, kInterval + kSlack);
  EXPECT_FALSE(t.is_throttled());

  // A stop token ends the wait while the throttle holds.
  runtime_.set_manual_throttle(true);
  ASSERT_TRUE(becomes_throttled("manual"));
  std::stop_source stop;
  std::jthread stopped_waiter([&] { t.wait_while_throttled(stop.get_token()); });
  std::this_thread::sleep_for(100ms);
  const auto stop_at = Clock::now();
  stop.request_stop();
  stopped_waiter.join();
  EXPECT_LE(Clock::now() - stop_at, kSlack);
  EXPECT_TRUE(t.is_throttled());

  // stop() releases waiters too.
  std::jthread released([&] { t.wait_while_throttled(std::stop_token{}); });
  std::this_thread::sleep_for(50ms);
  t.stop();
  released.join();
}

TEST_F(ThrottlerTest, UnreachableReplicaCountsAsLagging) {
  auto& t = start(config());
  const std::uint16_t port = free_local_port();
  const std::string address = "127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(runtime_.set_throttle_control_replicas({{"127.0.0.1", port}}).has_value());
  ASSERT_TRUE(becomes_throttled("lag"));
  EXPECT_EQ(t.status().detail.rfind("replica " + address + " unreachable: ", 0), 0u) << t.status().detail;
  const auto lags = t.replica_lags();
  ASSERT_EQ(lags.size(), 1u);
  EXPECT_EQ(lags[0].first, address);
  EXPECT_FALSE(lags[0].second.has_value());
  EXPECT_FALSE(t.max_replica_lag().has_value());
  // The password never reaches the log or the status.
  EXPECT_EQ(log_text().find(settings_.password), std::string::npos);
  EXPECT_EQ(t.status().detail.find(settings_.password), std::string::npos);
  // Dropping the replica from the list lifts the throttle.
  ASSERT_TRUE(runtime_.set_throttle_control_replicas({}).has_value());
  EXPECT_TRUE(becomes_unthrottled());
}

// Real replication: the primary writes heartbeats every 100 ms; stopping the replica's SQL thread
// must throttle for "lag" within 2 s, and starting it again must lift the throttle.
TEST_F(ThrottlerTest, ReplicaLagFromAStoppedSqlThread) {
  const char* rhost = std::getenv("GHOSTCUT_TEST_REPLICA_HOST");
  const char* rport = std::getenv("GHOSTCUT_TEST_REPLICA_PORT");
  if (!rport) GTEST_SKIP() << "no test replica (GHOSTCUT_TEST_REPLICA_PORT unset; scripts/test starts one)";
  engine::ReplicaAddress replica{rhost ? rhost : "127.0.0.1", static_cast<std::uint16_t>(std::atoi(rport))};
  ghostcut::ConnectionSettings replica_settings = settings_;
  replica_settings.host = replica.host;
  replica_settings.port = replica.port;
  replica_settings.database.clear();
  auto replica_conn = engine::SqlConnection::open(replica_settings);

  const engine::Changelog changelog(db_, "t_ghc");
  conn_->execute(changelog.create_query());
  std::jthread heartbeat([settings = settings_, &changelog](std::stop_token stop) {
    engine::SqlThreadGuard guard;
    auto c = engine::SqlConnection::open(settings);
    while (!stop.stop_requested()) {
      changelog.write_heartbeat(*c);
      std::this_thread::sleep_for(100ms);
    }
  });
  // The SQL thread is always restarted, whatever the test's outcome.
  struct RestartSqlThread {
    engine::SqlConnection& c;
    ~RestartSqlThread() {
      try {
        c.execute("START SLAVE SQL_THREAD");
      } catch (...) {
      }
    }
  } restart{*replica_conn};

  ASSERT_TRUE(runtime_.set_max_lag_millis(500).has_value());
  auto& t = start(config());
  ASSERT_TRUE(runtime_.set_throttle_control_replicas({replica}).has_value());  // the list changes while running
  // Heartbeats reach the replica: a measured lag under the limit, no throttle.
  ASSERT_TRUE(within(5s, [&] { return t.max_replica_lag().has_value() && !t.is_throttled(); }))
      << t.status().to_string() << "\n"
      << log_text();
  // Nothing else throttles meanwhile. (The lag itself may pass 500 ms for a moment on a loaded
  // machine, a heartbeat or the replica's SQL thread waiting for a core: then "lag" is right.)
  std::this_thread::sleep_for(3 * kInterval);
  EXPECT_TRUE(!t.is_throttled() || t.status().reason == "lag") << t.status().to_string();

  replica_conn->execute("STOP SLAVE SQL_THREAD");
  const auto throttled_after = within(2s, [&] { return t.status().reason == "lag"; });
  ASSERT_TRUE(throttled_after) << t.status().to_string() << "\n" << log_text();
  const auto s = t.status();
  EXPECT_EQ(s.detail.rfind("replica " + replica.to_string() + " lag ", 0), 0u) << s.detail;
  EXPECT_NE(s.detail.find(" > 0.5s"), std::string::npos) << s.detail;
  EXPECT_GT(*t.max_replica_lag(), 500ms);
  std::cerr << "throttled for lag " << throttled_after->count() << " ms after STOP SLAVE SQL_THREAD\n";

  replica_conn->execute("START SLAVE SQL_THREAD");
  const auto lifted_after = within(5s, [&] { return !t.is_throttled(); });
  ASSERT_TRUE(lifted_after) << t.status().to_string();
  EXPECT_LE(*t.max_replica_lag(), 500ms);
  EXPECT_TRUE(logged("throttle lifted after")) << log_text();
  std::cerr << "throttle lifted " << lifted_after->count() << " ms after START SLAVE SQL_THREAD\n";
}

}  // namespace
