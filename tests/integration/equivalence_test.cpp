// The migrated table equals what native ALTER TABLE gives (issue #11, #21): renames carry values
// under concurrent writes, a column dropped and added again is new, implicit defaults, collisions
// under a unique key that compares differently after the ALTER fail like native (copy and
// applier path), statement-format writes stop the migration, XA transactions are applied at
// XA COMMIT only. Each test compares with native ALTER on a copy of the same table where the
// expected result is not obvious.
#include "engine/migrator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "engine/inspect/inspector.h"
#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "integration/migrator_config.h"
#include "integration/test_server.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using namespace std::chrono_literals;
using ghostcut::testing::LiveServerTest;

namespace {

class EquivalenceTest : public LiveServerTest {
 protected:
  MigratorConfig migrator_config() {
    auto cfg = ghostcut::testing::test_migrator_config(settings_, 930000);
    cfg.cleanup_on_failure = true;
    if (piece_bytes_) cfg.applier.piece_bytes = piece_bytes_;
    cfg.applier.before_transaction = [this](std::uint64_t n) {
      sql_transactions_ = n;
      ++transaction_attempts_;
      // Fault injection: the applier's connection "lost" before this SQL transaction, as a KILL
      // or a network cut would leave it (the batch is applied again on a new connection).
      if (lose_next_transaction_.exchange(false))
        throw SqlError(sql_errc::kLostConnection, "HY000", "Lost connection to server during query (injected)");
    };
    return cfg;
  }
  MigrationPlan plan_for(const std::string& table, const std::string& alter, InspectorConfig ic = {}) {
    Inspector inspector(*conn_, ic);
    return inspector.inspect(db_, table, alter);
  }
  // Every row as one text line per row (ordered by the first column), HEX of every column.
  std::vector<std::string> rows(const std::string& table) {
    auto cols = conn_->query(
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND "
        "TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        {db_, table});
    std::string sel;
    for (const auto& r : cols.rows)
      sel += (sel.empty() ? "" : ", '|', ") + std::string("IFNULL(HEX(") + quote_identifier(*r[0]) + "), 'NULL')";
    auto r = conn_->query("SELECT CONCAT(" + sel + ") FROM " + quote_qualified(db_, table) + " ORDER BY 1");
    std::vector<std::string> out;
    for (const auto& row : r.rows) out.push_back(row[0].value_or("NULL"));
    return out;
  }
  bool exists(const std::string& table) {
    return !conn_
                ->query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                        {db_, table})
                .empty();
  }
  std::string create_of(const std::string& table) {
    auto ddl = conn_->query("SHOW CREATE TABLE " + quote_qualified(db_, table)).rows.at(0).at(1).value_or("");
    const auto p = ddl.find('(');  // without the table's name
    return p == std::string::npos ? ddl : ddl.substr(p);
  }
  // Runs the migration on its own thread; `during` runs once the copy is done, before the
  // cut-over is allowed (the cut-over is postponed until it returns).
  std::exception_ptr migrate(const MigrationPlan& plan, const std::function<void(ProgressCounters&)>& during = {}) {
    RuntimeSettings runtime;
    EXPECT_TRUE(runtime.set_chunk_size(50));
    if (during) (void)runtime.set_postpone_cut_over(true);
    ProgressCounters progress;
    Migrator migrator(migrator_config(), plan, runtime, progress, nullptr);
    std::exception_ptr failure;
    std::atomic<bool> finished{false};
    finished_ = &finished;
    std::thread mig([&] {
      SqlThreadGuard guard;
      try {
        (void)migrator.run(std::stop_token{});
      } catch (...) {
        failure = std::current_exception();
      }
      finished = true;
    });
    if (during) {
      while (!finished && !progress.snapshot(std::chrono::steady_clock::now(), "").copy_done)
        std::this_thread::sleep_for(20ms);
      if (!finished) during(progress);
      (void)runtime.set_postpone_cut_over(false);
    }
    mig.join();
    finished_ = nullptr;
    return failure;
  }
  static std::string what(std::exception_ptr e) {
    try {
      if (e) std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      return ex.what();
    }
    return {};
  }
  // Waits until the applier has applied `target` row events in all, or the migration ended.
  void wait_applied(ProgressCounters& p, std::uint64_t target) {
    for (int i = 0; i < 3000 && p.events_applied.load() < target && !(finished_ && finished_->load()); ++i)
      std::this_thread::sleep_for(10ms);
  }
  std::atomic<bool>* finished_ = nullptr;
  std::size_t piece_bytes_ = 0;  // 0: the default
  std::atomic<bool> lose_next_transaction_{false};
  std::atomic<std::uint64_t> transaction_attempts_{0};  // over every Applier (a reconnect starts anew)
  std::atomic<std::uint64_t> sql_transactions_{0};      // the applier's, so far
};

TEST_F(EquivalenceTest, RenamesSwapsAndRenameWithTypeChangeCarryValuesUnderConcurrentWrites) {
  const std::string fill = "INSERT INTO {t} SELECT seq, seq * 2, CONCAT('b', seq), seq * 3, seq * 5 FROM seq_1_to_4000";
  auto on = [](std::string sql, const std::string& table) {
    for (auto p = sql.find("{t}"); p != std::string::npos; p = sql.find("{t}")) sql.replace(p, 3, table);
    return sql;
  };
  conn_->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT, b VARCHAR(20), c INT NOT NULL, d INT NOT NULL)");
  conn_->execute("CREATE TABLE native LIKE t");
  conn_->execute(on(fill, "t"));
  conn_->execute(on(fill, "native"));
  const std::string alter =
      "RENAME COLUMN a TO a2, CHANGE COLUMN b `b 2` MEDIUMTEXT, CHANGE c d BIGINT NOT NULL, CHANGE `d` c INT NOT NULL";
  const auto plan = plan_for("t", alter);
  const auto text = plan.describe();
  for (const char* s :
       {"column renamed:  a -> a2", "column renamed:  b -> b 2", "column renamed:  c -> d", "column renamed:  d -> c"})
    EXPECT_NE(text.find(s), std::string::npos) << s << "\n" << text;
  // A fixed sequence of writes (inserts, updates of renamed and swapped columns, deletes, key
  // changes) runs on the original while it is copied (chunks of 50) and then on `native`.
  std::vector<std::string> writes;
  for (int i = 0; i < 60; ++i) {
    const auto k = std::to_string(i * 61 + 7);
    writes.push_back("INSERT INTO {t} VALUES (" + std::to_string(10000 + i) + ", " + k + ", 'new" + k + "', 1, 2)");
    writes.push_back("UPDATE {t} SET a = a + 1, b = CONCAT(b, '+'), c = c + 1, d = -d WHERE id = " + k);
    writes.push_back("DELETE FROM {t} WHERE id = " + std::to_string(i * 59 + 3));
    writes.push_back("UPDATE {t} SET id = id + 20000 WHERE id = " + std::to_string(i * 67 + 11));
  }
  std::thread writer([&] {
    SqlThreadGuard guard;
    auto c = SqlConnection::open(settings_);
    for (const auto& w : writes) c->execute(on(w, "t"));
  });
  const auto failure = migrate(plan, [&](ProgressCounters&) { writer.join(); });
  if (writer.joinable()) writer.join();
  ASSERT_FALSE(failure) << what(failure);
  for (const auto& w : writes) conn_->execute(on(w, "native"));
  conn_->execute("ALTER TABLE native " + alter);
  EXPECT_EQ(create_of("t"), create_of("native"));
  const auto got = rows("t"), want = rows("native");
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "the migrated table differs from native ALTER's";
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE a2 IS NULL OR `b 2` IS NULL").scalar(), "0");
}

