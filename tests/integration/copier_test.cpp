// The Copier against the live server: exact copies (1 and 3 threads, composite VARCHAR key, a
// UNIQUE non-PK chunk key, empty and one-row tables), live chunk-size / thread changes, loud
// failures (duplicate on a new unique key, narrowing type change), and the core correctness
// test: concurrent writers + the applier fed from a live stream converge with the copy.
#include "engine/copy/copier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "engine/apply/applier.h"
#include "integration/ghost_fixture.h"
#include "support/eventually.h"

using namespace ghostcut;
using namespace std::chrono_literals;
using ghostcut::testing::LiveServerTest;
using ghostcut::testing::master_position;
using ghostcut::testing::TableStream;

namespace {

class CopierTest : public LiveServerTest {
 protected:
  engine::MigrationPlan plan_for(const std::string& table, const std::string& key = "PRIMARY") {
    return ghostcut::testing::make_plan(*conn_, db_, table, table + "_gho", key);
  }
  void copy(const engine::MigrationPlan& plan, engine::CopierConfig cfg = {}) {
    engine::Copier copier(settings_, plan, runtime_, progress_, std::move(cfg), nullptr);
    copier.run(stop_.get_token());
  }
  void expect_same_content(const std::string& a, const std::string& b, const std::string& columns,
                           const std::string& order_by) {
    const auto x = ghostcut::testing::dump(*conn_, a, columns, order_by);
    const auto y = ghostcut::testing::dump(*conn_, b, columns, order_by);
    ASSERT_EQ(x.size(), y.size()) << a << " vs " << b;
    std::size_t differing = 0;
    for (std::size_t r = 0; r < x.size(); ++r)
      if (x.rows[r] != y.rows[r] && ++differing <= 5) {
        ADD_FAILURE() << "row " << r << " differs";
      }
    EXPECT_EQ(differing, 0u);
  }

