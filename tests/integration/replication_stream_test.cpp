// The replication stream against the live test server: ordering, transactions, reconnects
// after KILL without loss or duplicates, back-pressure, and clear failures.
#include "binlog/net/replication_stream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "engine/schema/table_schema.h"
#include "integration/freezable_proxy.h"
#include "integration/stream_harness.h"
#include "integration/test_server.h"

using namespace ghostcut;
using namespace std::chrono_literals;
using binlog::RowsKind;
using ghostcut::testing::LiveServerTest;
using ghostcut::testing::StreamHarness;

namespace {

binlog::BinlogPosition current_position(engine::SqlConnection& c) {
  auto t = c.query("SHOW MASTER STATUS");
  return {*t.rows.at(0).at(0), engine::to_uint64(t.rows.at(0).at(1))};
}

std::int64_t int_of(const binlog::Value& v) {
  if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto* u = std::get_if<std::uint64_t>(&v)) return static_cast<std::int64_t>(*u);
  ADD_FAILURE() << "not an integer: " << binlog::to_string(v);
  return -1;
}

// Our model of what was committed, as a sequence of (kind, id, value) per row change.
struct Op {
  RowsKind kind;
  std::int64_t id;
  std::int64_t v;  // after image for insert/update, before image for delete
  bool operator==(const Op&) const = default;
};

std::vector<Op> ops_of(const binlog::Transaction& t) {
  std::vector<Op> out;
  for (const auto& c : t.changes) {
    const auto& img = c.kind == RowsKind::kDelete ? *c.before : *c.after;
    out.push_back({c.kind, int_of(img.values.at(0)), int_of(img.values.at(1))});
  }
  return out;
}

class ReplicationStreamTest : public LiveServerTest {
 protected:
  binlog::StreamSettings stream_settings(std::optional<binlog::BinlogPosition> start) {
    binlog::StreamSettings s;
    s.connection =
        ghostcut::testing::binlog_settings(settings_, 900000 + static_cast<std::uint32_t>(::getpid() % 10000));
    s.start = std::move(start);
    s.heartbeat_period = 500ms;
    s.dead_after = 3s;
    s.backoff_initial = 50ms;
    return s;
  }
  binlog::ChangeDecoder::TableFilter only(std::string table) {
    return [db = db_, table](std::string_view s, std::string_view t) { return s == db && t == table; };
  }
};

}  // namespace

TEST_F(ReplicationStreamTest, DeliversWholeTransactionsInOrderWithPositions) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)");
  conn_->execute("CREATE TABLE other (id INT PRIMARY KEY)");
  const auto start = current_position(*admin_);
  StreamHarness stream(stream_settings(start), only("t"));
  conn_->execute("INSERT INTO t VALUES (1, 10)");
  conn_->execute("BEGIN");
  conn_->execute("INSERT INTO t VALUES (2, 20), (3, 30)");
  conn_->execute("INSERT INTO other VALUES (1)");  // filtered out
  conn_->execute("UPDATE t SET v = 21 WHERE id = 2");
  conn_->execute("DELETE FROM t WHERE id = 1");
  conn_->execute("COMMIT");
  conn_->execute("INSERT INTO other VALUES (2)");      // a transaction with nothing for us
  conn_->execute("UPDATE t SET id = 4 WHERE id = 3");  // a key change
  const auto end = current_position(*admin_);

  auto t1 = stream->pop(10s);
  ASSERT_TRUE(t1) << "no transaction";
  EXPECT_EQ(ops_of(*t1), (std::vector<Op>{{RowsKind::kWrite, 1, 10}}));
  EXPECT_GT(t1->end, start);
  auto t2 = stream->pop(10s);
  ASSERT_TRUE(t2);
  EXPECT_EQ(ops_of(*t2), (std::vector<Op>{{RowsKind::kWrite, 2, 20},
                                          {RowsKind::kWrite, 3, 30},
                                          {RowsKind::kUpdate, 2, 21},
                                          {RowsKind::kDelete, 1, 10}}));
  EXPECT_GT(t2->end, t1->end);
  auto t3 = stream->pop(10s);
  ASSERT_TRUE(t3);
  ASSERT_EQ(t3->changes.size(), 1u);
  EXPECT_EQ(t3->changes[0].kind, RowsKind::kUpdate);
  EXPECT_EQ(int_of(t3->changes[0].before->values[0]), 3);
  EXPECT_EQ(int_of(t3->changes[0].after->values[0]), 4);
  EXPECT_EQ(t3->end, end) << "the last transaction ends where the server's binlog ends";
  EXPECT_TRUE(stream->wait_read_past(end, 5s));
  EXPECT_FALSE(stream->pop(300ms)) << "nothing else";
}

