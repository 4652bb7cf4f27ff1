// Lock conflicts between the copier and the applier never fail a migration (issue #20): the same
// applier batch deadlocked again and again is retried whole until it commits, a batch that keeps
// losing is split, a conflict that outlasts the time limit fails loudly naming the lock holder,
// and real copy chunks that deadlock with applier batches leave a migration that loses nothing.
// Every deadlock here is forced, not hoped for: a session takes locks in the order that closes
// the cycle only once the victim-to-be is seen waiting (information_schema.INNODB_TRX), and it
// first writes a few thousand rows so that InnoDB, which rolls back the lighter transaction,
// picks the applier (or the copy chunk) as the victim.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "engine/apply/applier.h"
#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "engine/sql/quoting.h"
#include "integration/ghost_fixture.h"
#include "support/eventually.h"

using namespace ghostcut;
using namespace std::chrono_literals;
using ghostcut::testing::LiveServerTest;
using ghostcut::testing::master_position;
using ghostcut::testing::TableStream;

namespace {

class LockConflictTest : public LiveServerTest {
 public:
  // information_schema's InnoDB tables come from a cache that InnoDB refreshes on a read only
  // when no read came in the last 100 ms (every read counts as use), so a fast poll sees a frozen
  // picture. Every read here goes through fresh(): one at a time, 150 ms after the previous one.
  static engine::ResultTable fresh(engine::SqlConnection& c, const std::string& sql,
                                   const std::vector<engine::SqlParam>& params = {}) {
    static std::mutex mu;
    static std::chrono::steady_clock::time_point last{};
    std::lock_guard lk(mu);
    std::this_thread::sleep_until(last + 150ms);
    auto r = c.query(sql, params);
    last = std::chrono::steady_clock::now();
    return r;
  }
  static constexpr auto kPoll = 1ms;  // fresh() paces the polls

  // The id of `c`'s open transaction (polled: the cache may not list it yet).
  static std::string own_trx_id(engine::SqlConnection& c) {
    std::string id;
    ghostcut::test::eventually(
        [&] {
          auto r =
              fresh(c, "SELECT trx_id FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()");
          if (!r.empty()) id = r.rows[0][0].value_or("");
          return !id.empty();
        },
        10s, kPoll);
    return id;
  }
  // The transaction id of a session that waits on transaction `blocking` — session `thread` if
  // given, else one whose statement contains `query_text` — or "" when none (yet).
  static std::string waiter_on(engine::SqlConnection& probe, const std::string& blocking, std::uint64_t thread,
                               const std::string& query_text = {}) {
    auto r = fresh(probe,
                   "SELECT r.trx_id FROM information_schema.INNODB_LOCK_WAITS w JOIN information_schema.INNODB_TRX r"
                   " ON r.trx_id = w.requesting_trx_id WHERE w.blocking_trx_id = ? AND (r.trx_mysql_thread_id = ? OR"
                   " (? <> '' AND r.trx_query LIKE CONCAT('%', ?, '%')))",
                   {blocking, thread, query_text, query_text});
    return r.empty() ? std::string() : r.rows[0][0].value_or("");
  }

 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    aconn_ = engine::SqlConnection::open(settings_);
    conn_->execute("CREATE TABLE heavy (id INT PRIMARY KEY)");  // the forcing session's ballast
  }
  void TearDown() override {
    aconn_.reset();
    LiveServerTest::TearDown();
  }

  std::unique_ptr<engine::SqlConnection> aconn_;  // the applier's
  engine::ProgressCounters progress_;
};

// The cycle for an applier batch that writes row 60, then row 10: the forcing session holds 10
// (and is heavy); once the batch holds 60 and waits for 10, it asks for 60. InnoDB rolls the
// batch back (1213). The session then lets go, so the next attempt can succeed unless re-armed.
class Cycle {
 public:
  Cycle(const ghostcut::ConnectionSettings& s, std::uint64_t applier_id) : settings_(s), applier_id_(applier_id) {}
  ~Cycle() { disarm(); }

