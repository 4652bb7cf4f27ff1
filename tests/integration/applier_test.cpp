// The Applier against the live server, fed with REAL transactions from the binlog stream:
// every column type round-trips byte-exact through sql_literal, replay of inserts / updates / key
// changes / deletes / multi-row transactions converges, a new unique key fails loudly, DDL stops it.
#include "engine/apply/applier.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <thread>

#include "engine/apply/applier_loop.h"
#include "engine/apply/apply_sql.h"
#include "engine/apply/value_sql.h"
#include "engine/control/runtime_settings.h"
#include "engine/sql/quoting.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"
#include "integration/every_type_table.h"
#include "integration/ghost_fixture.h"
#include "support/eventually.h"

using namespace ghostcut;
using namespace std::chrono_literals;
using ghostcut::testing::LiveServerTest;
using ghostcut::testing::master_position;
using ghostcut::testing::TableStream;

namespace {

// Sets a held writer's promise once: when called, or at the latest when the test ends.
struct ReleaseOnce {
  std::promise<void>& p;
  bool done = false;
  void operator()() {
    if (!done) p.set_value();
    done = true;
  }
  ~ReleaseOnce() { (*this)(); }
};

using ghostcut::testing::kEveryTypeCreate;
const char* const kCreate = kEveryTypeCreate;
// The shared edge rows, plus zero dates and zero timestamps.
const char* const kInserts[] = {
    ghostcut::testing::kEveryTypeInserts[0],
    ghostcut::testing::kEveryTypeInserts[1],
    ghostcut::testing::kEveryTypeInserts[2],
    ghostcut::testing::kEveryTypeInserts[3],
    // zero dates and zero timestamps (allowed: the session has no NO_ZERO_DATE)
    "INSERT INTO every_type (id, dt, dtt, dtt6, ts, ts6, y) VALUES (6, '0000-00-00', '0000-00-00 00:00:00',"
    " '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000000', 0)",
};
static_assert(std::size(ghostcut::testing::kEveryTypeInserts) == 4);
const char* kUpdates[] = {
    "UPDATE every_type SET ti = ti + 1, vc = 'changed', j = '{\"changed\": true}', dtt6 = '2000-01-01 00:00:00.5' WHERE id = 4",
    "UPDATE every_type SET c = NULL, tx = NULL, bu = 42 WHERE id = 3",
    "UPDATE every_type SET id = 5 WHERE id = 1",
    "DELETE FROM every_type WHERE id = 2",
};

class ApplierTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    aconn_ = engine::SqlConnection::open(settings_);
    conn_->execute("SET SESSION time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'");
  }
  void TearDown() override {
    aconn_.reset();
    LiveServerTest::TearDown();
  }
  std::uint32_t server_id() { return ghostcut::testing::test_server_id(940000); }

  // Columns that differ between two tables (same columns, joined on `key`): <=> and HEX() both.
  void expect_same(const std::string& a, const std::string& b, const std::vector<std::string>& columns,
                   const std::string& key = "id") {
    const auto qa = engine::quote_identifier(a), qb = engine::quote_identifier(b);
    const auto count_a = engine::to_uint64(conn_->query("SELECT COUNT(*) FROM " + qa).scalar());
    const auto count_b = engine::to_uint64(conn_->query("SELECT COUNT(*) FROM " + qb).scalar());
    const auto joined = engine::to_uint64(
        conn_->query("SELECT COUNT(*) FROM " + qa + " x JOIN " + qb + " y USING (" + key + ")").scalar());
    EXPECT_EQ(count_a, count_b) << a << " vs " << b;
    EXPECT_EQ(joined, count_a) << "rows of " << a << " missing from " << b;
    for (const auto& c : columns) {
      const auto qc = engine::quote_identifier(c);
      const auto diff = engine::to_uint64(conn_
                                              ->query("SELECT COUNT(*) FROM " + qa + " x JOIN " + qb + " y USING (" +
                                                      key + ") WHERE NOT (x." + qc + " <=> y." + qc +
                                                      ") OR NOT (HEX(x." + qc + ") <=> HEX(y." + qc + "))")
                                              .scalar());
      EXPECT_EQ(diff, 0u) << "column " << c << " differs between " << a << " and " << b;
    }
  }

  std::unique_ptr<engine::SqlConnection> aconn_;  // the applier's
  engine::ProgressCounters progress_;
};