TEST_F(ReplicationStreamTest, DdlArrivesAsAQuery) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY)");
  StreamHarness stream(stream_settings(current_position(*admin_)), only("t"));
  conn_->execute("ALTER TABLE t ADD COLUMN x INT");
  auto trx = stream->pop(10s);
  ASSERT_TRUE(trx);
  ASSERT_EQ(trx->queries.size(), 1u);
  EXPECT_EQ(trx->queries[0].schema, db_);
  EXPECT_NE(trx->queries[0].statement.find("ALTER TABLE t ADD COLUMN x INT"), std::string::npos);
}

TEST_F(ReplicationStreamTest, KilledDumpConnectionLosesAndRepeatsNothing) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)");
  auto settings = stream_settings(current_position(*admin_));
  settings.queue_capacity = 8;
  StreamHarness stream(settings, only("t"));

  std::vector<Op> expected;
  std::atomic<bool> writer_done{false};
  std::thread writer([&] {
    engine::SqlThreadGuard guard;
    auto w = engine::SqlConnection::open(settings_);
    for (int i = 1; i <= 300; ++i) {
      w->execute("BEGIN");
      w->update("INSERT INTO t VALUES (?, ?), (?, ?)",
                {std::int64_t{2 * i}, std::int64_t{i}, std::int64_t{2 * i + 1}, std::int64_t{i}});
      w->update("UPDATE t SET v = v + 1000 WHERE id = ?", {std::int64_t{2 * i}});
      w->update("DELETE FROM t WHERE id = ?", {std::int64_t{2 * i + 1}});
      w->execute("COMMIT");
      expected.push_back({RowsKind::kWrite, 2 * i, i});
      expected.push_back({RowsKind::kWrite, 2 * i + 1, i});
      expected.push_back({RowsKind::kUpdate, 2 * i, i + 1000});
      expected.push_back({RowsKind::kDelete, 2 * i + 1, i});
      if (i % 10 == 0) std::this_thread::sleep_for(2ms);
    }
    writer_done = true;
  });

  std::vector<Op> got;
  int kills = 0;
  std::uint32_t last_killed = 0;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (got.size() < 1200 && std::chrono::steady_clock::now() < deadline) {
    auto trx = stream->pop(200ms);
    if (trx) {
      auto ops = ops_of(*trx);
      EXPECT_EQ(ops.size(), 4u) << "a transaction was split";
      got.insert(got.end(), ops.begin(), ops.end());
    }
    // Kill the dump connection three times while the writer runs.
    const auto id = stream->stats().connection_id;
    if (kills < 3 && id != 0 && id != last_killed && got.size() >= static_cast<std::size_t>(200 * (kills + 1))) {
      admin_->execute("KILL " + std::to_string(id));
      last_killed = id;
      ++kills;
    }
  }
  writer.join();
  EXPECT_EQ(kills, 3);
  EXPECT_GE(stream->stats().reconnects, 3u);
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "changes lost, repeated or reordered";
  EXPECT_FALSE(stream->pop(300ms)) << "a duplicate after the last transaction";
}

TEST_F(ReplicationStreamTest, SlowConsumerGetsBackPressureNotLoss) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)");
  auto settings = stream_settings(current_position(*admin_));
  settings.queue_capacity = 2;
  StreamHarness stream(settings, only("t"));
  for (int i = 0; i < 100; ++i) conn_->update("INSERT INTO t VALUES (?, ?)", {std::int64_t{i}, std::int64_t{i}});
  std::size_t max_queued = 0;
  for (int i = 0; i < 100; ++i) {
    max_queued = std::max(max_queued, stream->queued());
    auto trx = stream->pop(10s);
    ASSERT_TRUE(trx) << "missing transaction " << i;
    EXPECT_EQ(ops_of(*trx), (std::vector<Op>{{RowsKind::kWrite, i, i}}));
    if (i % 10 == 0) std::this_thread::sleep_for(50ms);  // slower than the producer
  }
  EXPECT_LE(max_queued, 2u);
}

