// The pre-cut-over checksum on the live server: equal tables pass; every kind of difference a
// broken copy or applier could leave — a changed value, a missing or extra row, NULL vs '', values
// shifted between columns — is found, named and copied again (or fails it, without repairs);
// columns the ALTER converts exactly are compared, others listed.
#include "engine/verify/checksum.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <utility>

#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "integration/ghost_fixture.h"
#include "integration/migrator_config.h"
#include "integration/model_writer.h"
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
    conn_->execute(
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10) NULL, b VARCHAR(10) NULL, d DECIMAL(8,2), "
        "j JSON, bin VARBINARY(8))");
    conn_->execute(
        "INSERT INTO t VALUES (1, 'a', 'bc', 1.50, '{\"k\": [1, 2]}', 0x00ff), (2, NULL, '', 2.25, NULL, ''),"
        " (3, 'é', 'x y', -0.01, '\"s\"', NULL)");
    conn_->execute("CREATE TABLE t_gho LIKE t");
    conn_->execute("ALTER TABLE t_gho ADD COLUMN z INT NOT NULL DEFAULT 7");
    conn_->execute("INSERT INTO t_gho (id, a, b, d, j, bin) SELECT id, a, b, d, j, bin FROM t");
  }
  // One row per chunk by default, so chunk walking, ranges and the last open chunk all run.
  ChecksumResult run(bool repair = false, std::uint64_t chunk_rows = 1) {
    plan_ = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
    plan_.server = parse_server_version(admin_->query("SELECT VERSION()").scalar().value_or(""), "");
    ChecksumOptions options;
    options.chunk_rows = chunk_rows;
    options.repair = repair;
    Checksum c(
        settings_, plan_, std::chrono::seconds(3),
        [](const binlog::BinlogPosition&, std::chrono::steady_clock::time_point) { return true; }, [] {}, nullptr,
        options);
    return c.run();
  }
  std::string rows(const std::string& table) {
    std::string out;
    for (const auto& r : conn_->query("SELECT id, a, b, d, j, HEX(bin) FROM " + table + " ORDER BY id").rows) {
      for (const auto& c : r) out += c.value_or("<NULL>") + "|";
      out += "\n";
    }
    return out;
  }
  MigrationPlan plan_;
};

TEST_F(ChecksumTest, EqualTablesPass) {
  const auto r = run();
  EXPECT_EQ(r.rows, 3u);
  EXPECT_EQ(r.chunks, 4u);  // three one-row chunks and the open one after the last key
  EXPECT_EQ(r.rows_repaired, 0u);
  EXPECT_EQ(run(false, 10000).chunks, 2u);
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
    EXPECT_THROW(run(false, 10000), ChecksumMismatch);
  }
}

// With repairs on (the default), each difference is found, the row copied again, and the tables
// compare equal afterwards — row by row, not only by checksum.
TEST_F(ChecksumTest, EveryKindOfDifferenceIsRepaired) {
  const std::vector<std::pair<const char*, const char*>> breakages = {
      {"a changed value", "UPDATE t_gho SET d = 1.51 WHERE id = 1"},
      {"a missing row", "DELETE FROM t_gho WHERE id = 3"},
      {"an extra row", "INSERT INTO t_gho (id) VALUES (4)"},
      {"an extra row before the first key", "INSERT INTO t_gho (id) VALUES (0)"},
      {"NULL became ''", "UPDATE t_gho SET a = '' WHERE id = 2"},
      {"values shifted between columns", "UPDATE t_gho SET a = 'ab', b = 'c' WHERE id = 1"},
      {"two rows at once", "UPDATE t_gho SET bin = 0x01 WHERE id IN (1, 3)"},
  };
  const auto want = rows("t");
  for (const auto& [what, sql] : breakages) {
    for (std::uint64_t chunk_rows : {1, 2, 10000}) {
      SCOPED_TRACE(std::string(what) + ", chunks of " + std::to_string(chunk_rows));
      conn_->execute("DELETE FROM t_gho");
      conn_->execute("INSERT INTO t_gho (id, a, b, d, j, bin) SELECT id, a, b, d, j, bin FROM t");
      conn_->execute(sql);
      ChecksumResult r;
      ASSERT_NO_THROW(r = run(true, chunk_rows));
      EXPECT_GE(r.rows_repaired, 1u);
      EXPECT_EQ(rows("t_gho"), want);
      EXPECT_EQ(run(false, chunk_rows).rows_repaired, 0u);
    }
  }
}

