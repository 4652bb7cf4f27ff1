// #15 step 1c: an ALTER the server can do as metadata-only is done natively (ALGORITHM=INSTANT)
// under model-checked writers, retried at the cut-over's gate while a transaction holds the table,
// and an ALTER that cannot be instant takes the copy.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "integration/migrator_config.h"
#include "integration/model_writer.h"
#include "integration/test_server.h"
#include "support/eventually.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using ghostcut::testing::LiveServerTest;
using namespace std::chrono_literals;

namespace {

constexpr int kInstantRows = 3000;

class InstantTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    ghostcut::testing::create_seeded_table(*conn_, kInstantRows);
  }
  MigrationPlan inspect(const std::string& alter) {
    Inspector inspector(*conn_, InspectorConfig{});
    return inspector.inspect(db_, "t", alter);
  }
  void start_writers(int n) {
    writers_.resize(static_cast<std::size_t>(n));
    ghostcut::testing::seed_models(writers_, kInstantRows);
    for (auto& wr : writers_)
      threads_.emplace_back(ghostcut::testing::writer_loop, std::ref(wr), settings_, std::ref(stop_));
  }
  // Stops the writers; checks every committed change is in t and returns the longest write.
  std::chrono::milliseconds stop_writers_and_compare() {
    std::this_thread::sleep_for(200ms);  // writes after the change, too
    stop_ = true;
    for (auto& th : threads_) th.join();
    const auto expected = ghostcut::testing::model_rows(writers_);
    std::uint64_t ops = 0;
    std::chrono::steady_clock::duration longest{};
    for (const auto& wr : writers_) {
      EXPECT_EQ(wr.errors, 0u) << wr.last_error;
      ops += wr.ops;
      longest = std::max(longest, wr.longest);
    }
    EXPECT_GT(ops, 50u) << "the writers barely ran";
    const auto got = ghostcut::testing::read_table(*conn_, db_, "t", "a, b", "id");
    EXPECT_EQ(ghostcut::testing::count_differences(expected, got, {}), 0u);
    EXPECT_EQ(got.size(), expected.size());
    return std::chrono::duration_cast<std::chrono::milliseconds>(longest);
  }
  bool table_exists(const std::string& t) { return !conn_->query("SHOW TABLES LIKE '" + t + "'").empty(); }

  std::vector<ghostcut::testing::Writer> writers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
};

TEST_F(InstantTest, AddColumnIsDoneNativelyUnderWriters) {
  const auto plan = inspect("ADD COLUMN c INT NOT NULL DEFAULT 5");
  ASSERT_TRUE(plan.instant.possible) << plan.instant.reason;
  EXPECT_NE(plan.describe().find("instant:         yes"), std::string::npos) << plan.describe();
  auto cfg = ghostcut::testing::test_migrator_config(settings_, 963000);
  cfg.attempt_instant = true;
  cfg.cut_over.lock_timeout = 1s;
  start_writers(3);
  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  const auto r = migrator.run(std::stop_token{});
  const auto longest = stop_writers_and_compare();
  ASSERT_TRUE(r.instant);
  EXPECT_TRUE(r.instant->done) << r.instant->declined;
  EXPECT_GE(r.instant->attempts, 1);
  EXPECT_EQ(r.rows_copied, 0u) << "nothing is copied";
  EXPECT_FALSE(table_exists("t_gho"));
  EXPECT_FALSE(table_exists("t_ghc"));
  EXPECT_FALSE(table_exists("t_del")) << "no old table: the table itself was altered";
  // Every row, old and new, reads the new column's default.
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE c <> 5").scalar(), "0");
  // A writer waited at most the lock timeout for the ALTER's metadata lock (plus a loaded
  // machine's scheduling; the ALTER itself is a metadata change).
  EXPECT_LT(longest, 1s + 2s) << longest.count() << " ms";
  std::printf("instant ADD COLUMN: %d attempt(s), stall %lld ms, longest writer wait %lld ms\n", r.instant->attempts,
              static_cast<long long>(r.instant->stall.count()), static_cast<long long>(longest.count()));
}