TEST_F(EquivalenceTest, ColumnDroppedAndAddedAgainIsANewColumn) {
  conn_->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, c1 INT NULL)");
  conn_->execute("INSERT INTO t VALUES (1, NULL), (2, 5), (3, NULL)");
  const auto plan = plan_for("t", "DROP COLUMN c1, ADD COLUMN c1 INT NOT NULL DEFAULT 47");
  const auto failure = migrate(plan, [&](ProgressCounters& p) {
    const auto base = p.events_applied.load();
    conn_->execute("INSERT INTO t VALUES (4, NULL)");
    wait_applied(p, base + 1);
  });
  ASSERT_FALSE(failure) << what(failure);
  EXPECT_EQ(conn_->query("SELECT GROUP_CONCAT(id, ':', c1 ORDER BY id) FROM t").scalar(), "1:47,2:47,3:47,4:47");
}

TEST_F(EquivalenceTest, ImplicitDefaultsAndRoundingMatchNativeOnCopyAndApplierPaths) {
  conn_->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, m DECIMAL(10,3), e ENUM('x','y') NULL)");
  conn_->execute("INSERT INTO t VALUES (1, 1.235, 'y'), (2, -2.345, NULL), (3, 0.004, 'x')");
  conn_->execute("CREATE TABLE native LIKE t");
  conn_->execute("INSERT INTO native SELECT * FROM t");
  const std::string alter =
      "ADD COLUMN x INT NOT NULL, ADD COLUMN d DATETIME NOT NULL, ADD COLUMN s VARCHAR(5) NOT NULL, "
      "ADD COLUMN en ENUM('p','q') NOT NULL, MODIFY m DECIMAL(14,2)";
  const auto plan = plan_for("t", alter);
  EXPECT_EQ(plan.implicit_default_columns.size(), 4u);
  const auto failure = migrate(plan, [&](ProgressCounters& p) {
    const auto base = p.events_applied.load();
    conn_->execute("INSERT INTO t VALUES (4, 9.995, 'x'), (5, -0.005, 'y')");
    conn_->execute("UPDATE t SET m = 3.333 WHERE id = 1");
    wait_applied(p, base + 3);
  });
  ASSERT_FALSE(failure) << what(failure);
  conn_->execute("INSERT INTO native VALUES (4, 9.995, 'x'), (5, -0.005, 'y')");
  conn_->execute("UPDATE native SET m = 3.333 WHERE id = 1");
  conn_->execute("ALTER TABLE native " + alter);
  EXPECT_EQ(create_of("t"), create_of("native"));
  EXPECT_EQ(rows("t"), rows("native"));
}

