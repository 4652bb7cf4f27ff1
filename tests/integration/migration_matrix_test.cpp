// Migrations across key shapes, ALTER kinds and every column type. Changes are made while the
// migration is in sync (cut-over postponed), so they travel through the binlog applier; after the
// cut-over the new table must equal the old one (t_del) on every shared column, byte for byte.
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "integration/test_server.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using namespace std::chrono_literals;
using ghostcut::testing::LiveServerTest;

namespace {

struct MatrixCase {
  const char* name;
  std::vector<std::string> setup;  // CREATE + seed
  std::string alter;
  std::vector<std::string> during;          // run while the migration is in sync, before the cut-over
  std::vector<std::string> expect_columns;  // columns the new table must have (beyond shared ones)
  bool by_value = false;                    // compare values, not bytes (the ALTER changes a charset)
};

class MigrationMatrixTest : public LiveServerTest {
 protected:
  // Runs the migration; `during` statements run once the copy is done and the applier is in sync.
  void migrate(const std::string& alter, const std::vector<std::string>& during, MigrationPlan& plan_out) {
    Inspector inspector(*conn_, InspectorConfig{});
    plan_out = inspector.inspect(db_, "t", alter);
    RuntimeSettings runtime;
    ASSERT_TRUE(runtime.set_chunk_size(37));  // many small chunks
    runtime.set_postpone_cut_over(true);
    ProgressCounters progress;
    MigratorConfig cfg;
    cfg.connection = settings_;
    cfg.server_id = 930000 + static_cast<std::uint32_t>(::getpid() % 10000);
    cfg.heartbeat_interval = 100ms;
    cfg.progress_interval = 60s;
    Migrator migrator(cfg, plan_out, runtime, progress, nullptr);
    std::exception_ptr failure;
    std::thread mig([&] {
      SqlThreadGuard guard;
      try {
        migrator.run(std::stop_token{});
      } catch (...) {
        failure = std::current_exception();
      }
    });
    const auto until = std::chrono::steady_clock::now() + 60s;
    while (migrator.phase() != Phase::kPostponed && !failure && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(10ms);
    const bool postponed = migrator.phase() == Phase::kPostponed;
    if (postponed) {
      for (const auto& q : during) conn_->execute(q);
    }
    runtime.set_postpone_cut_over(false);
    if (!postponed) runtime.set_panic(true);
    mig.join();
    if (failure) std::rethrow_exception(failure);
    ASSERT_TRUE(postponed) << migrator.state();
  }

  // Every shared column of t and t_del, as HEX text, ordered by the chunk key.
  void expect_same_rows(const MigrationPlan& plan, bool by_value = false) {
    std::string cols, order;
    for (const auto& c : plan.mapping.shared) {
      const std::string col = quote_identifier(c.target_name);
      cols += (cols.empty() ? "" : ", ") + (by_value ? col : "HEX(" + col + ")");
    }
    for (const auto& k : plan.chunk_key.columns) order += (order.empty() ? "" : ", ") + quote_identifier(k);
    auto now = conn_->query("SELECT " + cols + " FROM t ORDER BY " + order);
    auto old = conn_->query("SELECT " + cols + " FROM " + quote_identifier(plan.old_table) + " ORDER BY " + order);
    EXPECT_GT(old.size(), 0u);
    ASSERT_EQ(now.size(), old.size());
    for (std::size_t r = 0; r < now.size(); ++r) {
      for (std::size_t c = 0; c < now.rows[r].size(); ++c) {
        EXPECT_EQ(now.rows[r][c], old.rows[r][c]) << "row " << r << " column " << plan.mapping.shared[c].target_name;
      }
    }
  }
};

class AlterMatrix : public MigrationMatrixTest, public ::testing::WithParamInterface<MatrixCase> {};

const std::string kSeed = "INSERT INTO t (id, a, b) SELECT seq, seq * 3, CONCAT('b', seq) FROM seq_1_to_300";
const std::vector<std::string> kDuring = {
    "INSERT INTO t (id, a, b) VALUES (1001, 1, 'new'), (1002, 2, 'new2')",
    "UPDATE t SET a = a + 1 WHERE id BETWEEN 10 AND 20",
    "UPDATE t SET id = id + 5000 WHERE id BETWEEN 30 AND 35",
    "DELETE FROM t WHERE id BETWEEN 40 AND 45",
    "BEGIN",
    "UPDATE t SET b = 'in-trx' WHERE id = 50",
    "DELETE FROM t WHERE id = 51",
    "INSERT INTO t (id, a, b) VALUES (1003, 3, 'trx')",
    "COMMIT",
};

TEST_P(AlterMatrix, NewTableEqualsTheOldOnSharedColumns) {
  const MatrixCase& c = GetParam();
  for (const auto& q : c.setup) conn_->execute(q);
  MigrationPlan plan;
  migrate(c.alter, c.during, plan);
  if (HasFatalFailure()) return;
  expect_same_rows(plan, c.by_value);
  for (const auto& col : c.expect_columns) {
    EXPECT_EQ(conn_
                  ->query("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't' "
                          "AND COLUMN_NAME = ?",
                          {db_, col})
                  .scalar(),
              "1")
        << col;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Alters, AlterMatrix,
    ::testing::Values(
        MatrixCase{"AddNullableColumnAfter",
                   {"CREATE TABLE t (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(40) NOT NULL)", kSeed},
                   "ADD COLUMN x INT NULL AFTER a",
                   kDuring,
                   {"x"}},
        MatrixCase{"AddNotNullDefaultFirst",
                   {"CREATE TABLE t (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(40) NOT NULL)", kSeed},
                   "ADD COLUMN y VARCHAR(10) NOT NULL DEFAULT 'dflt' FIRST",
                   kDuring,
                   {"y"}},
        MatrixCase{"DropColumn",
                   {"CREATE TABLE t (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(40) NOT NULL, gone TEXT)", kSeed},
                   "DROP COLUMN gone",
                   kDuring,
                   {}},
        MatrixCase{"ModifyType",
                   {"CREATE TABLE t (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(40) NOT NULL)", kSeed},
                   "MODIFY a BIGINT NOT NULL",
                   kDuring,
                   {}},
        MatrixCase{"AddIndex",
                   {"CREATE TABLE t (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(40) NOT NULL)", kSeed},
                   "ADD INDEX b_idx (b)",
                   kDuring,
                   {}},
        MatrixCase{
            "ChangeCharset",
            {"CREATE TABLE t (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(40) NOT NULL) CHARACTER SET latin1",
             "INSERT INTO t (id, a, b) SELECT seq, seq, CONCAT('caf', CHAR(233 USING latin1), seq) FROM seq_1_to_300"},
            "CONVERT TO CHARACTER SET utf8mb4",
            {"UPDATE t SET b = CONCAT('na', CHAR(239 USING latin1), 've ', id) WHERE id < 20",
             "INSERT INTO t VALUES (1001, 1, CONCAT(CHAR(233 USING latin1), 't', CHAR(233 USING latin1)))",
             "UPDATE t SET id = id + 5000 WHERE id BETWEEN 30 AND 35", "DELETE FROM t WHERE id BETWEEN 40 AND 45"},
            {},
            true},
        MatrixCase{"CompositeVarcharPrimaryKey",
                   {"CREATE TABLE t (k VARCHAR(20) NOT NULL, id INT NOT NULL, a INT NOT NULL, b VARCHAR(40) NOT NULL, "
                    "PRIMARY KEY (k, id))",
                    "INSERT INTO t SELECT CONCAT('key', seq % 7), seq, seq, CONCAT('b', seq) FROM seq_1_to_300"},
                   "ADD COLUMN z INT NULL",
                   {"INSERT INTO t VALUES ('key1', 1001, 1, 'x'), ('zzz', 1, 2, 'y')",
                    "UPDATE t SET k = 'moved' WHERE id BETWEEN 10 AND 12", "UPDATE t SET a = -a WHERE k = 'key3'",
                    "DELETE FROM t WHERE id BETWEEN 40 AND 45"},
                   {"z"}},
        MatrixCase{
            "UniqueNonPrimaryChunkKey",
            {"CREATE TABLE t (id INT NOT NULL, u VARCHAR(30) NOT NULL, a INT NOT NULL, b VARCHAR(40) NOT NULL, "
             "UNIQUE KEY u_uidx (u), KEY (id))",
             "INSERT INTO t SELECT seq, CONCAT('u', seq), seq, CONCAT('b', seq) FROM seq_1_to_300"},
            "ADD COLUMN z INT NULL",
            {"INSERT INTO t VALUES (1001, 'new-u', 1, 'x')", "UPDATE t SET u = CONCAT(u, '-moved') WHERE id < 20",
             "DELETE FROM t WHERE id BETWEEN 40 AND 45", "UPDATE t SET a = a * 2 WHERE id > 200"},
            {"z"}}),
    [](const ::testing::TestParamInfo<MatrixCase>& info) { return std::string(info.param.name); });

TEST_F(MigrationMatrixTest, EveryColumnTypeSurvivesCopyAndApply) {
  conn_->execute(R"(CREATE TABLE t (
    id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED,
    bi BIGINT, bu BIGINT UNSIGNED, f FLOAT, d DOUBLE, dc DECIMAL(10,3), dc2 DECIMAL(65,30), y YEAR, dt DATE,
    tm TIME(3), dtt DATETIME(6), ts TIMESTAMP(2) NULL, c CHAR(5), cu CHAR(10) CHARACTER SET utf8mb4,
    vc VARCHAR(300), bn BINARY(4), vb VARBINARY(10), bl BLOB, lb LONGBLOB, tx TEXT CHARACTER SET utf8mb4,
    e ENUM('a','b','c'), s SET('x','y','z'), b10 BIT(10), b64 BIT(64), j JSON, g GEOMETRY
  ) CHARACTER SET latin1)");
  conn_->execute("SET time_zone = '+00:00'");
  conn_->execute("INSERT INTO t (id) VALUES (1)");
  const std::string row2 =
      "(2, -128, 255, -32768, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,"
      " 1.5, -2.25e-100, -9999999.999, -0.000000000000000000000000000001, 0, '0000-00-00', '-838:59:59.000',"
      " '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01.99', '', '✓€', REPEAT(CHAR(233), 300), X'00FF0A0D',"
      " X'00', REPEAT(X'AB', 1000), REPEAT(X'00FF', 40000), 'ünïcödé ✓', 'c', 'x,z', b'1010101010',"
      " b'1000000000000000000000000000000000000000000000000000000000000001', '{\"k\": [1, \"x\", null]}',"
      " ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 1,0 0))'))";
  conn_->execute("INSERT INTO t VALUES " + row2);
  MigrationPlan plan;
  migrate(
      "ADD COLUMN extra INT NULL",
      {"SET time_zone = '+00:00'",
       "INSERT INTO t (id, ti, tu, si, mu, i, iu, bi, bu, f, d, dc, dc2, y, dt, tm, dtt, ts, c, cu, vc, bn, vb, bl, lb,"
       " tx, e, s, b10, b64, j, g) SELECT id + 100, ti, tu, si, mu, i, iu, bi, bu, f, d, dc, dc2, y, dt, tm, dtt, ts,"
       " c, cu, vc, bn, vb, bl, lb, tx, e, s, b10, b64, j, g FROM t WHERE id <= 2",
       "UPDATE t SET id = 300 WHERE id = 102", "UPDATE t SET vc = NULL, ti = 127 WHERE id = 2",
       "DELETE FROM t WHERE id = 101"},
      plan);
  if (HasFatalFailure()) return;
  expect_same_rows(plan);
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t").scalar(), "3");
}

}  // namespace
