// Issue #6 acceptance on the live server: cut-over windows (with an injected clock, so no test
// waits for real time), the quiet-traffic threshold, the deadline, and hooks.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "engine/sql/quoting.h"
#include "integration/test_server.h"
#include "support/eventually.h"
#include "support/temp_dir.h"

using namespace ghostcut::engine;
using ghostcut::ConnectionSettings;
using namespace std::chrono_literals;
using ghostcut::testing::LiveServerTest;

using ghostcut::test::eventually;

namespace {

// 2026-11-26 (a Thursday) 10:00:00 UTC.
constexpr std::int64_t kThursday10Utc = 1795687200;

// A wall clock the test moves by hand.
struct FakeClock {
  std::atomic<std::int64_t> epoch_seconds{kThursday10Utc};
  WallClock fn() {
    return [this] { return std::chrono::system_clock::time_point(std::chrono::seconds(epoch_seconds.load())); };
  }
};

// Updates and inserts on the table until stopped; counts what it did.
struct LoadWriter {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> ops{0}, errors{0};
  std::thread thread;
  void start(const ConnectionSettings& cs, std::chrono::microseconds pause) {
    thread = std::thread([this, cs, pause] {
      SqlThreadGuard guard;
      auto c = SqlConnection::open(cs);
      std::mt19937 rng(7);
      std::int64_t next = 10'000'000;
      while (!stop) {
        try {
          if (rng() % 3 == 0) c->update("INSERT INTO t (id, a, b) VALUES (?, 1, 'w')", {next++});
          else c->update("UPDATE t SET a = a + 1 WHERE id = ?", {static_cast<std::int64_t>(rng() % 5000 + 1)});
          ++ops;
        } catch (const std::exception&) {
          ++errors;
        }
        std::this_thread::sleep_for(pause);
      }
    });
  }
  void finish() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
  ~LoadWriter() { finish(); }
};

class ScheduleMigrationTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    dir_ = ghostcut::test::make_temp_dir("gc-sched");
    ASSERT_FALSE(dir_.empty());
    conn_->execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(64) NOT NULL)");
    conn_->execute("INSERT INTO t SELECT seq, seq, CONCAT('row-', seq) FROM seq_1_to_5000");
  }
  void TearDown() override {
    if (runner_.valid()) runner_.wait();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    LiveServerTest::TearDown();
  }
  MigratorConfig config() {
    MigratorConfig c;
    c.connection = settings_;
    c.server_id = 940000 + static_cast<std::uint32_t>(::getpid() % 10000);
    c.heartbeat_interval = 100ms;
    c.progress_interval = 60s;
    c.cut_over.retry_backoff = 200ms;
    c.clock = clock_.fn();
    return c;
  }
  void start(MigratorConfig c) {
    Inspector inspector(*conn_, {});
    plan_ = inspector.inspect(db_, "t", "ADD COLUMN c INT NULL");
    migrator_ = std::make_unique<Migrator>(std::move(c), plan_, runtime_, progress_, nullptr);
    runner_ = std::async(std::launch::async, [this] {
      SqlThreadGuard guard;
      try {
        migrator_->run({});
        return std::string();
      } catch (const std::exception& e) {
        return std::string(e.what());
      }
    });
  }
  std::string finish() {
    EXPECT_EQ(runner_.wait_for(60s), std::future_status::ready);
    return runner_.get();
  }
  std::string checksum(const std::string& table) {
    auto r = conn_->query("SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('|', id, a, b))), 0) FROM " +
                          quote_qualified(db_, table));
    return r.rows[0][0].value_or("") + "/" + r.rows[0][1].value_or("");
  }
  bool table_exists(const std::string& table) {
    return !conn_
                ->query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                        {db_, table})
                .empty();
  }

  FakeClock clock_;
  std::string dir_;
  RuntimeSettings runtime_;
  ProgressCounters progress_;
  MigrationPlan plan_;
  std::unique_ptr<Migrator> migrator_;
  std::future<std::string> runner_;
};

TEST_F(ScheduleMigrationTest, WaitsForTheWindowInSyncThenCutsOverInsideIt) {
  ASSERT_TRUE(runtime_.set_cut_over_windows({"Thu 10:05-10:30 UTC"}));
  LoadWriter writer;
  writer.start(settings_, 2ms);
  start(config());
  ASSERT_TRUE(eventually(
      [&] {
        return migrator_->phase() == Phase::kWaitingForCutOver &&
               migrator_->state().find("window") != std::string::npos;
      },
      20s))
      << migrator_->state();
  // The status says why and when; the next opening is 10:05 UTC.
  EXPECT_NE(migrator_->status_text().find("10:05"), std::string::npos) << migrator_->status_text();
  EXPECT_NE(migrator_->status_json().find("\"next_window_epoch\":" + std::to_string(kThursday10Utc + 300)),
            std::string::npos)
      << migrator_->status_json();
  // Held while writes go on; the applier keeps up.
  const auto applied = progress_.events_applied.load();
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(migrator_->phase(), Phase::kWaitingForCutOver);
  // Applied events are waited for, not assumed within the hold (a starved applier can be late).
  EXPECT_TRUE(eventually([&] { return progress_.events_applied.load() > applied; }, 30s))
      << "the applier did not keep the ghost in sync";
  EXPECT_EQ(migrator_->phase(), Phase::kWaitingForCutOver);
  writer.finish();
  EXPECT_EQ(writer.errors.load(), 0u);
  // The window opens.
  clock_.epoch_seconds = kThursday10Utc + 6 * 60;
  EXPECT_EQ(finish(), "");
  EXPECT_EQ(migrator_->phase(), Phase::kDone);
  EXPECT_EQ(checksum("t"), checksum("t_del"));  // every write reached the new table
}