TEST_F(EquivalenceTest, TruncationFailsLikeNativeAndLeavesTheOriginal) {
  conn_->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(12))");
  conn_->execute("INSERT INTO t VALUES (1, 'short'), (2, 'much longer')");
  std::string native_error;
  conn_->execute("CREATE TABLE native LIKE t");
  conn_->execute("INSERT INTO native SELECT * FROM t");
  try {
    conn_->execute("ALTER TABLE native MODIFY v VARCHAR(5)");
  } catch (const SqlError& e) {
    native_error = e.what();
  }
  ASSERT_NE(native_error, "");
  const auto before = rows("t");
  const auto failure = migrate(plan_for("t", "MODIFY v VARCHAR(5)"));
  ASSERT_TRUE(failure);
  EXPECT_NE(what(failure).find("Data truncated for column 'v'"), std::string::npos) << what(failure);
  EXPECT_NE(native_error.find("Data truncated for column 'v'"), std::string::npos) << native_error;
  EXPECT_EQ(rows("t"), before);
  EXPECT_EQ(exists(ghost_table_name("t")), false);
}

TEST_F(EquivalenceTest, CollationChangeOnPrimaryKeyWithCollidingRowsFailsLikeNative) {
  conn_->execute(
      "CREATE TABLE t (k VARCHAR(16) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, v INT) "
      "DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_general_ci");
  conn_->execute("INSERT INTO t VALUES ('a', 1), ('A', 2), ('b', 3)");
  const auto before = rows("t");
  conn_->execute("CREATE TABLE native LIKE t");
  conn_->execute("INSERT INTO native SELECT * FROM t");
  const std::string alter = "MODIFY k VARCHAR(16) COLLATE utf8mb4_general_ci NOT NULL";
  try {
    conn_->execute("ALTER TABLE native " + alter);
    FAIL() << "native ALTER succeeded";
  } catch (const SqlError& e) {
    EXPECT_EQ(e.code(), 1062);
  }
  try {
    (void)plan_for("t", alter);
    FAIL() << "the inspector accepted colliding rows";
  } catch (const InspectionError& e) {
    const std::string m = e.what();
    EXPECT_TRUE(m.find("1062: Duplicate entry 'a' for key 'PRIMARY'") != std::string::npos ||
                m.find("1062: Duplicate entry 'A' for key 'PRIMARY'") != std::string::npos)
        << m;
  }
  EXPECT_EQ(rows("t"), before);
}