TEST_F(ApplierTest, EveryTypeRoundTripsByteExact) {
  conn_->execute(kCreate);
  conn_->execute("CREATE TABLE every_copy LIKE every_type");
  conn_->execute("CREATE TABLE _every_type_gho LIKE every_type");
  const auto plan = ghostcut::testing::make_plan(*conn_, db_, "every_type", "_every_type_gho");
  TableStream stream(settings_, server_id(), plan.original, master_position(*admin_));

  for (const char* q : kInserts) conn_->execute(q);
  std::vector<binlog::Transaction> trxs;
  std::size_t writes = 0;
  while (writes < std::size(kInserts)) {
    auto t = stream->pop(10s);
    ASSERT_TRUE(t) << "stream delivered " << writes << " rows";
    writes += t->changes.size();
    trxs.push_back(std::move(*t));
  }

  // 1. Plain sql_literal() of every value into an identical table.
  conn_->execute(engine::kEngineSessionSetup);
  for (const auto& t : trxs)
    for (const auto& c : t.changes) {
      ASSERT_EQ(c.kind, binlog::RowsKind::kWrite);
      std::string sql = "INSERT INTO every_copy VALUES (";
      for (std::size_t i = 0; i < c.after->values.size(); ++i) {
        if (i) sql += ", ";
        engine::append_sql_literal(sql, c.after->values[i]);
      }
      conn_->execute(sql + ")");
    }
  expect_same("every_type", "every_copy", plan.original.column_names());

  // 2. The Applier (charset introducers, multi-row REPLACE) into the ghost.
  engine::Applier applier(*aconn_, plan, {}, progress_);
  applier.apply(trxs);
  EXPECT_EQ(progress_.events_applied.load(), std::size(kInserts));
  expect_same("every_type", "_every_type_gho", plan.original.column_names());

  // TIMESTAMPs are UTC on both sides (the applier's session runs at +00:00).
  auto ts = conn_->query("SELECT ts, ts6 FROM _every_type_gho WHERE id = 3");
  EXPECT_EQ(ts.rows.at(0).at(0), std::optional<std::string>("2038-01-19 03:14:07"));
  EXPECT_EQ(ts.rows.at(0).at(1), std::optional<std::string>("2038-01-19 03:14:07.999999"));
  auto zero = conn_->query("SELECT dt, ts, y FROM _every_type_gho WHERE id = 6");
  EXPECT_EQ(zero.rows.at(0).at(0), std::optional<std::string>("0000-00-00"));
  EXPECT_EQ(zero.rows.at(0).at(1), std::optional<std::string>("0000-00-00 00:00:00"));
  EXPECT_EQ(zero.rows.at(0).at(2), std::optional<std::string>("0000"));

  // 3. Updates (one changes the key) and a delete.
  for (const char* q : kUpdates) conn_->execute(q);
  stream.drain_into(applier, master_position(*admin_));
  expect_same("every_type", "_every_type_gho", plan.original.column_names());
  EXPECT_EQ(engine::to_uint64(conn_->query("SELECT COUNT(*) FROM _every_type_gho WHERE id IN (1, 2)").scalar()), 0u);
}