// Without repairs the failure names the chunk's key range and the column.
TEST_F(ChecksumTest, AFailureNamesTheChunkAndTheColumn) {
  conn_->execute("UPDATE t_gho SET d = 1.51 WHERE id = 2");
  try {
    run();
    FAIL() << "no mismatch";
  } catch (const ChecksumMismatch& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("(1, 2]"), std::string::npos) << m;
    EXPECT_NE(m.find("columns that differ: d"), std::string::npos) << m;
  }
}

// Without lengths, ('a#0#b', 'c') and ('a', 'b#0#c') would encode alike.
TEST_F(ChecksumTest, ValuesCannotShiftAcrossTheSeparator) {
  conn_->execute("UPDATE t SET a = 'a#0#b', b = 'c' WHERE id = 1");
  conn_->execute("UPDATE t_gho SET a = 'a', b = 'b#0#c' WHERE id = 1");
  EXPECT_THROW(run(), ChecksumMismatch);
}

// Text of two collations beside bytes that are not UTF-8: compared under utf8mb4_bin with the
// bytes kept apart (one CONCAT_WS would turn 0xff into '?' and miss the change); text of two
// character sets: compared as bytes. A one-byte change is found either way.
TEST_F(ChecksumTest, MixedCollationsAndCharsetsMissNoByte) {
  struct Case {
    const char *original, *ghost, *other;  // u's type on each side; a value u may differ by
  };
  const Case cases[] = {
      {"TEXT COLLATE utf8mb4_unicode_ci", "TEXT COLLATE utf8mb4_unicode_ci", "u"},
      {"TEXT CHARACTER SET latin1", "TEXT CHARACTER SET latin1", "u"},
      // An ENUM into another charset: compared as its text (as bytes, 'ü' would differ).
      {"ENUM('ü','x') CHARACTER SET latin1", "ENUM('ü','x') CHARACTER SET utf8mb4", "x"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.ghost);
    conn_->execute(std::string("ALTER TABLE t ADD COLUMN u ") + c.original);
    conn_->execute(std::string("ALTER TABLE t_gho ADD COLUMN u ") + c.ghost);
    conn_->execute("UPDATE t SET u = 'ü', bin = 0xff WHERE id = 1");
    conn_->execute("UPDATE t_gho SET u = 'ü', bin = 0xff WHERE id = 1");
    ChecksumResult r;
    ASSERT_NO_THROW(r = run());
    EXPECT_EQ(r.rows, 3u);
    EXPECT_EQ(r.compared.size(), 7u);
    conn_->execute("UPDATE t_gho SET bin = 0xfe WHERE id = 1");
    EXPECT_THROW(run(), ChecksumMismatch);
    conn_->execute(std::string("UPDATE t_gho SET bin = 0xff, u = '") + c.other + "' WHERE id = 1");
    EXPECT_THROW(run(), ChecksumMismatch);
    conn_->execute("UPDATE t_gho SET u = 'ü', j = '{\"k\": [1, 3]}' WHERE id = 1");
    EXPECT_THROW(run(), ChecksumMismatch);
    conn_->execute("UPDATE t_gho g JOIN t USING (id) SET g.j = t.j");
    EXPECT_NO_THROW(run());
    conn_->execute("ALTER TABLE t DROP COLUMN u");
    conn_->execute("ALTER TABLE t_gho DROP COLUMN u");
  }
}

// A narrowed scale rounds: not compared, listed. A widened one converts exactly: compared, and a
// difference in it is still found.
TEST_F(ChecksumTest, ColumnsConvertedExactlyAreComparedOthersListed) {
  conn_->execute("ALTER TABLE t_gho MODIFY d DECIMAL(10,1)");
  auto r = run();
  EXPECT_EQ(r.skipped, std::vector<std::string>{"d"});
  EXPECT_EQ(r.compared.size(), 5u);
  conn_->execute("ALTER TABLE t_gho MODIFY d DECIMAL(12,4), MODIFY a VARCHAR(30), MODIFY bin BLOB");
  conn_->execute("UPDATE t_gho g JOIN t USING (id) SET g.d = t.d");
  r = run();
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_EQ(r.compared.size(), 6u);
  conn_->execute("UPDATE t_gho SET d = 1.5001 WHERE id = 1");
  EXPECT_THROW(run(), ChecksumMismatch);
}