  // Takes row 10 and starts the helper that closes the cycle.
  void arm() {
    disarm();
    x_ = engine::SqlConnection::open(settings_);
    x_->execute("BEGIN");
    x_->execute("INSERT INTO heavy SELECT seq FROM seq_1_to_5000");
    x_->query("SELECT * FROM t_gho WHERE id = 10 FOR UPDATE");
    x_trx_ = LockConflictTest::own_trx_id(*x_);
    cancel_ = false;
    helper_ = std::thread([this] {
      engine::SqlThreadGuard guard;
      auto probe = engine::SqlConnection::open(settings_);
      const auto until = std::chrono::steady_clock::now() + 60s;
      while (!cancel_ && std::chrono::steady_clock::now() < until) {
        if (!LockConflictTest::waiter_on(*probe, x_trx_, applier_id_).empty()) {
          try {
            x_->query("SELECT * FROM t_gho WHERE id = 60 FOR UPDATE");  // closes the cycle
            ++closed_;
          } catch (const engine::SqlError& e) {
            ++forcer_lost_;  // InnoDB chose us: the batch goes through
          }
          break;
        }
        std::this_thread::sleep_for(LockConflictTest::kPoll);
      }
      try {
        x_->execute("ROLLBACK");
      } catch (...) {
      }
    });
  }
  void disarm() {
    cancel_ = true;
    if (helper_.joinable()) helper_.join();
    x_.reset();
  }
  int closed() const { return closed_; }
  int forcer_lost() const { return forcer_lost_; }

 private:
  ghostcut::ConnectionSettings settings_;
  std::uint64_t applier_id_;
  std::unique_ptr<engine::SqlConnection> x_;
  std::string x_trx_;
  std::thread helper_;
  std::atomic<bool> cancel_{false};
  std::atomic<int> closed_{0}, forcer_lost_{0};
};

// t and its "copied" ghost, 100 rows; one source transaction updates row 60, then row 10.
void setup_tables(engine::SqlConnection& c) {
  c.execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, pad CHAR(100) NOT NULL DEFAULT 'p')");
  c.execute("INSERT INTO t (id, v) SELECT seq, seq FROM seq_1_to_100");
  c.execute("CREATE TABLE t_gho LIKE t");
  c.execute("INSERT INTO t_gho SELECT * FROM t");
}
std::vector<binlog::Transaction> one_batch(engine::SqlConnection& c, TableStream& stream) {
  c.execute("BEGIN");
  c.execute("UPDATE t SET v = -60 WHERE id = 60");
  c.execute("UPDATE t SET v = -10 WHERE id = 10");
  c.execute("COMMIT");
  auto trx = stream->pop(30s);
  EXPECT_TRUE(trx);
  std::vector<binlog::Transaction> batch;
  if (trx) batch.push_back(std::move(*trx));
  return batch;
}

TEST_F(LockConflictTest, ABatchDeadlockedEightTimesInARowIsRetriedWholeUntilItCommits) {
  setup_tables(*conn_);
  const auto plan = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
  TableStream stream(settings_, ghostcut::testing::test_server_id(950000), plan.original, master_position(*admin_));
  Cycle cycle(settings_, aconn_->connection_id());
  engine::ApplierConfig cfg;
  cfg.split_after = 1000;  // no splitting: the same whole batch must get through
  cfg.conflict_retry.initial_backoff = 5ms;
  cfg.conflict_retry.max_backoff = 50ms;
  std::vector<bool> hand;
  cfg.on_conflict = [&](bool on) { hand.push_back(on); };
  cfg.before_transaction = [&](std::uint64_t n) {
    if (n <= 8) cycle.arm();  // the ninth attempt finds no one in the way
    else cycle.disarm();
  };
  engine::Applier applier(*aconn_, plan, cfg, progress_);
  const auto batch = one_batch(*conn_, stream);
  ASSERT_EQ(batch.size(), 1u);
  applier.apply(batch);  // the old applier gave up after five
  cycle.disarm();

  EXPECT_EQ(cycle.closed(), 8) << "forcing session lost " << cycle.forcer_lost() << " times";
  EXPECT_EQ(applier.conflicts(), 8u);
  EXPECT_EQ(progress_.lock_conflicts.load(), 8u);
  EXPECT_EQ(applier.splits(), 0u);
  EXPECT_EQ(hand, (std::vector<bool>{true, false}));  // raised once, lowered once it committed
  // Every retry applied the whole batch: both rows, exactly as the original has them.
  const auto a = ghostcut::testing::dump(*conn_, "t", "id, v, pad", "id");
  const auto b = ghostcut::testing::dump(*conn_, "t_gho", "id, v, pad", "id");
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(conn_->query("SELECT v FROM t_gho WHERE id = 60").scalar(), std::optional<std::string>("-60"));
  EXPECT_EQ(conn_->query("SELECT v FROM t_gho WHERE id = 10").scalar(), std::optional<std::string>("-10"));
}

