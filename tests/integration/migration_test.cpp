// End-to-end migrations on the live server, each checked by full table contents: concurrent
// writers (inserts, non-key updates, primary-key changes, deletes, multi-statement transactions)
// run during the copy and through the cut-over, and the final table must equal what they committed.
#include "engine/migrator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "engine/inspect/inspector.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "integration/migrator_config.h"
#include "integration/model_writer.h"
#include "integration/test_server.h"
#include "support/eventually.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using namespace std::chrono_literals;
using ghostcut::testing::LiveServerTest;

namespace {

using namespace ghostcut::testing;

class MigrationTest : public LiveServerTest {
 protected:
  MigratorConfig migrator_config() { return ghostcut::testing::test_migrator_config(settings_, 920000); }
  MigrationPlan plan_for(const std::string& table, const std::string& alter, InspectorConfig ic = {}) {
    Inspector inspector(*conn_, ic);
    return inspector.inspect(db_, table, alter);
  }
  void writers_through_a_migration(const std::string& keys, MigratorConfig cfg, std::size_t* threads_used = nullptr);
  // The same with the applier's two connections allowed for batches of 2 row operations and up;
  // returns how many applier threads wrote.
  std::size_t two_connection_writers_through_a_migration(const std::string& keys, bool overlap = false) {
    auto cfg = migrator_config();
    cfg.applier.connections = 2;
    cfg.applier.partition_min_ops = 2;
    cfg.applier.overlap_batches = overlap;
    std::size_t threads = 0;
    writers_through_a_migration(keys, cfg, &threads);
    return threads;
  }
};

TEST_F(MigrationTest, ConcurrentWritersThroughCopyAndCutOverLoseNothing) {
  writers_through_a_migration("", migrator_config());
}

// The applier's two connections (rows split by chunk key; batches of 2 row operations and up are
// split, so the writers' multi-row transactions are) lose nothing under the same writers.
TEST_F(MigrationTest, ConcurrentWritersThroughTheTwoConnectionApplierLoseNothing) {
  EXPECT_EQ(two_connection_writers_through_a_migration(""), 2u) << "the rows were never split";
}

// The same with each connection going on to its half of the next batch (overlap_batches).
TEST_F(MigrationTest, ConcurrentWritersThroughOverlappedApplierBatchesLoseNothing) {
  EXPECT_EQ(two_connection_writers_through_a_migration("", true), 2u) << "the rows were never split";
}

// Another unique key in the ghost: one connection, as its changes must keep their binlog order.
TEST_F(MigrationTest, AnotherUniqueKeyKeepsTheApplierOnOneConnection) {
  EXPECT_EQ(two_connection_writers_through_a_migration(", UNIQUE KEY ua (a, id)"), 1u);
}

// The writers below through a whole migration; `keys` adds to t's keys, `cfg` is the migrator's.
// `threads`: how many threads wrote the applier's SQL transactions (2: rows split by key).
void MigrationTest::writers_through_a_migration(const std::string& keys, MigratorConfig cfg,
                                                std::size_t* threads_used) {
  std::mutex threads_mu;
  std::set<std::thread::id> applier_threads;
  cfg.applier.before_transaction = [&](std::uint64_t) {
    std::lock_guard lk(threads_mu);
    applier_threads.insert(std::this_thread::get_id());
  };
  conn_->execute(
      "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(64) NOT NULL,"
      " c DATETIME(6) NOT NULL DEFAULT '2000-01-01 00:00:00', KEY (a)" +
      keys + ")");
  constexpr int kWriters = 4, kRows = 20000;
  std::vector<Writer> writers(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers[w].w = w;
    writers[w].writers = kWriters;
    writers[w].next_id = w;
  }
  // Prefill: id i belongs to writer i % kWriters.
  for (int start = 0; start < kRows; start += 1000) {
    std::string sql = "INSERT INTO t (id, a, b) VALUES ";
    for (int i = start; i < start + 1000; ++i) {
      const std::int64_t id = (i / kWriters) * kWriters + (i % kWriters) + kWriters;  // distinct, > 0
      sql += (i > start ? ",(" : "(") + std::to_string(id) + "," + std::to_string(i) + ",'seed')";
      auto& wr = writers[static_cast<std::size_t>(id % kWriters)];
      wr.model[id] = {i, "seed"};
      wr.next_id = std::max(wr.next_id, id);
    }
    conn_->execute(sql);
  }

  auto plan = plan_for("t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
  RuntimeSettings runtime;
  ASSERT_TRUE(runtime.set_chunk_size(500));
  ASSERT_TRUE(runtime.set_threads(2));
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);

  std::atomic<bool> stop_writers{false};
  std::vector<std::thread> threads;
  for (auto& wr : writers) threads.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop_writers));
  std::this_thread::sleep_for(300ms);  // writes before the migration starts, too

  MigrationResult result;
  std::exception_ptr failure;
  std::thread mig([&] {
    SqlThreadGuard guard;
    try {
      result = migrator.run(std::stop_token{});
    } catch (...) {
      failure = std::current_exception();
    }
  });
  mig.join();
  std::this_thread::sleep_for(300ms);  // writes after the cut-over land in the new table directly
  stop_writers = true;
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);

  std::uint64_t ops = 0;
  for (const auto& wr : writers) {
    EXPECT_EQ(wr.errors, 0u) << "writer " << wr.w << ": " << wr.last_error;
    ops += wr.ops;
  }
  EXPECT_GT(ops, 200u) << "the writers barely ran";
  EXPECT_GE(result.rows_copied, static_cast<std::uint64_t>(kRows) / 2);

  // The new table holds exactly what the writers committed, plus the new column's default.
  const Table expected = model_rows(writers, {"7"});
  const Table got = read_table(*conn_, db_, "t", "a, b, z", "id");
  EXPECT_EQ(got.size(), expected.size());
  const auto diffs = count_differences(expected, got, read_table(*conn_, db_, "t_del", "a, b", "id"));
  EXPECT_EQ(diffs, 0u);
  // The old table is kept as t_del; ghost and changelog are gone.
  EXPECT_EQ(conn_->query("SHOW TABLES LIKE 't\\_del'").size(), 1u);
  EXPECT_EQ(conn_->query("SHOW TABLES LIKE 't\\_gho'").size(), 0u);
  EXPECT_EQ(conn_->query("SHOW TABLES LIKE 't\\_ghc'").size(), 0u);
  EXPECT_LE(result.cut_over.write_stall, 3000ms);
  std::cerr << "migration: " << result.rows_copied << " rows copied, " << result.events_applied
            << " events applied, cut-over stall " << result.cut_over.write_stall.count() << " ms in "
            << result.cut_over.attempts << " attempt(s), writer ops " << ops << "\n";
  std::lock_guard lk(threads_mu);
  if (threads_used) *threads_used = applier_threads.size();
}