// The chunk walk covers every key whatever its spread: negative and extreme integers (walked by
// value, then by index scans once the key turns out sparse), unsigned ones up to 2^64-1, and a
// composite text key (index scans). Differences at the ends and in the gaps are all repaired.
class ChecksumKeyWalkTest : public LiveServerTest {
 protected:
  void check(const std::string& columns, const std::string& key, const std::string& values,
             const std::vector<std::string>& damages) {
    conn_->execute("CREATE TABLE k (" + columns + ", v VARCHAR(10), PRIMARY KEY (" + key + "))");
    conn_->execute("INSERT INTO k VALUES " + values);
    conn_->execute("CREATE TABLE k_gho LIKE k");
    conn_->execute("ALTER TABLE k_gho ADD COLUMN z INT NOT NULL DEFAULT 7");
    auto plan = ghostcut::testing::make_plan(*conn_, db_, "k", "k_gho");
    plan.server = parse_server_version(admin_->query("SELECT VERSION()").scalar().value_or(""), "");
    const auto want = dump("k");
    for (std::uint64_t chunk_rows : {1, 2, 3, 10000}) {
      SCOPED_TRACE("chunks of " + std::to_string(chunk_rows));
      conn_->execute("DELETE FROM k_gho");
      conn_->execute("INSERT INTO k_gho SELECT *, 7 FROM k");
      for (const auto& d : damages) conn_->execute(d);
      ChecksumOptions options;
      options.chunk_rows = chunk_rows;
      auto run = [&] {
        return Checksum(
                   settings_, plan, std::chrono::seconds(3),
                   [](const binlog::BinlogPosition&, std::chrono::steady_clock::time_point) { return true; }, [] {},
                   nullptr, options)
            .run();
      };
      const auto r = run();
      EXPECT_EQ(r.rows_repaired, damages.size());
      EXPECT_EQ(dump("k_gho"), want);
      EXPECT_EQ(run().rows_repaired, 0u);
    }
  }
  std::string dump(const std::string& table) {
    std::string out;
    for (const auto& r : conn_->query("SELECT * FROM " + table + " ORDER BY 1, 2").rows) {
      // The original's columns only (the ghost has z too).
      const auto n = conn_->query("SELECT * FROM k LIMIT 0").columns.size();
      for (std::size_t i = 0; i < n && i < r.size(); ++i) out += r[i].value_or("<NULL>") + "|";
      out += "\n";
    }
    return out;
  }
};

TEST_F(ChecksumKeyWalkTest, SignedIntegersFromEndToEnd) {
  check("id BIGINT", "id",
        "(-9223372036854775808, 'min'), (-5, 'a'), (0, 'b'), (7, 'c'), (1099511627776, 'd'), "
        "(9223372036854775807, 'max')",
        {"UPDATE k_gho SET v = 'x' WHERE id = -9223372036854775808", "DELETE FROM k_gho WHERE id = 1099511627776",
         "UPDATE k_gho SET v = NULL WHERE id = 9223372036854775807", "INSERT INTO k_gho VALUES (100, 'extra', 7)"});
}

TEST_F(ChecksumKeyWalkTest, UnsignedIntegersUpToTheTop) {
  check("id BIGINT UNSIGNED", "id", "(0, 'zero'), (1, 'a'), (18446744073709551615, 'top')",
        {"UPDATE k_gho SET v = 'x' WHERE id = 18446744073709551615", "DELETE FROM k_gho WHERE id = 0"});
}

TEST_F(ChecksumKeyWalkTest, CompositeTextKey) {
  check("a VARCHAR(10), b INT", "a, b", "('', 1, 'e'), ('a', 1, 'a1'), ('a', 2, 'a2'), ('b', 1, 'b1'), ('zz', 9, 'z')",
        {"UPDATE k_gho SET v = 'x' WHERE a = 'a' AND b = 2", "DELETE FROM k_gho WHERE a = ''",
         "INSERT INTO k_gho VALUES ('zzz', 0, 'extra', 7)"});
}