TEST_F(LockConflictTest, ABatchThatKeepsLosingIsSplitIntoHalvesThatGetThrough) {
  setup_tables(*conn_);
  const auto plan = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
  TableStream stream(settings_, ghostcut::testing::test_server_id(950000), plan.original, master_position(*admin_));
  Cycle cycle(settings_, aconn_->connection_id());
  engine::ApplierConfig cfg;
  cfg.split_after = 3;
  cfg.conflict_retry.initial_backoff = 5ms;
  cfg.conflict_retry.max_backoff = 50ms;
  cfg.before_transaction = [&](std::uint64_t) { cycle.arm(); };  // every attempt meets the cycle
  engine::Applier applier(*aconn_, plan, cfg, progress_);
  const auto batch = one_batch(*conn_, stream);
  ASSERT_EQ(batch.size(), 1u);
  applier.apply(batch);
  cycle.disarm();

  // Three deadlocks, then [row 60] and [row 10] alone, which no cycle can close.
  EXPECT_EQ(applier.conflicts(), 3u);
  EXPECT_EQ(applier.splits(), 1u);
  const auto a = ghostcut::testing::dump(*conn_, "t", "id, v, pad", "id");
  const auto b = ghostcut::testing::dump(*conn_, "t_gho", "id, v, pad", "id");
  EXPECT_EQ(a.rows, b.rows);
}

TEST_F(LockConflictTest, AConflictThatOutlastsTheLimitFailsLoudlyNamingTheHolder) {
  setup_tables(*conn_);
  const auto plan = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
  TableStream stream(settings_, ghostcut::testing::test_server_id(950000), plan.original, master_position(*admin_));
  engine::ApplierConfig cfg;
  cfg.lock_wait_timeout = 1s;
  cfg.conflict_retry.limit = 3s;
  cfg.conflict_retry.initial_backoff = 5ms;
  engine::Applier applier(*aconn_, plan, cfg, progress_);
  const auto batch = one_batch(*conn_, stream);
  ASSERT_EQ(batch.size(), 1u);
  auto holder = engine::SqlConnection::open(settings_);
  holder->execute("BEGIN");
  holder->query("SELECT * FROM t_gho WHERE id = 10 FOR UPDATE");  // and never lets go
  const auto started = std::chrono::steady_clock::now();
  try {
    applier.apply(batch);
    ADD_FAILURE() << "no error";
  } catch (const engine::SqlError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.code(), engine::sql_errc::kLockWaitTimeout) << what;
    EXPECT_NE(what.find("kept losing lock conflicts"), std::string::npos) << what;
    EXPECT_NE(what.find("t_gho"), std::string::npos) << what;
    EXPECT_NE(what.find("session " + std::to_string(holder->connection_id())), std::string::npos) << what;
  }
  EXPECT_GE(std::chrono::steady_clock::now() - started, 3s);
  holder->execute("ROLLBACK");
  EXPECT_GE(applier.conflicts(), 2u);
}

