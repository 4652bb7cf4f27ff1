// #15 --backfill: a new column filled from an expression over the old row, by the copy and by the
// applier, under model-checked writers (inserts, updates, key changes, deletes, multi-statement
// transactions); every row is then checked against the expression. And the dry run's refusals.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "engine/inspect/backfill_check.h"
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

constexpr int kRows = 4000;
constexpr const char* kExpr = "CONCAT(b, ':', a * 2)";

class BackfillTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    ghostcut::testing::create_seeded_table(*conn_, kRows);
  }
  MigrationPlan plan(const std::string& alter, const std::vector<std::string>& backfills, bool allow = false) {
    Inspector inspector(*conn_, InspectorConfig{});
    auto p = inspector.inspect(db_, "t", alter);
    add_backfills(*conn_, p, backfills, allow);
    return p;
  }
  std::string refusal(const std::string& alter, const std::vector<std::string>& backfills) {
    try {
      plan(alter, backfills);
    } catch (const InspectionError& e) {
      return e.what();
    }
    return "(accepted)";
  }
};

TEST_F(BackfillTest, CopiedAndBinlogRowsAreFilledFromTheExpression) {
  const auto p = plan("ADD COLUMN s VARCHAR(100) NULL", {std::string("s=") + kExpr});
  EXPECT_FALSE(p.instant.possible) << "a backfill takes the copy";
  auto cfg = ghostcut::testing::test_migrator_config(settings_, 964000);
  cfg.attempt_instant = true;  // declined for the backfill
  cfg.copier.target_chunk_time = 20ms;
  RuntimeSettings runtime;
  ASSERT_TRUE(runtime.set_chunk_size(200));
  runtime.set_postpone_cut_over(true);  // the writers stop before the swap: every row must hold the expression
  ProgressCounters progress;
  Migrator migrator(cfg, p, runtime, progress, nullptr);
  std::vector<ghostcut::testing::Writer> writers(3);
  ghostcut::testing::seed_models(writers, kRows);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& wr : writers)
    threads.emplace_back(ghostcut::testing::writer_loop, std::ref(wr), settings_, std::ref(stop));
  {
    ghostcut::testing::BackgroundMigration mig(migrator);
    EXPECT_TRUE(mig.wait_for_phase(Phase::kPostponed, 120s)) << migrator.state();
    // More changes through the binlog after the copy and the checksum.
    const auto applied = progress.events_applied.load();
    EXPECT_TRUE(ghostcut::test::eventually([&] { return progress.events_applied.load() > applied + 200; }, 60s));
    stop = true;
    for (auto& th : threads) th.join();
    runtime.set_postpone_cut_over(false);
    mig.join();
    const auto& r = mig.result();
    ASSERT_TRUE(r.instant);
    EXPECT_FALSE(r.instant->done);
    EXPECT_GT(r.rows_copied, 0u);
    EXPECT_GT(r.events_applied, 200u);
    ASSERT_TRUE(r.checksum);
    EXPECT_EQ(r.checksum->rows_repaired, 0u) << "the backfilled column is new: never a difference";
  }
  const auto expected = ghostcut::testing::model_rows(writers);
  for (const auto& wr : writers) EXPECT_EQ(wr.errors, 0u) << wr.last_error;
  const auto got = ghostcut::testing::read_table(*conn_, db_, "t", "a, b", "id");
  EXPECT_EQ(ghostcut::testing::count_differences(expected, got, {}), 0u);
  // Row by row: s is the expression over the row's (final) values.
  const auto bad = conn_->query(std::string("SELECT id, a, b, s FROM t WHERE NOT (s <=> ") + kExpr + ") LIMIT 5");
  for (const auto& row : bad.rows)
    ADD_FAILURE() << "id " << row[0].value_or("") << ": a=" << row[1].value_or("") << " b=" << row[2].value_or("")
                  << " s=" << row[3].value_or("NULL");
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE s IS NULL").scalar(), "0");
  // The writers' own rows (inserted, moved, updated in transactions) are among them.
  EXPECT_NE(conn_->query("SELECT COUNT(*) FROM t WHERE id > ? AND b <> 'seed'", {std::int64_t{kRows}}).scalar(), "0");
}

TEST_F(BackfillTest, TheDryRunRefusesWhatTheTwoPathsCouldDisagreeOn) {
  const std::string alter = "ADD COLUMN s VARCHAR(100) NULL, ADD COLUMN u INT NULL, DROP COLUMN b";
  EXPECT_NE(refusal(alter, {"s=NOW()"}).find("NOW"), std::string::npos);
  EXPECT_NE(refusal(alter, {"s=CONCAT(a, RAND())"}).find("RAND"), std::string::npos);
  EXPECT_NE(refusal(alter, {"s=CURRENT_TIMESTAMP"}).find("CURRENT_TIMESTAMP"), std::string::npos);
  EXPECT_NE(refusal(alter, {"s=UUID()"}).find("--allow-nondeterministic-backfill"), std::string::npos);
  EXPECT_NE(refusal(alter, {"s=CONCAT(b, 'x')"}).find("drops"), std::string::npos);
  EXPECT_NE(refusal(alter, {"s=u + 1"}).find("new column u"), std::string::npos);
  EXPECT_NE(refusal(alter, {"a=a + 1"}).find("not a column the ALTER adds"), std::string::npos);
  EXPECT_NE(refusal(alter, {"s=(SELECT 1)"}).find("subqueries"), std::string::npos);
  EXPECT_NE(refusal(alter, {"s=@x"}).find("variables"), std::string::npos);
  EXPECT_NE(refusal(alter, {"s=nosuchfunction(a)"}).find("does not work on the altered table"), std::string::npos);
  // A value the new column cannot hold (strict mode's warning on the sample).
  EXPECT_NE(refusal("ADD COLUMN s TINYINT NULL", {"s=a * 1000"}).find("warning"), std::string::npos);
  EXPECT_NE(refusal(alter, {"s"}).find("col=EXPR"), std::string::npos);
  // Accepted: deterministic, over kept columns; with the flag even NOW().
  EXPECT_EQ(refusal(alter, {"s=CONCAT('id-', id, '/', a)", "u=a % 7"}), "(accepted)");
  Inspector inspector(*conn_, InspectorConfig{});
  auto p = inspector.inspect(db_, "t", alter);
  EXPECT_NO_THROW(add_backfills(*conn_, p, {"s=NOW()"}, true));
  EXPECT_TRUE(conn_->query("SHOW TABLES LIKE '\\_gct%'").empty()) << "the scratch table is gone";
}

}  // namespace
