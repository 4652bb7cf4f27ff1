// Step 5b: ANALYZE TABLE on the ghost before the cut-over. The table opts out of InnoDB's automatic
// statistics recalculation (the ghost, created LIKE it, inherits that), so its statistics are
// those of the moment it was created — empty — unless ghostcut analyzes it.
#include <gtest/gtest.h>

#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "integration/migrator_config.h"
#include "integration/test_server.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using ghostcut::testing::LiveServerTest;

namespace {

class AnalyzeTest : public LiveServerTest {
 protected:
  // mysql.innodb_table_stats.n_rows of t after migrating it with analyze on or off.
  long long migrate(bool analyze) {
    conn_->execute(
        "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL, KEY (v)) "
        "STATS_PERSISTENT = 1, STATS_AUTO_RECALC = 0");
    conn_->execute("INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_20000");
    Inspector inspector(*conn_, InspectorConfig{});
    auto plan = inspector.inspect(db_, "t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
    auto cfg = ghostcut::testing::test_migrator_config(settings_, 962000);
    cfg.analyze_ghost = analyze;
    cfg.defer_secondary_indexes = KeyDeferral::kOff;  // a deferred key's build refreshes the statistics
    RuntimeSettings runtime;
    ProgressCounters progress;
    Migrator migrator(cfg, plan, runtime, progress, nullptr);
    migrator.run(std::stop_token{});
    const auto n = admin_->query(
        "SELECT n_rows FROM mysql.innodb_table_stats WHERE database_name = ? AND table_name = 't'", {db_});
    return n.empty() ? -1 : std::stoll(n.scalar().value_or("-1"));
  }
};

TEST_F(AnalyzeTest, TheNewTableGoesLiveWithFreshStatistics) {
  const auto rows = migrate(true);
  EXPECT_GT(rows, 10000) << "statistics of the ghost before the copy";
  EXPECT_LT(rows, 40000);
}

TEST_F(AnalyzeTest, WithoutItTheNewTableKeepsTheEmptyGhostsStatistics) { EXPECT_LT(migrate(false), 1000); }

}  // namespace