// The real thing: a copy chunk that has inserted rows 1..49 of its range into the ghost waits on
// row 50 of t (a writer holds it). The applier's batch writes row 60 (not copied yet), then row
// 10 (the chunk's): it waits for the chunk. The writer lets go; the chunk reaches row 60 and
// waits for the batch: a deadlock. Three chunks in a row meet such a batch; the migration must
// finish and the new table must hold exactly what the writers committed.
// That needs the batch in binlog order (60, then 10). In key order (the default where keys
// commute) the batch takes row 10 first, as the chunk does: it only waits, and no cycle forms.
class LockConflictTrapTest : public LockConflictTest {
 protected:
  void chunks_meet_batches(bool key_order);
};

TEST_F(LockConflictTrapTest, CopyChunksAndApplierBatchesDeadlockAndTheMigrationLosesNothing) {
  chunks_meet_batches(false);
}

TEST_F(LockConflictTrapTest, InKeyOrderTheSameBatchesOnlyWaitForTheChunksAndNothingIsLost) {
  chunks_meet_batches(true);
}

void LockConflictTrapTest::chunks_meet_batches(bool key_order) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, pad CHAR(100) NOT NULL DEFAULT 'p')");
  conn_->execute("INSERT INTO t (id, v) SELECT seq, seq FROM seq_1_to_400");
  engine::Inspector inspector(*conn_, {});
  const auto plan = inspector.inspect(db_, "t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
  engine::RuntimeSettings runtime;
  ASSERT_TRUE(runtime.set_chunk_size(100));
  ASSERT_TRUE(runtime.set_threads(1));
  runtime.set_postpone_cut_over(true);

  constexpr int kCycles = 3;
  std::map<int, int> expected_v;  // id → v, for the rows the writer changed
  auto writer = engine::SqlConnection::open(settings_);
  auto blocker = engine::SqlConnection::open(settings_);  // holds row 50 of the chunk's range
  std::atomic<int> armed{0};                              // the chunk (1-based) the trap is set for
  std::atomic<std::uint64_t> armed_at_chunks{~0ull};
  std::atomic<int> sprung{0};
  // The releaser's COMMIT on `blocker` lets the chunk go on, and the next chunk's trap uses
  // `blocker` again: it waits until that COMMIT has returned (one connection, one thread at a time).
  std::atomic<bool> blocker_idle{true};
  std::string blocker_trx;  // set by the copier's hook, read by the applier's after `armed`
  std::string trouble;
  std::mutex trouble_mu;
  auto note = [&](const std::string& s) {
    std::lock_guard lk(trouble_mu);
    trouble += s + "; ";
  };

  engine::MigratorConfig cfg;
  cfg.connection = settings_;
  cfg.server_id = ghostcut::testing::test_server_id(951000);
  cfg.heartbeat_interval = 100ms;
  cfg.cut_over.lock_timeout = 3s;
  cfg.applier.conflict_retry.initial_backoff = 20ms;
  cfg.applier.order_by_key = key_order;
  // Before each new chunk (not before a retry of the same one): set the trap.
  cfg.copier.wait_if_throttled = [&](std::stop_token) {
    const auto done = progress_.chunks_copied.load();
    const int c = static_cast<int>(done) + 1;
    if (c > kCycles || armed_at_chunks.load() == done) return;
    armed_at_chunks = done;
    const int base = (c - 1) * 100;
    engine::SqlThreadGuard guard;
    if (!ghostcut::test::eventually([&] { return blocker_idle.load(); }, 60s, kPoll))
      note("row 50 of chunk " + std::to_string(c - 1) + " was never released");
    blocker_idle = false;
    blocker->execute("BEGIN");
    blocker->query("SELECT * FROM t WHERE id = " + std::to_string(base + 50) + " FOR UPDATE");
    blocker_trx = own_trx_id(*blocker);
    armed = c;  // before the commit: the applier must not apply it before the chunk is stuck
    writer->execute("BEGIN");
    writer->update("UPDATE t SET v = ? WHERE id = ?", {std::int64_t{-(base + 60)}, std::int64_t{base + 60}});
    writer->update("UPDATE t SET v = ? WHERE id = ?", {std::int64_t{-(base + 10)}, std::int64_t{base + 10}});
    writer->execute("COMMIT");
    expected_v[base + 60] = -(base + 60);
    expected_v[base + 10] = -(base + 10);
    std::cerr << "chunk " << c << ": trap set (conflicts so far " << progress_.lock_conflicts.load() << ")\n";
  };
  // Before the applier's first transaction after the trap is set: wait until the chunk is stuck
  // on row 50, then let a helper release row 50 once the batch waits on the chunk.
  std::thread releaser;
  int handled = 0;
  cfg.applier.before_transaction = [&](std::uint64_t) {
    const int c = armed.load();
    if (c == 0 || c == handled) return;
    handled = c;
    engine::SqlThreadGuard guard;
    auto probe = engine::SqlConnection::open(settings_);
    std::string chunk_trx;
    if (!ghostcut::test::eventually(
            [&] { return !(chunk_trx = waiter_on(*probe, blocker_trx, 0, "row-copy")).empty(); }, 60s, kPoll))
      note("chunk " + std::to_string(c) + " never waited on row 50");
    if (releaser.joinable()) releaser.join();
    releaser = std::thread([&, c, chunk_trx] {
      engine::SqlThreadGuard g;
      auto p = engine::SqlConnection::open(settings_);
      if (!ghostcut::test::eventually([&] { return !waiter_on(*p, chunk_trx, 0, "apply-").empty(); }, 60s, kPoll))
        note("batch " + std::to_string(c) + " never waited on the chunk");
      ++sprung;
      auto what =
          fresh(*p,
                "SELECT l.lock_mode, l.lock_type, l.lock_data, r.trx_query FROM information_schema.INNODB_LOCK_WAITS w"
                " JOIN information_schema.INNODB_LOCKS l ON l.lock_id = w.requested_lock_id"
                " JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id");
      for (auto& row : what.rows)
        std::cerr << "  waits: " << row[0].value_or("") << " " << row[1].value_or("") << " " << row[2].value_or("")
                  << " " << row[3].value_or("").substr(0, 60) << "\n";
      std::cerr << "chunk " << c << " and its batch wait on each other's rows: releasing row 50\n";
      blocker->execute("COMMIT");
      blocker_idle = true;
    });
  };

  engine::Migrator migrator(cfg, plan, runtime, progress_, nullptr);
  engine::MigrationResult result;
  std::exception_ptr failure;
  std::thread mig([&] {
    engine::SqlThreadGuard guard;
    try {
      result = migrator.run(std::stop_token{});
    } catch (...) {
      failure = std::current_exception();
    }
  });
  const bool copied = ghostcut::test::eventually(
      [&] { return migrator.phase() == engine::Phase::kPostponed || migrator.phase() == engine::Phase::kFailed; }, 120s,
      50ms);
  runtime.set_postpone_cut_over(false);
  if (!copied) runtime.set_panic(true);
  mig.join();
  if (releaser.joinable()) releaser.join();
  if (failure) std::rethrow_exception(failure);
  ASSERT_TRUE(copied) << migrator.state();
  EXPECT_EQ(trouble, "");
  EXPECT_EQ(sprung.load(), kCycles);
  // Each trap is a deadlock (InnoDB picks the lighter side: here the batch, but either will do);
  // in key order none is.
  if (key_order) EXPECT_EQ(progress_.lock_conflicts.load(), 0u);
  else EXPECT_GE(progress_.lock_conflicts.load(), static_cast<std::uint64_t>(kCycles));

  // The new table: every row, the writer's changes, the new column's default.
  auto rows = conn_->query("SELECT id, v, pad, z FROM t ORDER BY id");
  ASSERT_EQ(rows.size(), 400u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const int id = static_cast<int>(i) + 1;
    const int v = expected_v.count(id) ? expected_v[id] : id;
    EXPECT_EQ(rows.rows[i], (std::vector<engine::Cell>{std::to_string(id), std::to_string(v), "p", "7"}))
        << "row " << id;
  }
}

}  // namespace

