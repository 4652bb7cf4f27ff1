// The pre-cut-over checksum on the live server: equal tables pass, and every kind of difference a
// broken copy or applier could leave — a changed value, a missing or extra row, NULL vs '', values
// shifted between columns — fails it. Columns whose type the ALTER changes are listed, not compared.
#include "engine/verify/checksum.h"

#include <gtest/gtest.h>

#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "integration/ghost_fixture.h"
#include "integration/test_server.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using ghostcut::testing::LiveServerTest;

namespace {

class ChecksumTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10) NULL, b VARCHAR(10) NULL, d DECIMAL(8,2), "
                   "j JSON, bin VARBINARY(8))");
    conn_->execute("INSERT INTO t VALUES (1, 'a', 'bc', 1.50, '{\"k\": [1, 2]}', 0x00ff), (2, NULL, '', 2.25, NULL, ''),"
                   " (3, 'é', 'x y', -0.01, '\"s\"', NULL)");
    conn_->execute("CREATE TABLE t_gho LIKE t");
    conn_->execute("ALTER TABLE t_gho ADD COLUMN z INT NOT NULL DEFAULT 7");
    conn_->execute("INSERT INTO t_gho (id, a, b, d, j, bin) SELECT id, a, b, d, j, bin FROM t");
  }
  ChecksumResult run() {
    plan_ = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
    plan_.server = parse_server_version(admin_->query("SELECT VERSION()").scalar().value_or(""), "");
    Checksum c(settings_, plan_, std::chrono::seconds(3),
               [](const binlog::BinlogPosition&, std::chrono::steady_clock::time_point) { return true; }, [] {},
               nullptr);
    return c.run();
  }
  MigrationPlan plan_;
};

TEST_F(ChecksumTest, EqualTablesPass) {
  const auto r = run();
  EXPECT_EQ(r.rows, 3u);
  EXPECT_EQ(r.compared, (std::vector<std::string>{"id", "a", "b", "d", "j", "bin"}));
  EXPECT_TRUE(r.skipped.empty());
}

TEST_F(ChecksumTest, EveryKindOfDifferenceFails) {
  const std::vector<std::pair<const char*, const char*>> breakages = {
      {"a changed value", "UPDATE t_gho SET d = 1.51 WHERE id = 1"},
      {"a missing row", "DELETE FROM t_gho WHERE id = 3"},
      {"an extra row", "INSERT INTO t_gho (id) VALUES (4)"},
      {"NULL became ''", "UPDATE t_gho SET a = '' WHERE id = 2"},
      {"values shifted between columns", "UPDATE t_gho SET a = 'ab', b = 'c' WHERE id = 1"},
      {"a byte in a binary string", "UPDATE t_gho SET bin = 0x00fe WHERE id = 1"},
      {"JSON", "UPDATE t_gho SET j = '{\"k\": [2, 1]}' WHERE id = 1"},
  };
  for (const auto& [what, sql] : breakages) {
    SCOPED_TRACE(what);
    conn_->execute("DELETE FROM t_gho");
    conn_->execute("INSERT INTO t_gho (id, a, b, d, j, bin) SELECT id, a, b, d, j, bin FROM t");
    EXPECT_NO_THROW(run());
    conn_->execute(sql);
    EXPECT_THROW(run(), ChecksumMismatch);
  }
}

// Without lengths, ('a#0#b', 'c') and ('a', 'b#0#c') would encode alike.
TEST_F(ChecksumTest, ValuesCannotShiftAcrossTheSeparator) {
  conn_->execute("UPDATE t SET a = 'a#0#b', b = 'c' WHERE id = 1");
  conn_->execute("UPDATE t_gho SET a = 'a', b = 'b#0#c' WHERE id = 1");
  EXPECT_THROW(run(), ChecksumMismatch);
}

TEST_F(ChecksumTest, ColumnsWhoseTypeChangesAreListedNotCompared) {
  conn_->execute("ALTER TABLE t_gho MODIFY d DECIMAL(10,4)");
  const auto r = run();
  EXPECT_EQ(r.skipped, std::vector<std::string>{"d"});
  EXPECT_EQ(r.compared.size(), 5u);
}

// Through a whole migration: a ghost row damaged after the copy (as a copier or applier bug would)
// fails the migration before the cut-over; the original stays in place, unchanged.
class ChecksumMigrationTest : public LiveServerTest {};

TEST_F(ChecksumMigrationTest, ADamagedGhostFailsTheMigrationBeforeTheCutOver) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
  conn_->execute("INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_500");
  Inspector inspector(*conn_, InspectorConfig{});
  auto plan = inspector.inspect(db_, "t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
  MigratorConfig cfg;
  cfg.connection = settings_;
  cfg.server_id = 950000 + static_cast<std::uint32_t>(::getpid() % 10000);
  cfg.heartbeat_interval = std::chrono::milliseconds(100);
  cfg.after_copy = [&] { admin_->execute("UPDATE " + quote_qualified(db_, "t_gho") + " SET v = 'damaged' WHERE id = 250"); };
  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  try {
    migrator.run(std::stop_token{});
    FAIL() << "the migration cut over a damaged ghost";
  } catch (const ChecksumMismatch& e) {
    EXPECT_NE(std::string(e.what()).find("differ"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(conn_->query("SHOW COLUMNS FROM t LIKE 'z'").empty()) << "swapped";
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE v = CONCAT('v', id)").scalar(), "500");
}

}  // namespace