TEST_F(EquivalenceTest, ImplicitCollationResetByModifyIsCaught) {
  // #21: MODIFY without COLLATE resets the column to the table's default collation.
  conn_->execute(
      "CREATE TABLE t (k VARCHAR(4) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY) "
      "DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_general_ci");
  conn_->execute("INSERT INTO t VALUES ('e'), ('é')");
  try {
    (void)plan_for("t", "MODIFY k VARCHAR(4) NOT NULL");
    FAIL() << "the inspector accepted colliding rows";
  } catch (const InspectionError& e) {
    EXPECT_NE(std::string(e.what()).find("1062: Duplicate entry"), std::string::npos) << e.what();
  }
}

TEST_F(EquivalenceTest, CollationChangeWithoutCollisionsSucceedsAndCollisionWrittenDuringMigrationFails) {
  conn_->execute(
      "CREATE TABLE t (k VARCHAR(16) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, v INT) "
      "DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_general_ci");
  conn_->execute("INSERT INTO t SELECT CONCAT('k', seq), seq FROM seq_1_to_200");
  conn_->execute("INSERT INTO t VALUES ('a', 1)");
  const std::string alter = "MODIFY k VARCHAR(16) COLLATE utf8mb4_general_ci NOT NULL";
  {
    // Writes during the migration that do not collide, and delete-by-key under the new rules
    // that must only remove the same original key.
    const auto plan = plan_for("t", alter);
    EXPECT_EQ(plan.changed_unique_keys.size(), 1u);
    EXPECT_NE(plan.describe().find("unique keys compared differently"), std::string::npos);
    const auto failure = migrate(plan, [&](ProgressCounters& p) {
      const auto base = p.events_applied.load();
      conn_->execute("INSERT INTO t VALUES ('new', 5)");
      conn_->execute("UPDATE t SET v = 9 WHERE k = 'a'");
      conn_->execute("DELETE FROM t WHERE k = 'A'");  // no such row (bin): deletes nothing
      wait_applied(p, base + 2);
    });
    ASSERT_FALSE(failure) << what(failure);
    EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t").scalar(), "202");
    EXPECT_EQ(conn_->query("SELECT v FROM t WHERE k = 'a'").scalar(), "9");
    conn_->execute("DROP TABLE " + quote_identifier(old_table_name("t")));
  }
  // Back to _bin, then a collision inserted after the copy: the applier path must fail with 1062.
  conn_->execute("ALTER TABLE t MODIFY k VARCHAR(16) COLLATE utf8mb4_bin NOT NULL");
  const auto plan = plan_for("t", alter);
  std::vector<std::string> before;
  const auto failure = migrate(plan, [&](ProgressCounters& p) {
    const auto base = p.events_applied.load();
    conn_->execute("INSERT INTO t VALUES ('A', 2)");
    before = rows("t");
    wait_applied(p, base + 1);
  });
  ASSERT_TRUE(failure) << "a collision under the new collation was merged";
  const auto m = what(failure);
  EXPECT_TRUE(m.find("Duplicate entry 'a' for key 'PRIMARY'") != std::string::npos ||
              m.find("Duplicate entry 'A' for key 'PRIMARY'") != std::string::npos)
      << m;
  EXPECT_EQ(rows("t"), before);
  EXPECT_EQ(exists(ghost_table_name("t")), false);
}