TEST_F(InstantTest, AnAlterThatCannotBeInstantIsCopied) {
  const auto plan = inspect("MODIFY b VARCHAR(80) CHARACTER SET latin1 NOT NULL");
  EXPECT_FALSE(plan.instant.possible);
  EXPECT_NE(plan.instant.reason.find("ALGORITHM=INSTANT"), std::string::npos) << plan.instant.reason;
  EXPECT_NE(plan.instant.reason.find("`t`"), std::string::npos)
      << "the scratch copy's name is replaced: " << plan.instant.reason;
  auto cfg = ghostcut::testing::test_migrator_config(settings_, 963000);
  cfg.attempt_instant = true;
  start_writers(2);
  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  const auto r = migrator.run(std::stop_token{});
  stop_writers_and_compare();
  ASSERT_TRUE(r.instant);
  EXPECT_FALSE(r.instant->done);
  EXPECT_GE(r.rows_copied, static_cast<std::uint64_t>(kInstantRows) / 2);
  EXPECT_TRUE(table_exists("t_del")) << "the copy's swap leaves the old table";
  EXPECT_EQ(conn_
                ->query("SELECT CHARACTER_SET_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND "
                        "TABLE_NAME = 't' AND COLUMN_NAME = 'b'",
                        {db_})
                .scalar(),
            "latin1");
}

TEST_F(InstantTest, NoAttemptInstantForcesTheCopy) {
  const auto plan = inspect("ADD COLUMN c INT NOT NULL DEFAULT 5");
  ASSERT_TRUE(plan.instant.possible);
  auto cfg = ghostcut::testing::test_migrator_config(settings_, 963000);
  cfg.attempt_instant = false;  // --no-attempt-instant
  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  const auto r = migrator.run(std::stop_token{});
  ASSERT_TRUE(r.instant);
  EXPECT_FALSE(r.instant->done);
  EXPECT_EQ(r.instant->declined, "--no-attempt-instant");
  EXPECT_EQ(r.rows_copied, static_cast<std::uint64_t>(kInstantRows));
  EXPECT_TRUE(table_exists("t_del"));
}

// A transaction that read t holds its metadata lock until it ends: each attempt waits the lock
// timeout and gives up (writers queued behind it wait no longer than that), the gate retries, and
// once the transaction commits the ALTER goes through.
TEST_F(InstantTest, AnOpenTransactionHoldsItOffWritersNeverStallLongerThanTheTimeout) {
  const auto plan = inspect("ADD COLUMN c INT NOT NULL DEFAULT 5");
  ASSERT_TRUE(plan.instant.possible) << plan.instant.reason;
  auto blocker = SqlConnection::open(settings_);
  blocker->execute("BEGIN");
  blocker->query("SELECT COUNT(*) FROM t");  // holds t's shared metadata lock until COMMIT
  auto cfg = ghostcut::testing::test_migrator_config(settings_, 963000);
  cfg.attempt_instant = true;
  cfg.cut_over.lock_timeout = 1s;
  cfg.cut_over.retries = 50;
  cfg.cut_over.retry_backoff = 200ms;
  start_writers(3);
  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  {
    ghostcut::testing::BackgroundMigration mig(migrator);
    // Two refused attempts, both in the status (the stall of each, too).
    EXPECT_TRUE(ghostcut::test::eventually([&] { return migrator.metrics_snapshot().cut_over_attempts >= 2; }, 60s));
    const auto m = migrator.metrics_snapshot();
    for (double s : m.cut_over_stall_seconds) EXPECT_GE(s, 0.9) << "an attempt gave up before the lock timeout";
    EXPECT_TRUE(conn_->query("SHOW COLUMNS FROM t LIKE 'c'").empty()) << "altered while the transaction held t";
    blocker->execute("COMMIT");
    mig.join();
    const auto& r = mig.result();
    ASSERT_TRUE(r.instant);
    EXPECT_TRUE(r.instant->done) << r.instant->declined;
    EXPECT_GE(r.instant->attempts, 3);
    EXPECT_EQ(r.rows_copied, 0u);
  }
  const auto longest = stop_writers_and_compare();
  EXPECT_FALSE(conn_->query("SHOW COLUMNS FROM t LIKE 'c'").empty());
  // Each refused attempt held writers at most its lock wait: 1 s (and a loaded machine's slack).
  EXPECT_LT(longest, 1s + 2s) << longest.count() << " ms";
  std::printf("blocked instant ALTER: longest writer wait %lld ms\n", static_cast<long long>(longest.count()));
}

}  // namespace