// Memory is bounded by bytes too: large transactions queue up to queue_bytes (one alone may be
// larger), and none is lost or split.
TEST_F(ReplicationStreamTest, QueueIsBoundedByBytes) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, pad TEXT NOT NULL)");
  auto settings = stream_settings(current_position(*admin_));
  settings.queue_bytes = 50 * 1024;  // two of the transactions below, not three
  StreamHarness stream(settings, only("t"));
  // 40 transactions of ~20 KB each (10 rows of 2 KB).
  for (int i = 0; i < 40; ++i) {
    conn_->execute("BEGIN");
    for (int r = 0; r < 10; ++r)
      conn_->update("INSERT INTO t VALUES (?, ?, REPEAT('x', 2000))", {std::int64_t{i * 10 + r}, std::int64_t{i}});
    conn_->execute("COMMIT");
  }
  // A transaction bigger than the bound passes alone.
  conn_->update("INSERT INTO t SELECT 1000 + seq, 99, REPEAT('y', 4000) FROM seq_1_to_40");
  // The producer fills the queue as far as it may, then parks.
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (stream->queued() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(stream->queued(), 2u);
  std::size_t max_bytes = 0, max_queued = 0;
  for (int i = 0; i < 40; ++i) {
    max_bytes = std::max(max_bytes, stream->queued_bytes());
    max_queued = std::max(max_queued, stream->queued());
    auto trx = stream->pop(10s);
    ASSERT_TRUE(trx) << "missing transaction " << i;
    EXPECT_EQ(trx->changes.size(), 10u) << "transaction " << i;
    EXPECT_GT(trx->bytes, 20000u);
  }
  auto big = stream->pop(10s);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->changes.size(), 40u);
  EXPECT_GT(big->bytes, settings.queue_bytes);
  EXPECT_LE(max_bytes, settings.queue_bytes);
  EXPECT_LE(max_queued, 2u);
}

// A transaction bigger than piece_bytes arrives in pieces of about that size (all but the last
// marked `more`, ends inside the transaction and increasing), together exactly the transaction.
TEST_F(ReplicationStreamTest, BigTransactionArrivesInPiecesWithNothingLost) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, pad CHAR(200) NOT NULL)");
  auto settings = stream_settings(current_position(*admin_));
  settings.piece_bytes = 16 * 1024;
  settings.queue_bytes = 64 * 1024;
  settings.queue_capacity = 2;  // the stream cannot read past the transaction before we pop
  StreamHarness stream(settings, only("t"));
  conn_->execute("INSERT INTO t VALUES (-1, -1, 'before')");
  conn_->execute("BEGIN");
  conn_->execute("INSERT INTO t SELECT seq, seq, REPEAT('p', 200) FROM seq_1_to_2000");
  conn_->execute("UPDATE t SET v = v + 1 WHERE id BETWEEN 1 AND 500");
  conn_->execute("DELETE FROM t WHERE id > 1900");
  conn_->execute("COMMIT");
  conn_->execute("INSERT INTO t VALUES (-2, -2, 'after')");
  const auto end = current_position(*admin_);

  auto first = stream->pop(10s);
  ASSERT_TRUE(first);
  EXPECT_EQ(ops_of(*first), (std::vector<Op>{{RowsKind::kWrite, -1, -1}}));
  EXPECT_FALSE(first->more);
  std::vector<Op> expected;
  for (int i = 1; i <= 2000; ++i) expected.push_back({RowsKind::kWrite, i, i});
  for (int i = 1; i <= 500; ++i) expected.push_back({RowsKind::kUpdate, i, i + 1});
  for (int i = 1901; i <= 2000; ++i) expected.push_back({RowsKind::kDelete, i, i});
  std::vector<Op> got;
  int pieces = 0;
  binlog::BinlogPosition last = first->end;
  for (;;) {
    auto piece = stream->pop(10s);
    ASSERT_TRUE(piece) << "missing piece after " << pieces;
    ++pieces;
    // The resume point stays at the transaction's start while its pieces go out (with two
    // pieces queued the stream cannot be near the end when the first is popped).
    if (pieces == 1) {
      EXPECT_EQ(stream->read_position(), first->end);
    }
    EXPECT_GT(piece->end, last);
    last = piece->end;
    // A piece closes once it holds piece_bytes; one rows event (≤ 8 KiB here) may overshoot.
    EXPECT_LT(piece->bytes, settings.piece_bytes + 16 * 1024);
    auto ops = ops_of(*piece);
    got.insert(got.end(), ops.begin(), ops.end());
    if (!piece->more) break;
    EXPECT_LT(piece->end, end);
  }
  EXPECT_GT(pieces, 20) << "the ~600 KB transaction was not cut into 16 KiB pieces";
  EXPECT_TRUE(got == expected) << "rows lost, repeated or reordered across pieces: " << got.size() << " of "
                               << expected.size();
  auto after = stream->pop(10s);
  ASSERT_TRUE(after);
  EXPECT_EQ(ops_of(*after), (std::vector<Op>{{RowsKind::kWrite, -2, -2}}));
  EXPECT_EQ(after->end, end);
  EXPECT_FALSE(after->more);
  EXPECT_TRUE(stream->wait_read_past(end, 5s));
}