  engine::RuntimeSettings runtime_;
  engine::ProgressCounters progress_;
  std::stop_source stop_;
};

const char* kWide =
    "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, a VARCHAR(40) CHARACTER SET utf8mb4, b BIGINT UNSIGNED, "
    "c DOUBLE, d DATETIME(6), e TEXT, f DECIMAL(12,4), g FLOAT, h VARBINARY(16), ts TIMESTAMP NULL, z DATE)";
const char* kWideFill =
    "INSERT INTO t (id, a, b, c, d, e, f, g, h, ts, z) SELECT seq, CONCAT('é✓', seq), seq * 1000003, seq / 7, "
    "'2024-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL seq MICROSECOND, IF(seq % 10 = 0, NULL, REPEAT('x', seq % 50)), "
    "seq / 3, seq / 11, UNHEX(MD5(seq)), IF(seq % 7 = 0, NULL, FROM_UNIXTIME(seq * 1000)), "
    "IF(seq % 1000 = 0, '0000-00-00', '2000-01-01' + INTERVAL seq DAY) FROM seq_1_to_20000";
const char* kWideColumns = "id, a, b, c, d, e, f, g, HEX(h), ts, z";

class CopierThreadsTest : public CopierTest, public ::testing::WithParamInterface<int> {};

TEST_P(CopierThreadsTest, Copies20kRowsExactly) {
  conn_->execute("SET SESSION time_zone = '+00:00'");
  conn_->execute(kWide);
  conn_->execute(kWideFill);
  conn_->execute("DELETE FROM t WHERE id BETWEEN 5000 AND 5999 OR id % 97 = 0");  // gaps
  conn_->execute("CREATE TABLE t_gho LIKE t");
  const auto plan = plan_for("t");
  ASSERT_TRUE(runtime_.set_threads(static_cast<std::uint64_t>(GetParam())));
  engine::CopierConfig cfg;
  cfg.initial_chunk_size = 700;
  copy(plan, cfg);
  const auto rows = engine::to_uint64(conn_->query("SELECT COUNT(*) FROM t").scalar());
  EXPECT_EQ(progress_.rows_copied.load(), rows);
  EXPECT_GE(progress_.chunks_copied.load(), 5u);  // adaptive: fast chunks grow
  const auto snap = progress_.snapshot(std::chrono::steady_clock::now(), "copying");
  EXPECT_TRUE(snap.copy_started && snap.copy_done);
  expect_same_content("t", "t_gho", kWideColumns, "id");
}

INSTANTIATE_TEST_SUITE_P(Threads, CopierThreadsTest, ::testing::Values(1, 3));

TEST_F(CopierTest, CompositeVarcharKey) {
  conn_->execute(
      "CREATE TABLE t (region VARCHAR(10) NOT NULL, name VARCHAR(40) CHARACTER SET utf8mb4 NOT NULL, v INT, "
      "PRIMARY KEY (region, name))");
  conn_->execute(
      "INSERT INTO t SELECT ELT(1 + seq % 4, 'eu', 'us', 'ap', 'EU-2'), CONCAT(IF(seq % 3 = 0, 'Ä', 'a'), seq), seq "
      "FROM seq_1_to_5000");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  ASSERT_TRUE(runtime_.set_threads(2));
  ASSERT_TRUE(runtime_.set_chunk_size(333));
  copy(plan_for("t"));
  EXPECT_EQ(progress_.rows_copied.load(), 5000u);
  EXPECT_GE(progress_.chunks_copied.load(), 15u);
  expect_same_content("t", "t_gho", "region, name, v", "region, name");
}

TEST_F(CopierTest, BinaryAndTemporalKeys) {
  struct C {
    const char* name;
    const char* create;
    const char* fill;
    const char* columns;
  };
  const C cases[] = {
      {"BINARY(16) (UUID-like random bytes)", "CREATE TABLE t (id BINARY(16) PRIMARY KEY, v INT)",
       "INSERT INTO t SELECT UNHEX(MD5(seq)), seq FROM seq_1_to_3000", "HEX(id), v"},
      {"TIMESTAMP + INT", "CREATE TABLE t (at TIMESTAMP(3) NOT NULL, n INT NOT NULL, v INT, PRIMARY KEY (at, n))",
       "INSERT INTO t SELECT FROM_UNIXTIME(1700000000 + seq DIV 3 * 3600), seq % 3, seq FROM seq_1_to_3000",
       "UNIX_TIMESTAMP(at), n, v"},
      {"BIGINT UNSIGNED beyond 2^63", "CREATE TABLE t (id BIGINT UNSIGNED PRIMARY KEY, v INT)",
       "INSERT INTO t SELECT 18446744073709551615 - seq * 1000000007, seq FROM seq_1_to_3000", "id, v"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    conn_->execute("DROP TABLE IF EXISTS t, t_gho");
    conn_->execute(c.create);
    conn_->execute(c.fill);
    conn_->execute("CREATE TABLE t_gho LIKE t");
    ASSERT_TRUE(runtime_.set_chunk_size(200));
    ASSERT_TRUE(runtime_.set_threads(2));
    engine::ProgressCounters fresh;
    const auto plan = plan_for("t");
    engine::Copier copier(settings_, plan, runtime_, fresh, {}, nullptr);
    copier.run(stop_.get_token());
    EXPECT_EQ(fresh.rows_copied.load(), 3000u);
    EXPECT_EQ(fresh.chunks_copied.load(), 15u);
    expect_same_content("t", "t_gho", c.columns, "1, 2");
  }
}

TEST_F(CopierTest, UniqueNonPrimaryChunkKey) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL, v INT, UNIQUE KEY uk (code))");
  conn_->execute("INSERT INTO t SELECT seq, CONCAT('c', LPAD(10000 - seq, 6, '0')), seq FROM seq_1_to_3000");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  ASSERT_TRUE(runtime_.set_chunk_size(250));
  copy(plan_for("t", "uk"));
  EXPECT_EQ(progress_.rows_copied.load(), 3000u);
  EXPECT_EQ(progress_.chunks_copied.load(), 12u);
  expect_same_content("t", "t_gho", "id, code, v", "id");
}