TEST_F(EquivalenceTest, CollisionOnSecondaryUniqueKeyFailsOnCopyAndPassesWithout) {
  conn_->execute(
      "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, u VARCHAR(8) CHARACTER SET latin1 COLLATE latin1_bin, "
      "UNIQUE KEY uk (u))");
  conn_->execute("INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, NULL), (4, NULL)");
  const std::string alter = "CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci";
  {
    const auto failure = migrate(plan_for("t", alter));
    ASSERT_FALSE(failure) << what(failure);
    EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t").scalar(), "4");
    conn_->execute("DROP TABLE " + quote_identifier(old_table_name("t")));
    conn_->execute("ALTER TABLE t CONVERT TO CHARACTER SET latin1 COLLATE latin1_bin");
  }
  conn_->execute("INSERT INTO t VALUES (5, 'X')");
  try {
    (void)plan_for("t", alter);
    FAIL() << "the inspector accepted colliding rows";
  } catch (const InspectionError& e) {
    const std::string m = e.what();
    EXPECT_TRUE(m.find("Duplicate entry 'x' for key 'uk'") != std::string::npos ||
                m.find("Duplicate entry 'X' for key 'uk'") != std::string::npos)
        << m;
  }
  // The collision arrives through the copy (the probe saw none): delete, plan, re-insert.
  conn_->execute("DELETE FROM t WHERE id = 5");
  const auto plan = plan_for("t", alter);
  conn_->execute("INSERT INTO t VALUES (5, 'X')");
  const auto before = rows("t");
  const auto failure = migrate(plan);
  ASSERT_TRUE(failure) << "a collision on uk was merged";
  EXPECT_NE(what(failure).find("for key 'uk'"), std::string::npos) << what(failure);
  EXPECT_EQ(rows("t"), before);
}

TEST_F(EquivalenceTest, StatementFormatWriteDuringMigrationFailsLoudly) {
  conn_->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT)");
  conn_->execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_100");
  const auto failure = migrate(plan_for("t", "ADD COLUMN z INT"), [&](ProgressCounters&) {
    auto c = SqlConnection::open(settings_);
    c->execute("SET SESSION binlog_format = 'STATEMENT'");
    c->execute("UPDATE t SET v = v + 1 WHERE id = 5");
    // No wait needed: the cut-over drains the binlog past this statement before any rename.
  });
  ASSERT_TRUE(failure) << "a statement-format write went unseen";
  EXPECT_NE(what(failure).find("statement-format write"), std::string::npos) << what(failure);
  EXPECT_EQ(conn_->query("SELECT v FROM t WHERE id = 5").scalar(), "6");
}

// The applier's connection lost just as it writes an XA COMMIT's rows: the batch is applied again
// on a new connection, and the rows held since XA PREPARE are still there to apply (a hold
// changed before the write, or left behind with the lost Applier, would drop them silently).
TEST_F(EquivalenceTest, XaCommitSurvivesTheApplierLosingItsConnection) {
  conn_->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT)");
  conn_->execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_100");
  const auto failure = migrate(plan_for("t", "ADD COLUMN z INT"), [&](ProgressCounters& p) {
    auto c = SqlConnection::open(settings_);
    c->execute("XA START 'kept'");
    c->execute("INSERT INTO t VALUES (2000, 2), (2001, 3)");
    c->execute("UPDATE t SET v = -5 WHERE id = 5");
    c->execute("XA END 'kept'");
    c->execute("XA PREPARE 'kept'");
    const auto base = p.events_applied.load();
    conn_->execute("UPDATE t SET v = 77 WHERE id = 2");  // applied: the prepare is held by now
    wait_applied(p, base + 1);
    const auto trx = transaction_attempts_.load();
    lose_next_transaction_ = true;  // the next SQL transaction is the XA COMMIT's
    c->execute("XA COMMIT 'kept'");
    wait_applied(p, base + 1 + 3);
    EXPECT_GE(transaction_attempts_.load(), trx + 2) << "the XA COMMIT's batch was written again";
    EXPECT_FALSE(lose_next_transaction_.load()) << "the fault was injected";
    // In the ghost before any checksum could repair it: the applier wrote the held rows.
    EXPECT_EQ(conn_
                  ->query("SELECT CONCAT(COUNT(*), ':', SUM(v)) FROM " + quote_identifier(ghost_table_name("t")) +
                          " WHERE id IN (5, 2000, 2001)")
                  .scalar(),
              "3:0");  // -5 + 2 + 3
  });
  ASSERT_FALSE(failure) << what(failure);
  EXPECT_EQ(conn_->query("SELECT CONCAT(COUNT(*), ':', SUM(v)) FROM t WHERE id IN (2, 5, 2000, 2001)").scalar(),
            "4:77");  // 77 - 5 + 2 + 3
}