// A lost connection inside a pieced transaction: the stream re-reads it from its start and skips
// what it delivered, so the pieces still add up to the transaction exactly once.
TEST_F(ReplicationStreamTest, KilledDumpConnectionInsideAPiecedTransactionRepeatsNothing) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, pad CHAR(200) NOT NULL)");
  auto settings = stream_settings(current_position(*admin_));
  settings.piece_bytes = 64 * 1024;
  settings.queue_capacity = 2;  // the stream parks two pieces in: the kill lands mid-transaction
  StreamHarness stream(settings, only("t"));
  // ~14 MB: more than the socket buffers hold, so the stream is inside it when the kill lands.
  constexpr int kRows = 60000;
  conn_->execute("INSERT INTO t SELECT seq, seq, REPEAT('p', 200) FROM seq_1_to_" + std::to_string(kRows));
  std::vector<Op> got;
  int kills = 0;
  std::uint32_t killed = 0;
  for (;;) {
    auto piece = stream->pop(10s);
    ASSERT_TRUE(piece) << "missing piece after " << got.size() << " rows";
    auto ops = ops_of(*piece);
    got.insert(got.end(), ops.begin(), ops.end());
    if (!piece->more) break;
    const auto id = stream->stats().connection_id;
    if (kills < 2 && id != 0 && id != killed && got.size() >= static_cast<std::size_t>(5000 * (kills + 1))) {
      admin_->execute("KILL " + std::to_string(id));
      killed = id;
      ++kills;
    }
  }
  // The second kill needs the new connection up before the transaction is through: likely, not certain.
  EXPECT_GE(kills, 1);
  EXPECT_GE(stream->stats().reconnects, static_cast<std::uint64_t>(kills));
  std::vector<Op> expected;
  for (int i = 1; i <= kRows; ++i) expected.push_back({RowsKind::kWrite, i, i});
  EXPECT_TRUE(got == expected) << got.size() << " rows delivered for " << expected.size();
  EXPECT_FALSE(stream->pop(300ms)) << "a duplicate after the transaction";
}

TEST_F(ReplicationStreamTest, UnknownBinlogFileFailsClearly) {
  auto settings = stream_settings(binlog::BinlogPosition{"no-such-binlog.000042", 4});
  StreamHarness stream(settings, only("t"));
  EXPECT_FALSE(stream->pop(10s));
  auto f = stream->failure();
  ASSERT_TRUE(f);
  try {
    std::rethrow_exception(f);
  } catch (const binlog::ConnectionError& e) {
    EXPECT_EQ(e.server_code(), 1236) << e.what();  // ER_MASTER_FATAL_ERROR_READING_BINLOG
  }
}

TEST_F(ReplicationStreamTest, BadPasswordFailsWithoutRetrying) {
  auto settings = stream_settings(std::nullopt);
  settings.connection.password = "wrong";
  StreamHarness stream(settings, only("t"));
  EXPECT_FALSE(stream->pop(10s));
  auto f = stream->failure();
  ASSERT_TRUE(f);
  try {
    std::rethrow_exception(f);
  } catch (const binlog::ConnectionError& e) {
    EXPECT_EQ(e.server_code(), 1045) << e.what();
    EXPECT_EQ(std::string(e.what()).find("wrong"), std::string::npos) << "password in the message";
  }
  EXPECT_EQ(stream->stats().reconnects, 0u);
}

TEST_F(ReplicationStreamTest, SilentDeadConnectionIsCaughtByMissingHeartbeats) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)");
  ghostcut::testing::FreezableProxy proxy(settings_.host, settings_.port);
  auto settings = stream_settings(current_position(*admin_));
  settings.connection.port = proxy.port();
  settings.heartbeat_period = 300ms;
  settings.dead_after = 1500ms;
  StreamHarness stream(settings, only("t"));
  conn_->execute("INSERT INTO t VALUES (1, 1)");
  auto first = stream->pop(10s);
  ASSERT_TRUE(first);
  EXPECT_EQ(ops_of(*first), (std::vector<Op>{{RowsKind::kWrite, 1, 1}}));

  proxy.freeze_existing();  // the path goes silent; no FIN, no RST
  conn_->execute("INSERT INTO t VALUES (2, 2)");
  conn_->execute("INSERT INTO t VALUES (3, 3)");
  std::vector<Op> got;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (got.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    if (auto trx = stream->pop(200ms)) {
      auto ops = ops_of(*trx);
      got.insert(got.end(), ops.begin(), ops.end());
    }
  }
  EXPECT_EQ(got, (std::vector<Op>{{RowsKind::kWrite, 2, 2}, {RowsKind::kWrite, 3, 3}}));
  EXPECT_GE(stream->stats().reconnects, 1u);
  EXPECT_GE(proxy.connections(), 2);
  EXPECT_FALSE(stream->pop(500ms)) << "a duplicate after reconnecting";
}