// Through whole migrations (the Inspector's plans). A ghost row damaged behind ghostcut's back
// (a write ghostcut's applier does not follow, as a copier or applier bug would leave) is found and copied again before
// the cut-over; a damage that comes back every time fails the migration, naming chunk and column, with the original in
// place and unchanged.
class ChecksumMigrationTest : public LiveServerTest {
 protected:
  MigrationResult migrate(const std::string& alter, std::function<void()> after_copy) {
    Inspector inspector(*conn_, InspectorConfig{});
    plan_ = inspector.inspect(db_, "t", alter);
    MigratorConfig cfg;
    cfg.connection = settings_;
    cfg.server_id = 950000 + static_cast<std::uint32_t>(::getpid() % 10000);
    cfg.heartbeat_interval = std::chrono::milliseconds(100);
    cfg.after_copy = std::move(after_copy);
    RuntimeSettings runtime;
    ProgressCounters progress;
    Migrator migrator(cfg, plan_, runtime, progress, nullptr);
    return migrator.run(std::stop_token{});
  }
  // A write to the ghost itself: ghostcut's applier follows only t's events, so it never sees it.
  // (Binlogged, not sql_log_bin = 0: the replica the other tests share must stay in step.)
  // With writers running it may lose a deadlock to the applier: it is then simply done again.
  void behind_ghostcuts_back(const std::string& sql) {
    for (int attempt = 1;; ++attempt) {
      try {
        admin_->execute(sql);
        return;
      } catch (const SqlError& e) {
        if (!e.retryable() || attempt >= 20) throw;
      }
    }
  }
  void repairs_under_writers(bool lock_free);
  // A table (4000 rows), writers seeded on it, plan_ for ADD COLUMN z: the config to change and run.
  MigratorConfig under_writers(std::vector<ghostcut::testing::Writer>& writers, std::uint32_t id, int rows = 4000) {
    ghostcut::testing::create_seeded_table(*conn_, rows);
    ghostcut::testing::seed_models(writers, rows);
    Inspector inspector(*conn_, InspectorConfig{});
    plan_ = inspector.inspect(db_, "t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
    auto cfg = ghostcut::testing::test_migrator_config(settings_, id);
    cfg.checksum_chunk_rows = 300;  // many chunks, on two workers
    return cfg;
  }
  // The migration while the writers run (and 200 ms into the new table); `after` runs once it ends.
  MigrationResult run_under_writers(const MigratorConfig& cfg, ProgressCounters& progress,
                                    std::vector<ghostcut::testing::Writer>& writers, std::function<void()> after = {},
                                    std::uint64_t chunk_size = 0) {
    RuntimeSettings runtime;
    if (chunk_size) {
      EXPECT_TRUE(runtime.set_chunk_size(chunk_size));
    }
    Migrator migrator(cfg, plan_, runtime, progress, nullptr);
    std::atomic<bool> stop_writers{false};
    std::vector<std::thread> threads;
    for (auto& wr : writers)
      threads.emplace_back(ghostcut::testing::writer_loop, std::ref(wr), settings_, std::ref(stop_writers));
    ghostcut::testing::BackgroundMigration mig(migrator);
    mig.join();
    if (after) after();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop_writers = true;
    for (auto& th : threads) th.join();
    return mig.result();
  }
  // The writers ran, without errors, and the new table holds exactly what they committed (`extra`
  // keys, written by the test itself, aside).
  void expect_writers_kept(const std::vector<ghostcut::testing::Writer>& writers,
                           const std::vector<std::string>& extra = {}) {
    std::uint64_t ops = 0;
    for (const auto& wr : writers) {
      EXPECT_EQ(wr.errors, 0u) << wr.last_error;
      ops += wr.ops;
    }
    EXPECT_GT(ops, 50u) << "the writers barely ran";
    const auto expected = ghostcut::testing::model_rows(writers);
    auto got = ghostcut::testing::read_table(*conn_, db_, "t", "a, b", "id");
    for (const auto& k : extra) EXPECT_EQ(got.erase(k), 1u) << k;
    EXPECT_EQ(ghostcut::testing::count_differences(expected, got,
                                                   ghostcut::testing::read_table(*conn_, db_, "t_del", "a, b", "id")),
              0u);
    EXPECT_EQ(got.size(), expected.size());
  }
  MigrationPlan plan_;
};

TEST_F(ChecksumMigrationTest, ADamagedGhostRowIsFoundAndCopiedAgain) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
  conn_->execute("INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_500");
  const auto r = migrate("ADD COLUMN z INT NOT NULL DEFAULT 7", [&] {
    behind_ghostcuts_back("UPDATE " + quote_qualified(db_, "t_gho") + " SET v = 'damaged' WHERE id = 250");
    behind_ghostcuts_back("DELETE FROM " + quote_qualified(db_, "t_gho") + " WHERE id = 17");
  });
  ASSERT_TRUE(r.checksum);
  EXPECT_EQ(r.checksum->rows_repaired, 2u);
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE v = CONCAT('v', id) AND z = 7").scalar(), "500");
}