// A workload of every kind of change, replayed from the binlog into a ghost with one column
// added and one dropped; run with one big deduplicated batch and with one transaction per batch.
void run_workload(engine::SqlConnection& c) {
  c.execute("BEGIN");
  c.execute(
      "INSERT INTO t (id, name, v, note) VALUES (11, 'eleven', 11, 'n'), (12, 'twelve', 12, NULL), (13, 'x', 13, 'n')");
  c.execute("UPDATE t SET v = 100 WHERE id = 1");
  c.execute("DELETE FROM t WHERE id = 2");
  c.execute("COMMIT");
  c.execute("UPDATE t SET id = 20 WHERE id = 3");  // key change
  c.execute("BEGIN");
  c.execute("UPDATE t SET id = 21 WHERE id = 20");  // chain 3 -> 20 -> 21 -> 22
  c.execute("UPDATE t SET id = 22, name = 'chain' WHERE id = 21");
  c.execute("COMMIT");
  c.execute("BEGIN");  // swap the rows of keys 4 and 5 through 100
  c.execute("UPDATE t SET id = 100 WHERE id = 4");
  c.execute("UPDATE t SET id = 4 WHERE id = 5");
  c.execute("UPDATE t SET id = 5 WHERE id = 100");
  c.execute("COMMIT");
  c.execute("BEGIN");
  c.execute("INSERT INTO t (id, name, v) VALUES (30, 'gone', 30)");
  c.execute("DELETE FROM t WHERE id = 30");
  c.execute("COMMIT");
  c.execute("DELETE FROM t WHERE id = 6");
  c.execute("INSERT INTO t (id, name, v) VALUES (6, 'back', 66)");
  c.execute("REPLACE INTO t (id, name, v) VALUES (7, 'replaced', 77)");
  c.execute("INSERT INTO t (id, name, v) VALUES (8, 'x', 0) ON DUPLICATE KEY UPDATE v = v + 1000");
  c.execute("UPDATE t SET v = v + 1");
  c.execute("UPDATE t SET id = id + 1000 WHERE id > 10 ORDER BY id DESC");
  c.execute("INSERT INTO t (id, name, v) VALUES (40, 'it''s \\\\ ✓ \\0 é', 40)");
  c.execute("BEGIN");
  c.execute("INSERT INTO t (id, name, v) VALUES (41, 'a', 1)");
  c.execute("ROLLBACK");  // never in the binlog
  c.execute("DELETE FROM t WHERE id = 9");
}

class ApplierReplayTest : public ApplierTest, public ::testing::WithParamInterface<std::pair<std::size_t, bool>> {};

