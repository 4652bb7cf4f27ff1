// --keep-old-table-in-sync and revert on the live server, checked by full table contents:
// model-checked writers run through the migration's cut-over, keep writing to the new table, go
// on through the revert and after it, and the old-schema table must then equal what they committed.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "engine/revert/reverse_plan.h"
#include "engine/sql/sql_connection.h"
#include "integration/migrator_config.h"
#include "integration/model_writer.h"
#include "integration/test_server.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using namespace ghostcut::testing;
using namespace std::chrono_literals;

namespace {

class RevertTest : public LiveServerTest {
 protected:
  MigrationPlan plan_for(const std::string& alter) {
    Inspector inspector(*conn_, InspectorConfig{});
    return inspector.inspect(db_, "t", alter);
  }
  // t(id, a INT, b, c): writers own a and b; c is the seed's copy of id, renamed by the ALTERs.
  void make_table(std::vector<Writer>& writers, int rows) {
    conn_->execute(
        "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a INT NOT NULL, b VARCHAR(64) NOT NULL, c INT NULL)");
    conn_->execute("INSERT INTO t SELECT seq, seq, 'seed', seq FROM seq_1_to_" + std::to_string(rows));
    seed_models(writers, rows);
  }
};

TEST_F(RevertTest, RevertKeepsEveryWriteMadeBeforeDuringAndAfterBothCutOvers) {
  constexpr int kWriters = 3;
  std::vector<Writer> writers(kWriters);
  make_table(writers, 3000);
  // An added column, a widening and a rename: each has an exact way back.
  auto plan = plan_for("ADD COLUMN z INT NOT NULL DEFAULT 7, MODIFY a BIGINT NOT NULL, CHANGE c c2 INT NULL");
  ASSERT_TRUE(reverse_sync_refusals(plan).empty()) << reverse_sync_refusals(plan)[0];
  auto cfg = test_migrator_config(settings_, 960000);
  cfg.keep_old_table_in_sync = 120s;
  RuntimeSettings runtime;
  ProgressCounters progress;
  runtime.set_postpone_cut_over(true);
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  BackgroundMigration mig(migrator);
  std::atomic<bool> stop_writers{false};
  std::vector<std::thread> threads;
  for (auto& wr : writers) threads.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop_writers));
  const bool postponed = mig.wait_for_phase(Phase::kPostponed);
  EXPECT_TRUE(postponed) << migrator.state();
  if (postponed) {
    // Before the cut-over a revert is refused.
    EXPECT_FALSE(migrator.handle_control_line("revert=t").ok);
    runtime.set_postpone_cut_over(false);
    EXPECT_TRUE(mig.wait_for_phase(Phase::kKeepingOldInSync)) << migrator.state();
    // Status and metrics say how long a revert stays possible (120 s here).
    const auto window = migrator.metrics_snapshot().revert_window_seconds;
    EXPECT_GT(window, 60.0);
    EXPECT_LE(window, 120.0);
    EXPECT_EQ(migrator.status_json().find("\"revert_until_epoch\":null"), std::string::npos) << migrator.status_json();
    EXPECT_NE(migrator.status_text().find("revert=t possible until"), std::string::npos) << migrator.status_text();
    // Writes to the new table go back to the old one; let some happen.
    const auto ops_at_cut_over = writers[0].ops + writers[1].ops + writers[2].ops;
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (writers[0].ops + writers[1].ops + writers[2].ops < ops_at_cut_over + 300 &&
           std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(20ms);
    const auto reply = migrator.handle_control_line("revert=t");
    EXPECT_TRUE(reply.ok) << reply.text;
  }
  mig.join();
  std::this_thread::sleep_for(300ms);  // writes after the revert, into the old table again
  stop_writers = true;
  for (auto& th : threads) th.join();
  const MigrationResult& result = mig.result();
  ASSERT_TRUE(result.revert);
  EXPECT_TRUE(result.revert->reverted) << result.revert->stopped;
  EXPECT_EQ(migrator.metrics_snapshot().revert_window_seconds, 0.0);
  EXPECT_EQ(result.cut_over.attempts, 1);

  const Table expected = model_rows(writers);
  std::uint64_t ops = 0;
  for (const auto& wr : writers) {
    EXPECT_EQ(wr.errors, 0u) << wr.last_error;
    ops += wr.ops;
  }
  EXPECT_GT(ops, 300u) << "the writers barely ran";
  // `t` is the old table again: its own columns, every write in it.
  auto cols = conn_->query(
      "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS "
      "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't'",
      {db_});
  EXPECT_EQ(cols.scalar().value_or(""), "id,a,b,c");
  const Table got = read_table(*conn_, db_, "t", "a, b", "id");
  EXPECT_EQ(count_differences(expected, got, read_table(*conn_, db_, "t_rev", "a, b", "id")), 0u);
  EXPECT_EQ(got.size(), expected.size());
  // The renamed column came back under its old name with its values: seeded rows (ids up to 3000;
  // a key change moves a row past them) still hold c = id, through both swaps.
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE id <= 3000 AND NOT (c <=> id)").scalar().value_or("?"), "0");
  // How many seeded rows survive depends on how long the writers ran (the machine's speed): the model
  // says how many must be there, and the c = id check above needs at least one.
  std::size_t seeded = 0;
  for (const auto& [id, row] : expected) seeded += std::stoll(id) <= 3000 ? 1 : 0;
  EXPECT_GT(seeded, 0u) << "no seeded row left to check c against";
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE id <= 3000").scalar().value_or("?"), std::to_string(seeded));
  // The new table is kept as t_rev; the changelog is gone.
  EXPECT_FALSE(
      conn_->query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't_rev'", {db_})
          .empty());
  EXPECT_TRUE(
      conn_->query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't_ghc'", {db_})
          .empty());
}