TEST_F(EquivalenceTest, XaTransactionsApplyAtCommitAndRolledBackOnesLeaveNoTrace) {
  conn_->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT)");
  conn_->execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_100");
  std::string ghost_after_prepare;
  const auto failure = migrate(plan_for("t", "ADD COLUMN z INT"), [&](ProgressCounters& p) {
    auto c = SqlConnection::open(settings_);
    c->execute("XA START 'gone'");
    c->execute("INSERT INTO t VALUES (1000, 1)");
    c->execute("UPDATE t SET v = -1 WHERE id = 1");
    c->execute("XA END 'gone'");
    c->execute("XA PREPARE 'gone'");
    c->execute("XA ROLLBACK 'gone'");
    c->execute("XA START 'kept'");
    c->execute("INSERT INTO t VALUES (2000, 2)");
    c->execute("XA END 'kept'");
    c->execute("XA PREPARE 'kept'");
    // A marker after the prepare: once it is applied, the prepared rows have been seen.
    const auto base = p.events_applied.load();
    conn_->execute("UPDATE t SET v = 77 WHERE id = 2");
    wait_applied(p, base + 1);
    ghost_after_prepare =
        conn_->query("SELECT COUNT(*) FROM " + quote_identifier(ghost_table_name("t")) + " WHERE id IN (1000, 2000)")
            .scalar()
            .value_or("?");
    c->execute("XA COMMIT 'kept'");
    const auto base2 = p.events_applied.load();
    conn_->execute("UPDATE t SET v = 78 WHERE id = 3");
    wait_applied(p, base2 + 2);
  });
  ASSERT_FALSE(failure) << what(failure);
  EXPECT_EQ(ghost_after_prepare, "0") << "rows applied at XA PREPARE";
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE id = 1000").scalar(), "0");
  EXPECT_EQ(conn_->query("SELECT v FROM t WHERE id = 1").scalar(), "1");
  EXPECT_EQ(conn_->query("SELECT v FROM t WHERE id = 2000").scalar(), "2");
}

// A transaction far bigger than the piece size (an UPDATE of every row, deletes, key changes and
// inserts in one transaction) is applied in pieces, each its own SQL transaction, and the table
// after the cut-over equals the original's content row for row.
TEST_F(EquivalenceTest, BigTransactionAppliedInPiecesThroughCutOver) {
  conn_->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT NOT NULL, pad CHAR(100) NOT NULL, KEY (v))");
  conn_->execute("INSERT INTO t SELECT seq, seq, REPEAT('a', 100) FROM seq_1_to_20000");
  piece_bytes_ = 64 * 1024;
  std::vector<std::string> expected;
  std::uint64_t transactions_during = 0;
  const auto failure = migrate(plan_for("t", "ADD COLUMN z INT"), [&](ProgressCounters& p) {
    const auto base = p.events_applied.load();
    const auto trx0 = sql_transactions_.load();
    conn_->execute("BEGIN");
    conn_->execute("UPDATE t SET v = v + 1, pad = REPEAT(CHAR(98 + id % 20), 100)");
    conn_->execute("DELETE FROM t WHERE id % 7 = 0");
    conn_->execute("UPDATE t SET id = id + 100000 WHERE id % 11 = 0");
    conn_->execute("INSERT INTO t SELECT 200000 + seq, seq, 'new' FROM seq_1_to_2000");
    conn_->execute("COMMIT");
    // 20000 updates, 2857 deletes, 1559 key changes, 2000 inserts.
    wait_applied(p, base + 20000 + 2857 + 1559 + 2000);
    transactions_during = sql_transactions_.load() - trx0;
    expected = rows("t");
  });
  ASSERT_FALSE(failure) << what(failure);
  EXPECT_GT(transactions_during, 20u) << "the ~6 MB transaction was applied whole, not in 64 KiB pieces";
  for (auto& r : expected) r += "|NULL";  // the added column z
  const auto got = rows("t");
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "the migrated table differs from the original";
}