TEST_P(ApplierReplayTest, RealTransactionsConverge) {
  const auto [batch, dedupe] = GetParam();
  conn_->execute(
      "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(32) CHARACTER SET utf8mb4 NOT NULL, v INT, note TEXT)");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  conn_->execute("ALTER TABLE t_gho ADD COLUMN extra INT NOT NULL DEFAULT 7, DROP COLUMN note");
  for (int i = 1; i <= 10; ++i)
    conn_->execute("INSERT INTO t VALUES (" + std::to_string(i) + ", 'row" + std::to_string(i) + "', " +
                   std::to_string(i) + ", 'note')");
  conn_->execute("INSERT INTO t_gho (id, name, v) SELECT id, name, v FROM t");  // the "copy"
  const auto plan = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
  ASSERT_EQ(plan.mapping.shared.size(), 3u);
  TableStream stream(settings_, server_id(), plan.original, master_position(*admin_));
  engine::ApplierConfig cfg;
  cfg.dedupe = dedupe;
  engine::Applier applier(*aconn_, plan, cfg, progress_);

  run_workload(*conn_);
  const auto applied = stream.drain_into(applier, master_position(*admin_), batch);
  EXPECT_EQ(applied, 13u);  // the committed transactions of run_workload
  expect_same("t", "t_gho", {"name", "v"});
  EXPECT_EQ(engine::to_uint64(conn_->query("SELECT COUNT(*) FROM t_gho WHERE extra <> 7").scalar()), 0u);
  EXPECT_GT(progress_.events_applied.load(), 20u);
  EXPECT_GT(applier.rows_applied(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Batches, ApplierReplayTest,
                         ::testing::Values(std::make_pair(std::size_t{1000}, true),
                                           std::make_pair(std::size_t{1}, false),
                                           std::make_pair(std::size_t{3}, true)));

TEST_F(ApplierTest, SplitsLongStatements) {
  conn_->execute("CREATE TABLE t (a INT NOT NULL, b VARCHAR(20) NOT NULL, v INT, PRIMARY KEY (a, b))");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  const auto plan = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
  TableStream stream(settings_, server_id(), plan.original, master_position(*admin_));
  engine::ApplierConfig cfg;
  cfg.max_statement_bytes = 300;
  engine::Applier applier(*aconn_, plan, cfg, progress_);
  conn_->execute("INSERT INTO t SELECT seq, CONCAT('k', seq % 7), seq FROM seq_1_to_500");
  conn_->execute("DELETE FROM t WHERE a % 3 = 0");                    // composite-key deletes (OR form), split too
  conn_->execute("UPDATE t SET b = CONCAT(b, 'x') WHERE a % 5 = 0");  // key changes
  stream.drain_into(applier, master_position(*admin_));
  expect_same("t", "t_gho", {"v"}, "a, b");
  EXPECT_EQ(engine::to_uint64(conn_->query("SELECT COUNT(*) FROM t_gho").scalar()), 334u);
}

TEST_F(ApplierTest, DuplicateOnNewUniqueKeyFailsLoudlyAndCommitsNothing) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  conn_->execute("ALTER TABLE t_gho ADD UNIQUE KEY uv (v)");
  conn_->execute("INSERT INTO t VALUES (1, 1), (2, 2)");
  conn_->execute("INSERT INTO t_gho SELECT * FROM t");
  const auto plan = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
  ASSERT_EQ(plan.new_unique_keys.size(), 1u);
  TableStream stream(settings_, server_id(), plan.original, master_position(*admin_));
  engine::Applier applier(*aconn_, plan, {}, progress_);

  // Legal: v moves from row 1 to a new row 3 (delete-by-key + insert handles the order).
  conn_->execute("BEGIN");
  conn_->execute("UPDATE t SET v = 5 WHERE id = 1");
  conn_->execute("INSERT INTO t VALUES (3, 1)");
  conn_->execute("COMMIT");
  stream.drain_into(applier, master_position(*admin_));
  expect_same("t", "t_gho", {"v"});

  // Illegal for the new key: a second row with v = 2. REPLACE would silently delete row 2.
  conn_->execute("INSERT INTO t VALUES (4, 7)");
  conn_->execute("INSERT INTO t VALUES (5, 2)");
  auto t1 = stream->pop(10s), t2 = stream->pop(10s);
  ASSERT_TRUE(t1 && t2);
  const std::vector<binlog::Transaction> batch{*t1, *t2};
  try {
    applier.apply(batch);
    FAIL() << "no error";
  } catch (const engine::SqlError& e) {
    EXPECT_EQ(e.code(), engine::sql_errc::kDupEntry);
    EXPECT_NE(std::string(e.what()).find("uv"), std::string::npos) << e.what();
  }
  EXPECT_EQ(engine::to_uint64(conn_->query("SELECT COUNT(*) FROM t_gho").scalar()), 3u);  // row 4 rolled back
  EXPECT_EQ(engine::to_uint64(conn_->query("SELECT COUNT(*) FROM t_gho WHERE id = 2 AND v = 2").scalar()), 1u);
}

TEST_F(ApplierTest, DdlOnTheOriginalStopsTheApplier) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  const auto plan = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
  TableStream stream(settings_, server_id(), plan.original, master_position(*admin_));
  engine::Applier applier(*aconn_, plan, {}, progress_);
  conn_->execute("INSERT INTO t VALUES (1, 1)");
  conn_->execute("ALTER TABLE t ADD COLUMN w INT");
  std::vector<binlog::Transaction> batch;
  while (batch.size() < 2) {
    auto t = stream->pop(10s);
    ASSERT_TRUE(t) << "got " << batch.size();
    batch.push_back(std::move(*t));
  }
  try {
    applier.apply(batch);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("DDL on"), std::string::npos) << e.what();
  }
  EXPECT_EQ(engine::to_uint64(conn_->query("SELECT COUNT(*) FROM t_gho").scalar()), 0u);
}