TEST_F(RevertTest, AValueTheOldTypeCannotHoldStopsTheReverseSyncAndRevertIsRefused) {
  conn_->execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a INT NOT NULL, b VARCHAR(64) NOT NULL)");
  conn_->execute("INSERT INTO t SELECT seq, seq, 'seed' FROM seq_1_to_500");
  auto plan = plan_for("MODIFY a BIGINT NOT NULL");
  auto cfg = test_migrator_config(settings_, 961000);
  cfg.keep_old_table_in_sync = 120s;
  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  BackgroundMigration mig(migrator);
  const bool syncing = mig.wait_for_phase(Phase::kKeepingOldInSync);
  EXPECT_TRUE(syncing) << migrator.state();
  if (syncing) {
    conn_->execute("UPDATE t SET a = 10000000000 WHERE id = 7");  // fits BIGINT, not INT
    conn_->execute("UPDATE t SET b = 'after' WHERE id = 8");
  }
  mig.join();  // the reverse sync stops, so the run ends without waiting for the window
  const MigrationResult& result = mig.result();
  ASSERT_TRUE(result.revert);
  EXPECT_FALSE(result.revert->reverted);
  EXPECT_NE(result.revert->stopped.find("reverse sync stopped"), std::string::npos) << result.revert->stopped;
  EXPECT_NE(result.revert->stopped.find("ut of range"), std::string::npos) << result.revert->stopped;
  const auto reply = migrator.handle_control_line("revert=t");
  EXPECT_FALSE(reply.ok);
  EXPECT_NE(reply.text.find("reverse sync stopped"), std::string::npos) << reply.text;
  // Nothing swapped: t is the new table (BIGINT, the big value), t_del the old one, untouched by it.
  EXPECT_EQ(conn_->query("SELECT a FROM t WHERE id = 7").scalar().value_or(""), "10000000000");
  EXPECT_EQ(conn_->query("SELECT a FROM t_del WHERE id = 7").scalar().value_or(""), "7");
}

TEST_F(RevertTest, AlterationsWithoutAnExactWayBackAreRefusedUpFront) {
  conn_->execute(
      "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a INT NOT NULL, b VARCHAR(64) NOT NULL,"
      " UNIQUE KEY ub (b))");
  auto dropped = reverse_sync_refusals(plan_for("DROP COLUMN a"));
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_NE(dropped[0].find("drops column(s) a"), std::string::npos) << dropped[0];
  auto unique = reverse_sync_refusals(plan_for("DROP KEY ub"));
  ASSERT_EQ(unique.size(), 1u);
  EXPECT_NE(unique[0].find("unique key ub (b)"), std::string::npos) << unique[0];
  EXPECT_TRUE(reverse_sync_refusals(plan_for("ADD COLUMN z INT, ADD KEY (a)")).empty());
}

}  // namespace