TEST_F(CopierTest, EmptyAndOneRowTables) {
  conn_->execute("CREATE TABLE t (id BIGINT UNSIGNED PRIMARY KEY, v INT)");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  copy(plan_for("t"));
  EXPECT_EQ(progress_.chunks_copied.load(), 0u);
  EXPECT_TRUE(progress_.snapshot(std::chrono::steady_clock::now(), "").copy_done);

  conn_->execute("INSERT INTO t VALUES (18446744073709551615, 1)");
  engine::ProgressCounters fresh;
  const auto plan = plan_for("t");  // the copier keeps a reference
  engine::Copier copier(settings_, plan, runtime_, fresh, {}, nullptr);
  copier.run(stop_.get_token());
  EXPECT_EQ(fresh.chunks_copied.load(), 1u);
  EXPECT_EQ(fresh.rows_copied.load(), 1u);
  expect_same_content("t", "t_gho", "id, v", "id");
}

TEST_F(CopierTest, ChunkSizeAndThreadsChangeWhileRunning) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  conn_->execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_5000");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  const auto plan = plan_for("t");
  ASSERT_TRUE(runtime_.set_chunk_size(100));
  std::atomic<int> calls{0};
  engine::CopierConfig cfg;
  cfg.wait_if_throttled = [&](std::stop_token) {
    if (++calls == 11) (void)runtime_.set_chunk_size(1000);  // before the 11th chunk
  };
  copy(plan, cfg);
  EXPECT_EQ(progress_.chunks_copied.load(), 10u + 4u);  // 10 x 100, then 4 x 1000
  expect_same_content("t", "t_gho", "id, v", "id");

  // threads 1 -> 3 while running: more worker threads take chunks.
  conn_->execute("TRUNCATE t_gho");
  ASSERT_TRUE(runtime_.set_chunk_size(50));
  std::mutex mu;
  std::set<std::thread::id> workers;
  calls = 0;
  cfg.wait_if_throttled = [&](std::stop_token) {
    {
      std::lock_guard lk(mu);
      workers.insert(std::this_thread::get_id());
    }
    if (++calls == 5) {
      (void)runtime_.set_threads(3);
      // The new workers come to their first chunk before this one goes on: on a loaded machine
      // their start (a thread, a connection) could take longer than the rest of the copy.
      ghostcut::test::eventually(
          [&] {
            std::lock_guard lk(mu);
            return workers.size() >= 3;
          },
          30s);
    }
    std::this_thread::sleep_for(2ms);
  };
  engine::ProgressCounters fresh;
  engine::Copier copier(settings_, plan, runtime_, fresh, cfg, nullptr);
  copier.run(stop_.get_token());
  EXPECT_EQ(fresh.chunks_copied.load(), 100u);
  EXPECT_EQ(workers.size(), 3u);
  expect_same_content("t", "t_gho", "id, v", "id");
}

// The locking read waits for an in-flight writer and copies its COMMITTED row (DESIGN §3.3).
TEST_F(CopierTest, LockingReadWaitsForInFlightWriter) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  conn_->execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_3000");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  const auto plan = plan_for("t");
  conn_->execute("BEGIN");
  conn_->execute("UPDATE t SET v = -1 WHERE id = 1500");
  std::thread committer([&] {
    engine::SqlThreadGuard guard;
    std::this_thread::sleep_for(1500ms);
    conn_->execute("COMMIT");
  });
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(runtime_.set_chunk_size(500));
  try {
    copy(plan);
  } catch (...) {
    committer.join();
    throw;
  }
  committer.join();
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1000ms);  // it waited for the writer
  EXPECT_EQ(conn_->query("SELECT v FROM t_gho WHERE id = 1500").scalar(), std::optional<std::string>("-1"));
  expect_same_content("t", "t_gho", "id, v", "id");
}