// Pipelining: a batch prepared while the one before it is in flight builds on the XA hold that
// batch leaves, and nothing of either is written, held or counted before its finish().
TEST_F(ApplierTest, ABatchPreparedBehindOneInFlightChainsOnItsXaHold) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  const auto plan = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
  TableStream stream(settings_, server_id(), plan.original, master_position(*admin_));
  engine::Applier applier(*aconn_, plan, {}, progress_);
  const std::string xid = "'" + db_.substr(0, 60) + "'";  // unique on the server
  conn_->execute("XA START " + xid);
  conn_->execute("INSERT INTO t VALUES (1, 1), (2, 2)");
  conn_->execute("XA END " + xid);
  conn_->execute("XA PREPARE " + xid);
  try {
    engine::SqlConnection::open(settings_)->execute("INSERT INTO t VALUES (3, 3)");
  } catch (...) {
    conn_->execute("XA ROLLBACK " + xid);
    throw;
  }
  conn_->execute("XA COMMIT " + xid);
  conn_->execute("UPDATE t SET v = 30 WHERE id = 3");
  std::vector<binlog::Transaction> trxs;
  while (trxs.size() < 4) {
    auto t = stream->pop(30s);
    ASSERT_TRUE(t) << "got " << trxs.size();
    trxs.push_back(std::move(*t));
  }
  const std::span<const binlog::Transaction> first(trxs.data(), 2), second(trxs.data() + 2, 2);
  auto p1 = applier.prepare(first, {}, applier.xa_hold());
  ASSERT_NE(engine::Applier::hold_after(*p1), nullptr);
  EXPECT_EQ(engine::Applier::hold_after(*p1)->prepared.size(), 1u);
  applier.start(*p1);
  auto p2 = applier.prepare(second, trxs[1].end, *engine::Applier::hold_after(*p1));
  EXPECT_TRUE(applier.xa_hold().prepared.empty()) << "held before the batch was written";
  EXPECT_EQ(progress_.events_applied.load(), 0u);
  applier.finish(*p1);
  EXPECT_EQ(applier.xa_hold().prepared.size(), 1u);
  EXPECT_EQ(engine::to_uint64(conn_->query("SELECT COUNT(*) FROM t_gho").scalar()), 1u);  // row 3 only
  EXPECT_EQ(progress_.events_applied.load(), 1u);
  applier.start(*p2);
  applier.finish(*p2);
  EXPECT_TRUE(applier.xa_hold().prepared.empty());
  expect_same("t", "t_gho", {"v"});
  EXPECT_EQ(progress_.events_applied.load(), 4u);
}

// Two batches split alike by key may be written at once: each connection goes on to its half of
// the second as soon as its half of the first is done, not waiting for the other connection.
class ApplierOverlapTest : public ApplierTest {
 protected:
  engine::MigrationPlan plan_;
  std::optional<TableStream> stream_;
  void SetUp() override {
    ApplierTest::SetUp();
    if (IsSkipped()) return;
    conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
    conn_->execute("CREATE TABLE t_gho LIKE t");
    plan_ = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
    plan_.ghost_create_statement = *conn_->query("SHOW CREATE TABLE t_gho").at(0, "Create Table");
    ASSERT_FALSE(engine::partition_refusal(plan_)) << *engine::partition_refusal(plan_);
    stream_.emplace(settings_, server_id(), plan_.original, master_position(*admin_));
  }
  // An INSERT of 64 rows, then an UPDATE of all of them; the ids spread over blocks of 256, so
  // both connections get some of each.
  std::vector<binlog::Transaction> two_batches() {
    std::string values;
    for (int i = 1; i <= 64; ++i) values += (i > 1 ? "," : "") + std::string("(") + std::to_string(i * 97) + ", 0)";
    conn_->execute("INSERT INTO t VALUES " + values);
    conn_->execute("UPDATE t SET v = id + 1");
    std::vector<binlog::Transaction> trxs;
    while (trxs.size() < 2) {
      auto t = (*stream_)->pop(30s);
      if (!t) break;
      trxs.push_back(std::move(*t));
    }
    return trxs;
  }
};