TEST_F(ScheduleMigrationTest, WindowCommandReplacesTheWindowsAndCutOverForcesIt) {
  ASSERT_TRUE(runtime_.set_cut_over_windows({"Fri 02:00-03:00 UTC"}));
  start(config());
  ASSERT_TRUE(eventually(
      [&] {
        return migrator_->phase() == Phase::kWaitingForCutOver &&
               migrator_->state().find("window") != std::string::npos;
      },
      20s))
      << migrator_->state();
  // window= takes effect at once: a window that is open now.
  auto r = migrator_->handle_control_line("window=Thu 09:00-11:00 UTC");
  EXPECT_TRUE(r.ok) << r.text;
  EXPECT_EQ(finish(), "");
  EXPECT_EQ(checksum("t"), checksum("t_del"));
}

TEST_F(ScheduleMigrationTest, ForcedCutOverOverridesTheWindow) {
  ASSERT_TRUE(runtime_.set_cut_over_windows({"Fri 02:00-03:00 UTC"}));
  start(config());
  ASSERT_TRUE(eventually(
      [&] {
        return migrator_->phase() == Phase::kWaitingForCutOver &&
               migrator_->state().find("window") != std::string::npos;
      },
      20s))
      << migrator_->state();
  EXPECT_TRUE(migrator_->handle_control_line("cut-over").ok);
  EXPECT_EQ(finish(), "");
  EXPECT_EQ(migrator_->phase(), Phase::kDone);
}

TEST_F(ScheduleMigrationTest, AWindowClosingBetweenCutOverRetriesSendsItBackToWaiting) {
  ASSERT_TRUE(runtime_.set_cut_over_windows({"Thu 10:00-10:30 UTC"}));
  clock_.epoch_seconds = kThursday10Utc + 5 * 60;  // inside
  auto c = config();
  c.cut_over.lock_timeout = 1s;
  c.cut_over.retries = 20;
  c.cut_over.retry_backoff = 300ms;
  runtime_.set_postpone_cut_over(true);
  start(c);
  ASSERT_TRUE(eventually([&] { return migrator_->phase() == Phase::kPostponed; }, 20s)) << migrator_->state();
  // Once the copy is done, a long transaction on t makes every cut-over attempt time out on its lock.
  auto blocker = SqlConnection::open(settings_);
  blocker->execute("BEGIN");
  blocker->execute("SELECT * FROM t WHERE id = 1 FOR UPDATE");
  runtime_.set_postpone_cut_over(false);
  auto attempts = [&] {
    const auto j = migrator_->status_json();
    const auto at = j.find("\"cut_over_attempts\":");
    return at == std::string::npos ? -1 : std::atoi(j.c_str() + at + 20);
  };
  ASSERT_TRUE(eventually([&] { return attempts() >= 1; }, 30s)) << migrator_->state();
  // The window closes while the attempts fail: back to waiting, no more attempts.
  clock_.epoch_seconds = kThursday10Utc + 40 * 60;
  ASSERT_TRUE(eventually(
      [&] {
        return migrator_->phase() == Phase::kWaitingForCutOver &&
               migrator_->state().find("window") != std::string::npos;
      },
      10s))
      << migrator_->state();
  const int held_at = attempts();
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(attempts(), held_at);
  EXPECT_EQ(migrator_->phase(), Phase::kWaitingForCutOver);
  EXPECT_TRUE(table_exists("t"));
  EXPECT_FALSE(table_exists("t_del"));
  // The blocker ends; next Thursday's window opens; the cut-over succeeds.
  blocker->execute("COMMIT");
  clock_.epoch_seconds = kThursday10Utc + 7 * 86400 + 60;
  EXPECT_EQ(finish(), "");
  EXPECT_GT(attempts(), held_at);
  EXPECT_EQ(checksum("t"), checksum("t_del"));
}