// A chunk that times out on a writer's lock (1205) is retried, not failed.
TEST_F(CopierTest, LockWaitTimeoutIsRetried) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  conn_->execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_2000");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  const auto plan = plan_for("t");
  conn_->execute("BEGIN");
  conn_->execute("UPDATE t SET v = -7 WHERE id = 1200");
  std::thread committer([&] {
    engine::SqlThreadGuard guard;
    std::this_thread::sleep_for(2500ms);
    conn_->execute("COMMIT");
  });
  ASSERT_TRUE(runtime_.set_chunk_size(500));
  engine::CopierConfig cfg;
  cfg.lock_wait_timeout = std::chrono::seconds(1);
  const auto started = std::chrono::steady_clock::now();
  std::exception_ptr error;
  try {
    copy(plan, cfg);
  } catch (...) {
    error = std::current_exception();
  }
  committer.join();
  if (error) std::rethrow_exception(error);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 2000ms);  // at least one timeout + retry
  EXPECT_EQ(conn_->query("SELECT v FROM t_gho WHERE id = 1200").scalar(), std::optional<std::string>("-7"));
  expect_same_content("t", "t_gho", "id, v", "id");

  // With a single attempt the same wait is a failure (1205), not a silent skip.
  conn_->execute("TRUNCATE t_gho");
  conn_->execute("BEGIN");
  conn_->execute("UPDATE t SET v = -8 WHERE id = 1200");
  cfg.max_chunk_attempts = 1;
  try {
    copy(plan, cfg);
    ADD_FAILURE() << "no error";
  } catch (const engine::SqlError& e) {
    EXPECT_EQ(e.code(), engine::sql_errc::kLockWaitTimeout) << e.what();
  }
  conn_->execute("ROLLBACK");
}

TEST_F(CopierTest, StopTokenEndsTheCopyEarly) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  conn_->execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_5000");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  ASSERT_TRUE(runtime_.set_chunk_size(100));
  engine::CopierConfig cfg;
  std::atomic<int> calls{0};
  cfg.wait_if_throttled = [&](std::stop_token) {
    if (++calls == 3) stop_.request_stop();
  };
  copy(plan_for("t"), cfg);
  EXPECT_LT(progress_.chunks_copied.load(), 5u);
  EXPECT_FALSE(progress_.snapshot(std::chrono::steady_clock::now(), "").copy_done);
}

struct FailCase {
  const char* name;
  const char* create;
  const char* fill;
  const char* alter;
  int code;
  const char* mention;
};

TEST_F(CopierTest, FailsLoudlyInsteadOfDroppingOrChangingRows) {
  const FailCase cases[] = {
      {"duplicate on a new unique key", "CREATE TABLE t (id INT PRIMARY KEY, v INT)",
       "INSERT INTO t SELECT seq, seq % 1500 FROM seq_1_to_2000", "ADD UNIQUE KEY uv (v)", 1062, "uv"},
      {"varchar narrowed", "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(20))",
       "INSERT INTO t SELECT seq, IF(seq = 1777, 'much too long', 'ok') FROM seq_1_to_2000", "MODIFY s VARCHAR(5)",
       1265, "1265"},
      {"int narrowed", "CREATE TABLE t (id INT PRIMARY KEY, n INT)",
       "INSERT INTO t SELECT seq, IF(seq = 3, 300, 1) FROM seq_1_to_2000", "MODIFY n TINYINT", 1264, "1264"},
      // A DECIMAL scale reduced rounds with a note, as native ALTER does, and succeeds
      // (EquivalenceTest.ImplicitDefaultsAndRoundingMatchNativeOnCopyAndApplierPaths).
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    conn_->execute("DROP TABLE IF EXISTS t, t_gho");
    conn_->execute(c.create);
    conn_->execute(c.fill);
    conn_->execute("CREATE TABLE t_gho LIKE t");
    conn_->execute(std::string("ALTER TABLE t_gho ") + c.alter);
    ASSERT_TRUE(runtime_.set_chunk_size(500));
    try {
      copy(plan_for("t"));
      ADD_FAILURE() << "no error";
    } catch (const engine::SqlError& e) {
      EXPECT_EQ(e.code(), c.code) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.mention), std::string::npos) << e.what();
    }
  }
}