TEST_F(ApplierOverlapTest, EachConnectionGoesOnToTheNextBatchWithoutWaitingForTheOther) {
  auto partner = engine::SqlConnection::open(settings_);
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> seen{0};  // SQL transactions begun
  engine::ApplierConfig cfg;
  cfg.before_transaction = [&](std::uint64_t n) {
    ++seen;
    if (n == 1) released.wait();  // one connection's half of the first batch is held
  };
  engine::Applier applier(*aconn_, plan_, cfg, progress_);
  applier.add_partner(*partner);
  const auto trxs = two_batches();
  ASSERT_EQ(trxs.size(), 2u);
  auto p1 = applier.prepare(std::span(trxs.data(), 1), {}, applier.xa_hold());
  auto p2 = applier.prepare(std::span(trxs.data() + 1, 1), trxs[0].end, applier.xa_hold());
  ASSERT_TRUE(engine::Applier::may_start_before(*p1, *p2));
  ReleaseOnce let_go{release};  // never leave a writer blocked
  applier.start(*p1);
  applier.start(*p2);
  // The other connection writes its half of the first batch, then of the second.
  EXPECT_TRUE(ghostcut::test::eventually([&] { return seen.load() >= 3; }, 30s)) << seen.load();
  EXPECT_EQ(progress_.events_applied.load(), 0u) << "counted before its finish()";
  let_go();
  applier.finish(*p1);
  applier.finish(*p2);
  EXPECT_EQ(progress_.events_applied.load(), 128u);
  expect_same("t", "t_gho", {"v"});

  // A batch on one connection only never overtakes a split one (nor the other way round).
  conn_->execute("UPDATE t SET v = 7 WHERE id = 97");
  auto t = (*stream_)->pop(30s);
  ASSERT_TRUE(t);
  auto lone = applier.prepare(std::span(&*t, 1), {}, applier.xa_hold());
  EXPECT_FALSE(engine::Applier::may_start_before(*p2, *lone));
  EXPECT_FALSE(engine::Applier::may_start_before(*lone, *p2));
  applier.apply(std::span(&*t, 1));
  expect_same("t", "t_gho", {"v"});
}

// Both connections lost while two batches are written: the second is given up (abandon) once
// its writes have ended, and both are written again, in order, on new connections.
TEST_F(ApplierOverlapTest, ABatchStartedBehindALostOneIsAbandonedAndWrittenAgain) {
  auto a1 = engine::SqlConnection::open(settings_), a2 = engine::SqlConnection::open(settings_);
  const auto ids = std::to_string(a1->connection_id()) + ", " + std::to_string(a2->connection_id());
  engine::ApplierConfig cfg;
  cfg.conflict_retry.limit = 1s;
  std::atomic<bool> killed{false};
  cfg.before_transaction = [&](std::uint64_t n) {
    if (n != 1) return;
    auto admin = engine::SqlConnection::open(settings_);
    for (const auto& row : admin->query("SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN (" + ids + ")").rows)
      admin->execute("KILL CONNECTION " + *row[0]);
    killed = true;
  };
  auto applier = std::make_unique<engine::Applier>(*a1, plan_, cfg, progress_);
  applier->add_partner(*a2);
  const auto trxs = two_batches();
  ASSERT_EQ(trxs.size(), 2u);
  auto p1 = applier->prepare(std::span(trxs.data(), 1), {}, applier->xa_hold());
  auto p2 = applier->prepare(std::span(trxs.data() + 1, 1), trxs[0].end, applier->xa_hold());
  applier->start(*p1);
  applier->start(*p2);
  EXPECT_THROW(applier->finish(*p1), engine::SqlError);
  EXPECT_TRUE(killed.load());
  applier->abandon(*p2);
  EXPECT_FALSE(engine::Applier::started(*p2));
  auto xa = applier->take_xa_hold();
  applier.reset();
  a1.reset();
  a2.reset();
  cfg.before_transaction = nullptr;
  auto b1 = engine::SqlConnection::open(settings_), b2 = engine::SqlConnection::open(settings_);
  engine::Applier again(*b1, plan_, cfg, progress_);
  again.add_partner(*b2);
  again.set_xa_hold(std::move(xa));
  again.complete(*p1);
  again.start(*p2);
  again.finish(*p2);
  EXPECT_EQ(progress_.events_applied.load(), 128u);
  expect_same("t", "t_gho", {"v"});
}