TEST_F(ChecksumMigrationTest, ADifferenceThatPersistsFailsTheMigrationNamingTheChunkAndColumn) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
  conn_->execute("INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_500");
  try {
    migrate("ADD COLUMN z INT NOT NULL DEFAULT 7", [&] {
      // Every write of row 250 into the ghost — the repair's too — is damaged again.
      admin_->execute("CREATE TRIGGER " + quote_qualified(db_, "t_gho_damage") + " BEFORE INSERT ON " +
                      quote_qualified(db_, "t_gho") + " FOR EACH ROW SET NEW.v = IF(NEW.id = 250, 'damaged', NEW.v)");
      behind_ghostcuts_back("UPDATE " + quote_qualified(db_, "t_gho") + " SET v = 'damaged' WHERE id = 250");
    });
    FAIL() << "the migration cut over a damaged ghost";
  } catch (const ChecksumMismatch& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("columns that differ: v"), std::string::npos) << m;
    EXPECT_NE(m.find("of key PRIMARY (id)"), std::string::npos) << m;
  }
  EXPECT_TRUE(conn_->query("SHOW COLUMNS FROM t LIKE 'z'").empty()) << "swapped";
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE v = CONCAT('v', id)").scalar(), "500");
}

// Repairs race nothing: model-checked writers keep inserting, updating, moving keys and deleting
// through the copy, the damage, the checksum's repairs and the cut-over; the new table must then
// hold exactly what they committed.
// Both ways of taking the instant: lock-free (MariaDB's default) and LOCK TABLES (MySQL's).
void ChecksumMigrationTest::repairs_under_writers(bool lock_free) {
  std::vector<ghostcut::testing::Writer> writers(3);
  auto cfg = under_writers(writers, 961000);
  cfg.checksum_lock_free = lock_free;
  cfg.checksum_during_copy = false;  // the damage comes after the copy: the checksum after it must see it
  std::atomic<bool> damaged{false};
  cfg.after_copy = [&] {
    // Rows the writers may be changing at this very moment, too.
    behind_ghostcuts_back("UPDATE " + quote_qualified(db_, "t_gho") + " SET b = 'damaged' WHERE id % 97 = 0");
    behind_ghostcuts_back("DELETE FROM " + quote_qualified(db_, "t_gho") + " WHERE id % 101 = 0");
    damaged = true;
  };
  ProgressCounters progress;
  const auto r = run_under_writers(cfg, progress, writers);
  ASSERT_TRUE(damaged.load());
  ASSERT_TRUE(r.checksum);
  EXPECT_EQ(r.checksum->lock_free, lock_free);
  EXPECT_GE(r.checksum->rows_repaired, 1u);
  EXPECT_EQ(progress.checksum_rows_repaired.load(), r.checksum->rows_repaired);
  expect_writers_kept(writers);
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE b = 'damaged'").scalar(), "0");
}

TEST_F(ChecksumMigrationTest, RepairsUnderConcurrentWritersLoseNothing) { repairs_under_writers(true); }
TEST_F(ChecksumMigrationTest, RepairsUnderConcurrentWritersLoseNothingWithTheLock) { repairs_under_writers(false); }