TEST_F(MigrationTest, CutOverRetriesPastALongTransactionAndKeepsTheOriginalMeanwhile) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)");
  conn_->execute("INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)");
  auto plan = plan_for("t", "ADD COLUMN w INT NULL");
  RuntimeSettings runtime;
  ProgressCounters progress;
  auto cfg = migrator_config();
  cfg.cut_over.lock_timeout = 1s;
  cfg.cut_over.retries = 10;
  cfg.cut_over.retry_backoff = 300ms;

  // Hold the cut-over until the copy is done, then let a long transaction hold a lock on t:
  // LOCK TABLES t WRITE times out until it ends.
  runtime.set_postpone_cut_over(true);
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  std::exception_ptr failure;
  MigrationResult result;
  std::thread mig([&] {
    SqlThreadGuard guard;
    try {
      result = migrator.run(std::stop_token{});
    } catch (...) {
      failure = std::current_exception();
    }
  });
  auto wait_phase = [&](Phase p) {
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (migrator.phase() != p && !failure && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(20ms);
    return migrator.phase() == p;
  };
  auto bail = [&](const char* what) {
    runtime.set_panic(true);
    mig.join();
    FAIL() << what << "; state " << migrator.state();
  };
  if (!wait_phase(Phase::kPostponed)) return bail("never postponed");
  auto holder = SqlConnection::open(settings_);
  holder->execute("BEGIN");
  holder->execute("SELECT * FROM t WHERE id = 1 FOR UPDATE");
  runtime.set_postpone_cut_over(false);
  // While the cut-over keeps failing, the original stays intact and usable.
  if (!wait_phase(Phase::kCuttingOver)) {
    holder->execute("COMMIT");
    return bail("never started the cut-over");
  }
  // At least two timed-out attempts (each is counted once undone; a fixed wait for them is too
  // short when the lock waits start late on a loaded machine), and the cut-over still being tried:
  // between attempts the gate may wait for the applier to catch up (waiting-for-cut-over) first.
  auto undone = [&] {
    const auto j = migrator.status_json();
    const auto at = j.find("\"cut_over_attempts\":");
    return at == std::string::npos ? 0 : std::atoi(j.c_str() + at + 20);
  };
  bool retrying = false;
  test::eventually(
      [&] {
        const auto p = migrator.phase();
        retrying = undone() >= 2 && p == Phase::kCuttingOver;
        return retrying || p == Phase::kDone || p == Phase::kFailed;
      },
      60s);
  if (!retrying) {
    holder->execute("COMMIT");
    return bail("the cut-over was not tried again after two timed-out attempts");
  }
  auto cols = admin_->query(
      "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't'", {db_});
  EXPECT_EQ(cols.scalar(), "2") << "the original was swapped while a transaction held it";
  holder->execute("COMMIT");
  mig.join();
  if (failure) std::rethrow_exception(failure);
  EXPECT_GE(result.cut_over.attempts, 2);
  auto after = conn_->query("SELECT id, v, w FROM t ORDER BY id");
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after.rows[2][1], "3");
  EXPECT_FALSE(after.rows[2][2].has_value());
}