// The loop builds the next batch while one is written, but a batch starts writing only once the
// one before it committed, and the applied position never passes a batch before its commit.
TEST_F(ApplierTest, TheLoopMovesThePositionOnlyAfterEachBatchCommits) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  const auto plan = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
  TableStream stream(settings_, server_id(), plan.original, master_position(*admin_));
  std::vector<binlog::BinlogPosition> ends;
  for (int i = 1; i <= 3; ++i) {
    conn_->execute("INSERT INTO t VALUES (" + std::to_string(i) + ", " + std::to_string(i) + ")");
    ends.push_back(master_position(*admin_));
  }
  ASSERT_TRUE(stream->wait_read_past(ends.back(), 30000ms));
  auto probe = engine::SqlConnection::open(settings_);
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  std::mutex mu;
  std::vector<std::uint64_t> ghost_rows_at_start;  // rows in the ghost as each later batch starts
  engine::ApplierConfig cfg;
  cfg.before_transaction = [&](std::uint64_t n) {
    if (n == 1) {
      entered.set_value();
      released.wait();
      return;
    }
    const auto rows = engine::to_uint64(probe->query("SELECT COUNT(*) FROM t_gho").scalar());
    std::lock_guard lk(mu);
    ghost_rows_at_start.push_back(rows);
  };
  engine::RuntimeSettings runtime;
  ASSERT_TRUE(runtime.set_dml_batch_size(1));  // a batch per transaction
  engine::ApplierLoop loop(*stream, settings_, plan, runtime, progress_, nullptr);
  loop.set_applier_config(cfg);
  loop.start();
  ReleaseOnce let_go{release};  // never leave the loop's writer blocked
  entered.get_future().wait();
  // The second batch is taken and built while the first one's write is held.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (stream->queued() > 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(stream->queued(), 1u) << "the next batch was not taken while one is in flight";
  EXPECT_LT(loop.applied_position(), ends[0]) << "moved past a batch not yet committed";
  EXPECT_EQ(engine::to_uint64(conn_->query("SELECT COUNT(*) FROM t_gho").scalar()), 0u);
  let_go();
  ASSERT_TRUE(loop.drain_to(ends.back(), std::chrono::steady_clock::now() + 60s))
      << loop.applied_position().to_string();
  loop.stop();
  if (auto f = loop.failure()) std::rethrow_exception(f);
  expect_same("t", "t_gho", {"v"});
  std::lock_guard lk(mu);
  EXPECT_EQ(ghost_rows_at_start, (std::vector<std::uint64_t>{1, 2}));
}

}  // namespace