// On MariaDB the checksum's snapshots need no lock: a transaction that wrote to t and stays open
// while the checksum compares (a LOCK TABLES … READ would wait for it) does not hold it up, and
// with writers going on at full speed the pairs' instants are exact — no row differs, none is
// repaired — and the new table then holds exactly what the writers and that transaction committed.
TEST_F(ChecksumMigrationTest, SnapshotsWithoutALockAreExactUnderWritersAndALongTransaction) {
  using namespace std::chrono_literals;
  std::vector<ghostcut::testing::Writer> writers(3);
  auto cfg = under_writers(writers, 962000);
  ProgressCounters progress;
  // Row 0 is no writer's: the long transaction moves it, and commits only once the checksum is done.
  conn_->execute("INSERT INTO t (id, a, b) VALUES (0, 0, 'long')");
  auto long_trx = SqlConnection::open(settings_);
  std::atomic<bool> committed_after_checksum{false};
  std::thread holder;
  cfg.after_copy = [&] {
    long_trx->execute("BEGIN");
    long_trx->execute("UPDATE t SET b = 'long, committed' WHERE id = 0");
    holder = std::thread([&] {
      SqlThreadGuard guard;
      const auto until = std::chrono::steady_clock::now() + 60s;
      while (progress.checksum_rows.load() < 4000 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(5ms);
      committed_after_checksum = progress.checksum_rows.load() >= 4000;
      long_trx->execute("COMMIT");
    });
  };
  const auto r = run_under_writers(cfg, progress, writers, [&] {
    if (holder.joinable()) holder.join();
  });
  ASSERT_TRUE(r.checksum);
  EXPECT_TRUE(r.checksum->lock_free);
  EXPECT_EQ(r.checksum->write_stall.count(), 0);
  EXPECT_EQ(r.checksum->rows_repaired, 0u) << "a pair's two snapshots were not at one instant";
  EXPECT_TRUE(committed_after_checksum.load()) << "the checksum waited for the open transaction";
  EXPECT_EQ(conn_->query("SELECT b FROM t WHERE id = 0").scalar(), "long, committed");
  expect_writers_kept(writers, {"0"});
}

// A session of the comparison killed in the middle of it (a KILL, pt-kill): its snapshot is gone,
// so the comparison starts again with new snapshots instead of failing the migration, and the new
// table holds exactly what the writers committed.
TEST_F(ChecksumMigrationTest, AComparisonSessionKilledMidwayIsComparedAgainWithNewSnapshots) {
  using namespace std::chrono_literals;
  std::vector<ghostcut::testing::Writer> writers(3);
  auto cfg = under_writers(writers, 962500, 30000);
  cfg.checksum_chunk_rows = 100;     // hundreds of statements: one is caught running
  cfg.checksum_during_copy = false;  // the comparison after the copy is the only one
  ProgressCounters progress;
  const std::string tag = "/* ghostcut " + db_ + ".t checksum */%";
  std::atomic<std::uint64_t> killed{0};
  std::thread killer;
  cfg.after_copy = [&] {
    killer = std::thread([&] {
      SqlThreadGuard guard;
      auto c = SqlConnection::open(settings_);
      const auto until = std::chrono::steady_clock::now() + 60s;
      while (!killed && std::chrono::steady_clock::now() < until) {
        const auto r = c->query("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE ?", {tag});
        if (r.empty()) {
          std::this_thread::sleep_for(1ms);
          continue;
        }
        const auto id = to_uint64(r.rows[0][0]);
        try {
          c->execute("KILL CONNECTION " + std::to_string(id));
          killed = id;
        } catch (const SqlError&) {  // it ended meanwhile (1094): the next one
        }
      }
    });
  };
  const auto r = run_under_writers(cfg, progress, writers, [&] {
    if (killer.joinable()) killer.join();
  });
  ASSERT_NE(killed.load(), 0u) << "no statement of the comparison was seen running";
  ASSERT_TRUE(r.checksum);
  EXPECT_GE(r.checksum->restarts, 1u) << "the killed session did not make the comparison start again";
  EXPECT_GE(r.checksum->rows, 30000u);
  expect_writers_kept(writers);
}

// A copy slowed to ~20 ms a chunk of ~100 rows, so the checksum behind it runs many times;
// `each` runs before every chunk (the first time with true).
void slow_copy(MigratorConfig& cfg, std::function<void(bool first)> each = {}) {
  cfg.copier.initial_chunk_size = 100;
  cfg.copier.target_chunk_time = std::chrono::milliseconds(10);
  cfg.copier.wait_if_throttled = [each = std::move(each), first = std::make_shared<bool>(true)](std::stop_token) {
    if (each) each(std::exchange(*first, false));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  };
}

// The checksum behind the copy compares chunks while the copy and model-checked writers go on; each
// of its pairs must show both tables at one instant (a pair that did not would see a chunk differ,
// which ends the part behind the copy: `differed_during_copy`), and the new table then holds
// exactly what the writers committed.
TEST_F(ChecksumMigrationTest, ComparedBehindTheCopyUnderWritersWithoutADifference) {
  std::vector<ghostcut::testing::Writer> writers(3);
  auto cfg = under_writers(writers, 963000, 12000);
  ProgressCounters progress;
  slow_copy(cfg, [&](bool) {  // from 9000 rows copied on, the copy lets the checksum catch up to 6000
    if (progress.rows_copied.load() >= 9000)
      for (int i = 0; i < 3000 && progress.checksum_rows.load() < 6000 && !progress.checksum_behind_copy_ended.load();
           ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
  });
  const auto r = run_under_writers(cfg, progress, writers, {}, 200);
  ASSERT_TRUE(r.checksum);
  EXPECT_TRUE(r.checksum->lock_free);
  EXPECT_FALSE(r.checksum->differed_during_copy) << "a pair behind the copy was not at one instant";
  EXPECT_GE(r.checksum->rows_during_copy, 6000u) << "the checksum behind the copy barely ran";
  EXPECT_LT(r.checksum->rows_during_copy, r.checksum->rows);
  EXPECT_EQ(r.checksum->rows_repaired, 0u);
  expect_writers_kept(writers);
}

// A ghost row wrong from the start (the copy's INSERT IGNORE keeps it): the checksum behind the copy
// proves the rows before its chunk, stops there, and the checksum after the copy — starting where
// that one got to — finds the row and copies it again. Off, the whole comparison is after the copy.
TEST_F(ChecksumMigrationTest, ARowWrongBehindTheCopyIsLeftToTheChecksumAfterItAndRepaired) {
  for (const bool during_copy : {true, false}) {
    SCOPED_TRACE(during_copy ? "during the copy" : "after the copy only");
    conn_->execute("DROP TABLE IF EXISTS t, t_del");
    conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
    conn_->execute("INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_12000");
    Inspector inspector(*conn_, InspectorConfig{});
    plan_ = inspector.inspect(db_, "t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
    auto cfg = ghostcut::testing::test_migrator_config(settings_, during_copy ? 964000 : 965000);
    cfg.checksum_chunk_rows = 300;
    cfg.checksum_during_copy = during_copy;
    cfg.ok_to_drop_table = true;
    RuntimeSettings runtime;
    ASSERT_TRUE(runtime.set_chunk_size(200));  // the hooks below see every 200 rows
    ProgressCounters progress;
    slow_copy(cfg, [&](bool first) {
      // Before the first chunk the ghost gets row 7000, damaged; once 9000 rows are copied the copy
      // waits for the checksum behind it to meet that row (and end there), not to outrun it.
      if (first) behind_ghostcuts_back("INSERT INTO " + quote_qualified(db_, "t_gho") + " VALUES (7000, 'damaged', 7)");
      else if (during_copy && progress.rows_copied.load() >= 9000)
        for (int i = 0; i < 3000 && !progress.checksum_behind_copy_ended.load(); ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
    });
    Migrator migrator(cfg, plan_, runtime, progress, nullptr);
    const auto r = migrator.run(std::stop_token{});
    ASSERT_TRUE(r.checksum);
    EXPECT_EQ(r.checksum->rows_repaired, 1u);
    EXPECT_EQ(r.checksum->rows, 12000u);
    if (during_copy) {
      EXPECT_TRUE(r.checksum->differed_during_copy);
      EXPECT_GE(r.checksum->rows_during_copy, 600u) << "the checksum behind the copy barely ran";
      EXPECT_LT(r.checksum->rows_during_copy, 7000u) << "a chunk that differs was counted as equal";
    } else {
      EXPECT_EQ(r.checksum->rows_during_copy, 0u);
    }
    EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE v = CONCAT('v', id) AND z = 7").scalar(), "12000");
  }
}

// What the applier writes into a range already proven behind the copy is compared again after the
// copy: here the applier's write of row 1000 (a user's UPDATE, long after that row's chunk was
// proven) comes out wrong (a trigger on the ghost damages it) — the checksum after the copy must
// compare that chunk again, find the row and copy it again.
TEST_F(ChecksumMigrationTest, AnApplierWriteAfterTheChecksumBehindTheCopyIsComparedAgain) {
  using namespace std::chrono_literals;
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
  conn_->execute("INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_12000");
  conn_->execute("CREATE TABLE damage_on (x INT)");
  Inspector inspector(*conn_, InspectorConfig{});
  plan_ = inspector.inspect(db_, "t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
  auto cfg = ghostcut::testing::test_migrator_config(settings_, 966000);
  cfg.checksum_chunk_rows = 300;
  cfg.ok_to_drop_table = true;
  RuntimeSettings runtime;
  ASSERT_TRUE(runtime.set_chunk_size(200));  // the hook below sees every 200 rows
  ProgressCounters progress;
  bool damaged = false;
  slow_copy(cfg, [&](bool) {
    // Once row 1000's chunk is proven (from 9000 rows copied on, the copy waits for that).
    if (damaged || (progress.rows_copied.load() < 9000 && progress.checksum_rows.load() < 3000)) return;
    for (int i = 0; i < 3000 && progress.checksum_rows.load() < 3000 && !progress.checksum_behind_copy_ended.load();
         ++i)
      std::this_thread::sleep_for(10ms);
    if (progress.checksum_rows.load() < 3000) return;
    damaged = true;
    admin_->execute("CREATE TRIGGER " + quote_qualified(db_, "t_gho_damage") + " BEFORE INSERT ON " +
                    quote_qualified(db_, "t_gho") +
                    " FOR EACH ROW SET NEW.v = IF(NEW.id = 1000 AND (SELECT COUNT(*) FROM " +
                    quote_qualified(db_, "damage_on") + ") > 0, 'damaged', NEW.v)");
    admin_->execute("INSERT INTO " + quote_qualified(db_, "damage_on") + " VALUES (1)");
    admin_->execute("UPDATE " + quote_qualified(db_, "t") + " SET v = 'updated' WHERE id = 1000");
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (admin_->query("SELECT v FROM " + quote_qualified(db_, "t_gho") + " WHERE id = 1000").scalar() != "damaged" &&
           std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(10ms);
    admin_->execute("DELETE FROM " + quote_qualified(db_, "damage_on"));  // the repair is not damaged
  });
  Migrator migrator(cfg, plan_, runtime, progress, nullptr);
  const auto r = migrator.run(std::stop_token{});
  ASSERT_TRUE(damaged) << "the checksum behind the copy never got to row 1000's chunk";
  ASSERT_TRUE(r.checksum);
  EXPECT_GE(r.checksum->rows_during_copy, 3000u);
  EXPECT_GE(r.checksum->rows_rechecked, 1u);
  EXPECT_EQ(r.checksum->rows_repaired, 1u);
  EXPECT_EQ(conn_->query("SELECT v FROM t WHERE id = 1000").scalar(), "updated");
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE v = CONCAT('v', id) AND z = 7").scalar(), "11999");
}

// A rename and exact type changes are compared (old name against new, the old value converted),
// with no false alarm; a damage in the renamed column is still found and repaired.
TEST_F(ChecksumMigrationTest, RenamedAndRetypedColumnsAreComparedWithoutFalseAlarm) {
  conn_->execute(
      "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL, n INT NULL, d DECIMAL(8,2) NOT NULL, "
      "ts DATETIME(2) NULL)");
  conn_->execute(
      "INSERT INTO t SELECT seq, CONCAT('v', seq), IF(seq % 7 = 0, NULL, seq * 3), seq / 8, "
      "IF(seq % 5 = 0, NULL, '2026-12-05 10:11:12.34' + INTERVAL seq SECOND) FROM seq_1_to_300");
  const std::string alter =
      "CHANGE v v2 VARCHAR(40) NOT NULL, MODIFY n BIGINT NULL, MODIFY d DECIMAL(12,4) NOT NULL, "
      "MODIFY ts DATETIME(6) NULL";
  auto r = migrate(alter, [] {});
  ASSERT_TRUE(r.checksum);
  EXPECT_EQ(r.checksum->compared, (std::vector<std::string>{"id", "v", "n", "d", "ts"}));
  EXPECT_TRUE(r.checksum->skipped.empty());
  EXPECT_EQ(r.checksum->rows_repaired, 0u);
  EXPECT_EQ(r.checksum->rows, 300u);

  conn_->execute("DROP TABLE t");
  conn_->execute("DROP TABLE IF EXISTS t_del");
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL, n INT NULL)");
  conn_->execute("INSERT INTO t SELECT seq, CONCAT('v', seq), seq FROM seq_1_to_300");
  r = migrate("CHANGE v v2 VARCHAR(40) NOT NULL, MODIFY n BIGINT NULL", [&] {
    behind_ghostcuts_back("UPDATE " + quote_qualified(db_, "t_gho") + " SET v2 = 'damaged', n = NULL WHERE id = 9");
  });
  ASSERT_TRUE(r.checksum);
  EXPECT_EQ(r.checksum->rows_repaired, 1u);
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE v2 = CONCAT('v', id) AND n = id").scalar(), "300");
}

}  // namespace