TEST_F(ScheduleMigrationTest, QuietThresholdWaitsForTheLoadToStop) {
  auto c = config();
  c.cut_over_when_quiet = 20;  // row changes/s
  c.quiet_window = 2s;
  LoadWriter writer;
  writer.start(settings_, 1ms);  // hundreds of changes per second
  start(c);
  ASSERT_TRUE(eventually(
      [&] {
        return migrator_->phase() == Phase::kWaitingForCutOver && migrator_->state().find("busy") != std::string::npos;
      },
      20s))
      << migrator_->state();
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(migrator_->phase(), Phase::kWaitingForCutOver) << migrator_->state();
  writer.finish();
  EXPECT_EQ(finish(), "");
  EXPECT_EQ(checksum("t"), checksum("t_del"));
}

TEST_F(ScheduleMigrationTest, DeadlineWithoutAWindowFailsCleanly) {
  ASSERT_TRUE(runtime_.set_cut_over_windows({"Thu 11:00-12:00 UTC"}));
  const auto before = checksum("t");
  auto c = config();
  c.cut_over_deadline = std::chrono::system_clock::time_point(std::chrono::seconds(kThursday10Utc + 1800));
  start(c);
  ASSERT_TRUE(eventually([&] { return migrator_->phase() == Phase::kWaitingForCutOver; }, 20s)) << migrator_->state();
  clock_.epoch_seconds = kThursday10Utc + 1801;
  const auto error = finish();
  EXPECT_NE(error.find("deadline"), std::string::npos) << error;
  EXPECT_EQ(migrator_->phase(), Phase::kFailed);
  EXPECT_EQ(checksum("t"), before);
  EXPECT_FALSE(table_exists("t_del"));
  auto cols = conn_->query(
      "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't'", {db_});
  EXPECT_EQ(cols.rows[0][0].value_or(""), "3");
}

// A postpone flag file does not outlive the deadline: the run fails cleanly at it, as without a window.
TEST_F(ScheduleMigrationTest, DeadlineFiresWhilePostponedByAFlagFile) {
  const auto flag = dir_ + "/postpone";
  { std::ofstream(flag) << "hold"; }
  const auto before = checksum("t");
  auto c = config();
  c.postpone_flag_file = flag;
  c.cut_over_deadline = std::chrono::system_clock::time_point(std::chrono::seconds(kThursday10Utc + 1800));
  start(c);
  ASSERT_TRUE(eventually([&] { return migrator_->phase() == Phase::kPostponed; }, 20s)) << migrator_->state();
  clock_.epoch_seconds = kThursday10Utc + 1801;
  const auto error = finish();
  EXPECT_NE(error.find("deadline"), std::string::npos) << error;
  EXPECT_NE(error.find("postponed"), std::string::npos) << error;
  EXPECT_EQ(migrator_->phase(), Phase::kFailed);
  EXPECT_EQ(checksum("t"), before);
  EXPECT_FALSE(table_exists("t_del"));
}

// (A failing on-before-cut-over now stops the migration, as gh-ost's does: GhOstCompatTest.)
TEST_F(ScheduleMigrationTest, HooksFireInOrder) {
  const std::string hooks = dir_ + "/hooks", log = dir_ + "/hooks.log";
  std::filesystem::create_directory(hooks);
  auto write_hook = [&](const std::string& name, const std::string& extra = "") {
    const std::string path = hooks + "/" + name;
    std::ofstream(path)
        << "#!/bin/sh\n"
        << "echo \"$GHOSTCUT_HOOK db=$GHOSTCUT_DATABASE_NAME table=$GHOSTCUT_TABLE_NAME ghost=$GHOSTCUT_GHOST_TABLE_NAME "
           "rows=$GHOSTCUT_COPIED_ROWS gh=$GH_OST_TABLE_NAME secrets=$(env | grep -ci password)\" >> "
        << log << "\n"
        << extra;
    ::chmod(path.c_str(), 0755);
  };
  for (const char* h :
       {"on-startup", "on-validated", "on-row-copy-complete", "on-before-cut-over", "on-success", "on-failure"})
    write_hook(h);
  auto c = config();
  c.hooks_path = hooks;
  c.hooks_timeout = 5s;
  c.hook_retry_interval = 300ms;
  ::setenv("GHOSTCUT_PASSWORD", "must-not-leak", 1);
  start(c);
  EXPECT_EQ(finish(), "");
  ::unsetenv("GHOSTCUT_PASSWORD");
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<std::string> names;
  for (const auto& l : lines) names.push_back(l.substr(0, l.find(' ')));
  EXPECT_EQ(names, (std::vector<std::string>{"on-startup", "on-validated", "on-row-copy-complete", "on-before-cut-over",
                                             "on-success"}));
  for (const auto& l : lines) {
    SCOPED_TRACE(l);
    EXPECT_NE(l.find("db=" + db_ + " table=t ghost=t_gho"), std::string::npos);
    EXPECT_NE(l.find("gh=t"), std::string::npos);
    EXPECT_NE(l.find("secrets=0"), std::string::npos);
  }
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("rows=5000"), std::string::npos);
  EXPECT_EQ(checksum("t"), checksum("t_del"));
}

}  // namespace