// An XA transaction delivered in pieces: none of its rows reach the ghost at XA PREPARE (later
// pieces carry no XA statement of their own), all of them at XA COMMIT.
TEST_F(EquivalenceTest, XaTransactionInPiecesAppliesOnlyAtCommit) {
  conn_->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT, pad CHAR(100))");
  conn_->execute("INSERT INTO t SELECT seq, seq, 'x' FROM seq_1_to_200");
  piece_bytes_ = 16 * 1024;
  std::string ghost_after_prepare;
  const auto failure = migrate(plan_for("t", "ADD COLUMN z INT"), [&](ProgressCounters& p) {
    auto c = SqlConnection::open(settings_);
    c->execute("XA START 'big'");
    c->execute("INSERT INTO t SELECT 1000 + seq, seq, REPEAT('y', 100) FROM seq_1_to_3000");
    c->execute("UPDATE t SET v = -v WHERE id <= 100");
    c->execute("XA END 'big'");
    c->execute("XA PREPARE 'big'");
    const auto trx0 = sql_transactions_.load();
    const auto base = p.events_applied.load();
    conn_->execute("UPDATE t SET v = 77 WHERE id = 150");  // a marker: once applied, the XA rows were seen
    wait_applied(p, base + 1);
    EXPECT_EQ(sql_transactions_.load() - trx0, 1u) << "XA rows written before the commit";
    ghost_after_prepare =
        conn_->query("SELECT COUNT(*) FROM " + quote_identifier(ghost_table_name("t")) + " WHERE id > 1000")
            .scalar()
            .value_or("?");
    c->execute("XA COMMIT 'big'");
    const auto base2 = p.events_applied.load();
    conn_->execute("UPDATE t SET v = 78 WHERE id = 151");
    wait_applied(p, base2 + 3000 + 100 + 1);
  });
  ASSERT_FALSE(failure) << what(failure);
  EXPECT_EQ(ghost_after_prepare, "0") << "rows applied at XA PREPARE";
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE id > 1000 AND z IS NULL").scalar(), "3000");
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE v < 0").scalar(), "100");
  EXPECT_EQ(conn_->query("SELECT v FROM t WHERE id = 150").scalar(), "77");
}

}  // namespace

namespace {

// TIMESTAMP <-> DATETIME converts in the server's time zone, as native ALTER does (its session's
// zone is the server's): checked on a server whose zone is not UTC, on the copy path and the
// applier path. The global zone is restored afterwards.
TEST_F(EquivalenceTest, TimestampDatetimeConversionUsesTheServersZone) {
  struct RestoreZone {
    SqlConnection& admin;
    std::string zone;
    ~RestoreZone() {
      try {
        admin.execute("SET GLOBAL time_zone = '" + zone + "'");
      } catch (...) {
      }
    }
  } restore{*admin_, admin_->query("SELECT @@global.time_zone").scalar().value_or("SYSTEM")};
  admin_->execute("SET GLOBAL time_zone = '+02:00'");
  auto c = SqlConnection::open(settings_);  // a new session: the server's zone
  c->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, ts TIMESTAMP(3) NULL, dt DATETIME NULL)");
  c->execute(
      "INSERT INTO t VALUES (1, '2024-03-31 01:30:00.250', '2024-01-01 12:00:00'), (2, NULL, NULL), "
      "(3, '1970-01-01 03:00:01', '2038-01-19 03:14:07')");
  c->execute("CREATE TABLE native LIKE t");
  c->execute("INSERT INTO native SELECT * FROM t");
  const std::string alter = "MODIFY ts DATETIME(3) NULL, MODIFY dt TIMESTAMP NULL";
  const auto plan = plan_for("t", alter);
  const auto failure = migrate(plan, [&](ProgressCounters& p) {
    const auto base = p.events_applied.load();
    c->execute("INSERT INTO t VALUES (4, '2024-07-01 23:59:59.999', '2024-07-01 23:59:59')");
    wait_applied(p, base + 1);
  });
  ASSERT_FALSE(failure) << what(failure);
  c->execute("INSERT INTO native VALUES (4, '2024-07-01 23:59:59.999', '2024-07-01 23:59:59')");
  c->execute("ALTER TABLE native " + alter);
  auto dump = [&](const std::string& table) {
    return c
        ->query(
            "SELECT GROUP_CONCAT(id, '=', IFNULL(ts, 'NULL'), '/', IFNULL(UNIX_TIMESTAMP(dt), 'NULL') ORDER BY id) "
            "FROM " +
            table)
        .scalar()
        .value_or("");
  };
  EXPECT_EQ(dump("t"), dump("native"));
  EXPECT_NE(dump("t").find("1=2024-03-31 01:30:00.250"), std::string::npos) << dump("t");
}

}  // namespace