// The core correctness test: writers change the table during a 3-thread copy while the applier
// replays the live stream; after the writers stop and the applier drains to the server's current
// position, the ghost equals the original row for row.
TEST_F(CopierTest, ConcurrentWritesConvergeWithTheApplier) {
  conn_->execute(
      "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(32) CHARACTER SET utf8mb4 NOT NULL, v BIGINT, "
      "payload VARBINARY(64), updated DATETIME(6))");
  conn_->execute("INSERT INTO t SELECT seq, CONCAT('n', seq), seq, UNHEX(MD5(seq)), '2024-01-01' FROM seq_1_to_20000");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  const auto plan = plan_for("t");

  TableStream stream(settings_, ghostcut::testing::test_server_id(950000), plan.original, master_position(*admin_));
  auto aconn = engine::SqlConnection::open(settings_);
  engine::Applier applier(*aconn, plan, {}, progress_);
  std::atomic<bool> stop_applier{false};
  std::exception_ptr applier_error;
  std::thread applier_thread([&] {
    try {
      engine::SqlThreadGuard guard;
      std::vector<binlog::Transaction> batch;
      while (!stop_applier) {
        if (auto trx = stream->pop(50ms)) {
          batch.push_back(std::move(*trx));
          while (batch.size() < 100)
            if (auto more = stream->pop(0ms)) batch.push_back(std::move(*more));
            else break;
          applier.apply(batch);
          batch.clear();
        }
      }
    } catch (...) {
      applier_error = std::current_exception();
    }
  });

  std::atomic<bool> stop_writers{false};
  std::atomic<std::uint64_t> writes{0};
  std::mutex writer_mu;
  std::exception_ptr writer_error;
  auto writer = [&](unsigned seed) {
    engine::SqlThreadGuard guard;
    try {
      auto c = engine::SqlConnection::open(settings_);
      std::mt19937 rng(seed);
      auto id = [&](int hi) { return std::to_string(1 + rng() % static_cast<unsigned>(hi)); };
      auto one = [&] {
        switch (rng() % 6) {
          case 0:
            c->execute("INSERT IGNORE INTO t VALUES (" + id(30000) + ", 'ins', " + id(1000) +
                       ", UNHEX(MD5(RAND())), NOW(6))");
            break;
          case 1:
          case 2:
            c->execute("UPDATE t SET v = v + 1, name = CONCAT('u', v), updated = NOW(6) WHERE id = " + id(20000));
            break;
          case 3:
            c->execute("UPDATE IGNORE t SET id = " + id(30000) + " WHERE id = " + id(20000));
            break;  // key change
          case 4: c->execute("DELETE FROM t WHERE id = " + id(20000)); break;
          default:
            c->execute("UPDATE t SET payload = NULL, v = -v WHERE id BETWEEN " + id(20000) + " AND " + id(20000));
            break;
        }
      };
      while (!stop_writers) {
        try {
          if (rng() % 4 == 0) {  // multi-row transaction
            c->execute("BEGIN");
            for (int i = 0; i < 4; ++i) one();
            c->execute("COMMIT");
          } else {
            one();
          }
          ++writes;
        } catch (const engine::SqlError& e) {
          try {
            c->execute("ROLLBACK");
          } catch (...) {
          }
          if (!e.retryable() && e.code() != engine::sql_errc::kDupEntry) throw;
        }
      }
    } catch (...) {
      std::lock_guard lk(writer_mu);
      writer_error = std::current_exception();
      stop_writers = true;
    }
  };
  std::vector<std::thread> writers;
  for (unsigned i = 0; i < 2; ++i) writers.emplace_back(writer, 1234 + i);

  ASSERT_TRUE(runtime_.set_threads(3));
  ASSERT_TRUE(runtime_.set_chunk_size(100));
  engine::CopierConfig cfg;
  cfg.wait_if_throttled = [](std::stop_token) { std::this_thread::sleep_for(40ms); };  // stretch the copy
  std::exception_ptr copy_error;
  while (writes < 20 && !stop_writers) std::this_thread::sleep_for(10ms);
  const auto writes_before = writes.load();
  try {
    copy(plan, cfg);
  } catch (...) {
    copy_error = std::current_exception();
  }
  const auto writes_during = writes.load() - writes_before;
  std::this_thread::sleep_for(300ms);  // a few more writes after the copy
  stop_writers = true;
  for (auto& w : writers) w.join();
  stop_applier = true;
  applier_thread.join();
  if (copy_error) std::rethrow_exception(copy_error);
  if (applier_error) std::rethrow_exception(applier_error);
  if (writer_error) std::rethrow_exception(writer_error);

  stream.drain_into(applier, master_position(*admin_));
  EXPECT_GT(writes_during, 50u);
  EXPECT_GT(progress_.events_applied.load(), 100u);
  EXPECT_NEAR(static_cast<double>(progress_.chunks_copied.load()), 200.0, 20.0);  // rows come and go
  expect_same_content("t", "t_gho", "id, name, v, HEX(payload), updated", "id");
}

}  // namespace