// A reader of the ghost table in an open transaction (a DBA checking it) holds the ghost's name
// through the cut-over. The RENAME takes t first (its names sort after t), so after the unlock it
// holds t and waits for the reader while writers wait behind it; once the reader commits (300 ms
// after the drain) it swaps, and every write is in the new table. (With the old `_t_gho` names
// the RENAME waited on the ghost name instead, and the unlock let writers into the old table.)
TEST_F(MigrationTest, CutOverNeverUnlocksBeforeTheRenameQueuesOnTheTable) {
  conn_->execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(64) NOT NULL)");
  constexpr int kWriters = 2;
  std::vector<Writer> writers(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers[w].w = w;
    writers[w].writers = kWriters;
  }
  conn_->execute("INSERT INTO t SELECT seq, seq, 'seed' FROM seq_1_to_2000");
  for (std::int64_t id = 1; id <= 2000; ++id) writers[static_cast<std::size_t>(id % kWriters)].model[id] = {id, "seed"};
  for (auto& wr : writers) wr.next_id = 2000 + wr.w;

  auto plan = plan_for("t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
  RuntimeSettings runtime;
  ProgressCounters progress;
  auto holder = SqlConnection::open(settings_);
  std::thread releaser;
  auto cfg = migrator_config();
  cfg.cut_over.lock_timeout = 3s;
  cfg.cut_over.before_unlock = [&](int attempt) {
    if (attempt != 1) return;
    releaser = std::thread([&] {
      SqlThreadGuard guard;
      std::this_thread::sleep_for(300ms);
      holder->execute("COMMIT");
    });
  };
  runtime.set_postpone_cut_over(true);
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  std::exception_ptr failure;
  MigrationResult result;
  std::thread mig([&] {
    SqlThreadGuard guard;
    try {
      result = migrator.run(std::stop_token{});
    } catch (...) {
      failure = std::current_exception();
    }
  });
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (migrator.phase() != Phase::kPostponed && !failure && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(migrator.phase(), Phase::kPostponed) << migrator.state();

  // A reader of the ghost table in an open transaction (a DBA checking it, say).
  holder->execute("BEGIN");
  holder->query("SELECT COUNT(*) FROM t_gho");
  std::atomic<bool> stop_writers{false};
  std::vector<std::thread> threads;
  for (auto& wr : writers) threads.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop_writers));
  std::this_thread::sleep_for(200ms);
  runtime.set_postpone_cut_over(false);
  mig.join();
  if (releaser.joinable()) releaser.join();
  std::this_thread::sleep_for(200ms);
  stop_writers = true;
  for (auto& th : threads) th.join();
  if (failure) std::rethrow_exception(failure);
  EXPECT_EQ(result.cut_over.attempts, 1);

  const Table expected = model_rows(writers, {"7"});
  std::uint64_t ops = 0;
  for (const auto& wr : writers) {
    EXPECT_EQ(wr.errors, 0u) << wr.last_error;
    ops += wr.ops;
  }
  EXPECT_GT(ops, 50u) << "the writers barely ran";
  const Table got = read_table(*conn_, db_, "t", "a, b, z", "id");
  const auto diffs = count_differences(expected, got, read_table(*conn_, db_, "t_del", "a, b", "id"));
  EXPECT_EQ(diffs, 0u);
  EXPECT_EQ(got.size(), expected.size());
}

}  // namespace