namespace {

// A killed copier or applier connection (a DBA's KILL, a proxy restart) is not a lock conflict,
// but the same reasoning holds: a copy chunk and an applier batch are idempotent, so a new
// session does them again. Here every idle session of the migration is killed between two
// chunks, while a writer keeps changing rows; the migration must finish and lose nothing.
TEST_F(LockConflictTest, KilledCopierAndApplierConnectionsAreReopenedAndNothingIsLost) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)");
  conn_->execute("INSERT INTO t (id, v) SELECT seq, seq FROM seq_1_to_1000");
  engine::Inspector inspector(*conn_, {});
  const auto plan = inspector.inspect(db_, "t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
  engine::RuntimeSettings runtime;
  ASSERT_TRUE(runtime.set_chunk_size(100));
  ASSERT_TRUE(runtime.set_threads(1));
  runtime.set_postpone_cut_over(true);
  auto writer = engine::SqlConnection::open(settings_);
  std::map<int, int> v;  // id → v as the writer left it
  for (int id = 1; id <= 1000; ++id) v[id] = id;
  std::atomic<int> killed{0};

  engine::MigratorConfig cfg;
  cfg.connection = settings_;
  cfg.server_id = ghostcut::testing::test_server_id(952000);
  cfg.heartbeat_interval = 100ms;
  cfg.copier.wait_if_throttled = [&](std::stop_token) {
    if (progress_.chunks_copied.load() != 3 || killed.load()) return;
    engine::SqlThreadGuard guard;
    auto r = admin_->query(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Sleep' AND ID NOT IN (?, ?)",
        {db_, writer->connection_id(), conn_->connection_id()});
    for (const auto& row : r.rows) {
      try {
        admin_->execute("KILL CONNECTION " + *row[0]);
        ++killed;
      } catch (const engine::SqlError&) {
      }
    }
    // Changes behind the copy (applier only) and ahead of it (copy and applier).
    for (int id : {50, 150, 250, 550, 950}) {
      writer->update("UPDATE t SET v = ? WHERE id = ?", {std::int64_t{-id}, std::int64_t{id}});
      v[id] = -id;
    }
  };
  engine::Migrator migrator(cfg, plan, runtime, progress_, nullptr);
  engine::MigrationResult result;
  std::exception_ptr failure;
  std::thread mig([&] {
    engine::SqlThreadGuard guard;
    try {
      result = migrator.run(std::stop_token{});
    } catch (...) {
      failure = std::current_exception();
    }
  });
  const bool copied = ghostcut::test::eventually(
      [&] { return migrator.phase() == engine::Phase::kPostponed || migrator.phase() == engine::Phase::kFailed; }, 120s,
      50ms);
  // More changes while the new sessions are in use, then the cut-over.
  for (int id : {60, 960}) {
    writer->update("UPDATE t SET v = ? WHERE id = ?", {std::int64_t{-id}, std::int64_t{id}});
    v[id] = -id;
  }
  runtime.set_postpone_cut_over(false);
  if (!copied) runtime.set_panic(true);
  mig.join();
  if (failure) std::rethrow_exception(failure);
  ASSERT_TRUE(copied) << migrator.state();
  EXPECT_GE(killed.load(), 2) << "the copier's and the applier's sessions, at least";
  auto rows = conn_->query("SELECT id, v, z FROM t ORDER BY id");
  ASSERT_EQ(rows.size(), 1000u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const int id = static_cast<int>(i) + 1;
    EXPECT_EQ(rows.rows[i], (std::vector<engine::Cell>{std::to_string(id), std::to_string(v[id]), "7"}))
        << "row " << id;
  }
}

}  // namespace