namespace {

// run_to (the checksum's lock-free instant): from a pause, the loop applies exactly the
// transactions a snapshot holds — those before its binlog position — and keeps the later ones
// (in a batch it would otherwise take whole) until resume(), while writers go on.
TEST_F(ApplierTest, RunToAppliesExactlyWhatASnapshotHolds) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  const auto plan = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
  TableStream stream(settings_, server_id(), plan.original, master_position(*admin_));
  engine::RuntimeSettings runtime;  // default batch size: many transactions per batch
  engine::ApplierLoop loop(*stream, settings_, plan, runtime, progress_, nullptr);
  loop.start();
  std::atomic<int> written{0};
  std::jthread writer([&](std::stop_token stop) {  // stopped and joined on every way out
    engine::SqlThreadGuard guard;
    auto w = engine::SqlConnection::open(settings_);
    for (int i = 1; !stop.stop_requested(); ++i) {  // inserts, updates, key changes, deletes, two-row transactions
      w->execute("BEGIN");
      w->execute("INSERT INTO t VALUES (" + std::to_string(i) + ", 0)");
      w->execute("UPDATE t SET v = v + 1 WHERE id = " + std::to_string(1 + i / 2));
      if (i % 7 == 0) w->execute("UPDATE t SET id = id + 1000000 WHERE id = " + std::to_string(i - 3));
      if (i % 5 == 0) w->execute("DELETE FROM t WHERE id = " + std::to_string(i - 1));
      w->execute("COMMIT");
      ++written;
    }
  });
  auto rows = [](engine::SqlConnection& c, const std::string& table) {
    std::string out;
    for (const auto& r : c.query("SELECT id, v FROM " + table + " ORDER BY id").rows)
      out += r[0].value_or("") + ":" + r[1].value_or("") + " ";
    return out;
  };
  auto snap = engine::SqlConnection::open(settings_);
  auto probe = engine::SqlConnection::open(settings_);
  snap->execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const int before = written;
    ASSERT_TRUE(ghostcut::test::eventually([&] { return written >= before + 20; }, 30s)) << "the writer stopped";
    loop.pause();
    snap->execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
    const auto at = engine::snapshot_binlog_position(*snap);
    ASSERT_TRUE(at) << "MariaDB tells a snapshot's binlog position";
    ASSERT_TRUE(loop.run_to(*at, std::chrono::steady_clock::now() + 30s)) << loop.applied_position().to_string();
    EXPECT_GE(loop.applied_position(), *at);
    const auto want = rows(*snap, "t");
    EXPECT_EQ(rows(*probe, "t_gho"), want);
    const int held_from = written;  // the writers go on; the loop holds their transactions back
    ASSERT_TRUE(ghostcut::test::eventually([&] { return written >= held_from + 10; }, 30s)) << "the writer stopped";
    EXPECT_EQ(rows(*probe, "t_gho"), want);
    snap->execute("COMMIT");
    loop.resume();
  }
  writer.request_stop();
  writer.join();
  ASSERT_TRUE(loop.drain_to(master_position(*admin_), std::chrono::steady_clock::now() + 60s));
  loop.stop();
  if (auto f = loop.failure()) std::rethrow_exception(f);
  expect_same("t", "t_gho", {"v"});
}

// The ALTER changed types: a latin1 key column becomes utf8mb4, an ENUM is reordered, a SET gets a
// new member in front, INT widens. Values must arrive as the same text / number, not as the same
// bytes or index.
TEST_F(ApplierTest, ChangedTypesKeepTheirMeaning) {
  conn_->execute(
      "CREATE TABLE t (code VARCHAR(20) CHARACTER SET latin1 NOT NULL PRIMARY KEY, e ENUM('a','b','c'), "
      "s SET('x','y'), n INT)");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  conn_->execute(
      "ALTER TABLE t_gho MODIFY code VARCHAR(20) CHARACTER SET utf8mb4 NOT NULL, MODIFY e ENUM('c','b','a'), "
      "MODIFY s SET('w','x','y'), MODIFY n BIGINT");
  conn_->execute("INSERT INTO t VALUES ('café', 'a', 'x,y', 1), ('naïve', 'b', 'y', 2), ('plain', 'c', '', 3)");
  conn_->execute("INSERT INTO t_gho SELECT * FROM t");  // the "copy" (the server converts by value)
  const auto plan = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
  TableStream stream(settings_, server_id(), plan.original, master_position(*admin_));
  engine::Applier applier(*aconn_, plan, {}, progress_);
  conn_->execute("INSERT INTO t VALUES ('élan', 'a', 'x', 4), ('zoë', 'c', 'x,y', 5)");
  conn_->execute("UPDATE t SET e = 'c', s = 'x', n = n + 100 WHERE code = 'café'");
  conn_->execute("UPDATE t SET code = 'naïveté' WHERE code = 'naïve'");  // key change in latin1
  conn_->execute("DELETE FROM t WHERE code = 'plain'");
  stream.drain_into(applier, master_position(*admin_));
  const std::string cols = "CONVERT(code USING utf8mb4), CAST(e AS CHAR), CAST(s AS CHAR), n";
  const auto a = ghostcut::testing::dump(*conn_, "t", cols, "1");
  const auto b = ghostcut::testing::dump(*conn_, "t_gho", cols, "1");
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.size(), 4u);
}

}  // namespace
