// --defer-secondary-indexes (#19): the copy fills a ghost without its plain secondary keys, which
// are built after the copy while the applier goes on; model-checked writers run throughout, and the
// new table must hold exactly what they committed and be defined exactly as native ALTER defines it.
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "engine/resume/checkpoint.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_connection.h"
#include "integration/migrator_config.h"
#include "integration/model_writer.h"
#include "integration/stream_harness.h"
#include "integration/test_server.h"
#include "support/eventually.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using namespace ghostcut::testing;
using namespace std::chrono_literals;

namespace {

class DeferredIndexesTest : public LiveServerTest {
 protected:
  std::string show(const std::string& table) {
    return conn_->query("SHOW CREATE TABLE " + quote_qualified(db_, table)).at(0, "Create Table").value_or("");
  }
  // `writers` seeded over ids 1..rows of t; the plan of `alter` and a config that defers the keys.
  struct Setup {
    MigrationPlan plan;
    MigratorConfig cfg;
  };
  Setup deferring(std::vector<Writer>& writers, int rows, const std::string& alter, std::uint32_t server_id) {
    seed_models(writers, rows);
    Inspector inspector(*conn_, InspectorConfig{});
    Setup s{inspector.inspect(db_, "t", alter), test_migrator_config(settings_, server_id)};
    s.cfg.defer_secondary_indexes = engine::KeyDeferral::kOn;
    return s;
  }
};

TEST_F(DeferredIndexesTest, KeysAreBuiltAfterTheCopyUnderWritersAndTheTableIsNativeAltersTable) {
  constexpr int kRows = 6000;
  conn_->execute(
      "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(64) NOT NULL, "
      "KEY ka (a), KEY kb (b(10)) COMMENT 'prefix', KEY kab (a, b))");
  conn_->execute("INSERT INTO t SELECT seq, seq, 'seed' FROM seq_1_to_" + std::to_string(kRows));
  const std::string alter = "ADD COLUMN z INT NOT NULL DEFAULT 7, ADD KEY kz (z, a), DROP KEY kb";
  conn_->execute("CREATE TABLE native LIKE t");
  conn_->execute("ALTER TABLE native " + alter);

  std::vector<Writer> writers(3);
  auto setup = deferring(writers, kRows, alter, 963000);
  const auto& plan = setup.plan;
  auto& cfg = setup.cfg;
  cfg.copier.initial_chunk_size = 500;
  // What the ghost looked like while the copy ran (read before the copy's first chunk).
  std::mutex mu;
  std::string during_copy;
  cfg.copier.wait_if_throttled = [&](std::stop_token) {
    std::lock_guard lk(mu);
    if (!during_copy.empty()) return;
    auto c = SqlConnection::open(settings_);
    during_copy = c->query("SHOW CREATE TABLE " + quote_qualified(db_, "t_gho")).at(0, "Create Table").value_or("");
  };

  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& wr : writers) threads.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop));
  {
    BackgroundMigration mig(migrator);
    mig.join();
    std::this_thread::sleep_for(200ms);  // writes into the new table too
    stop = true;
    for (auto& th : threads) th.join();
    ASSERT_NO_THROW(mig.result());
  }
  // During the copy: the primary key only; after it: every key, as the ALTER defines them.
  EXPECT_NE(during_copy.find("PRIMARY KEY"), std::string::npos) << during_copy;
  for (const char* key : {"KEY `ka`", "KEY `kab`", "KEY `kz`"}) {
    EXPECT_EQ(during_copy.find(key), std::string::npos) << key << " during the copy:\n" << during_copy;
    EXPECT_NE(show("t").find(key), std::string::npos) << key << " after the migration:\n" << show("t");
  }
  EXPECT_EQ(schema_fingerprint(show("t"), "t"), schema_fingerprint(show("native"), "native"))
      << show("t") << "\nnative:\n"
      << show("native");

  Table expected;
  std::uint64_t ops = 0;
  for (const auto& wr : writers) {
    EXPECT_EQ(wr.errors, 0u) << wr.last_error;
    ops += wr.ops;
    for (const auto& [id, v] : wr.model) expected[std::to_string(id)] = Row{std::to_string(v.first), v.second};
  }
  EXPECT_GT(ops, 50u) << "the writers barely ran";
  const auto got = read_table(*conn_, db_, "t", "a, b", "id");
  EXPECT_EQ(count_differences(expected, got, read_table(*conn_, db_, "t_del", "a, b", "id")), 0u);
  EXPECT_EQ(got.size(), expected.size());
  // The keys answer: a lookup by a through ka finds what a scan finds.
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t FORCE INDEX (ka) WHERE a < 500000").scalar(),
            conn_->query("SELECT COUNT(*) FROM t IGNORE INDEX (ka, kab, kz) WHERE a < 500000").scalar());
}

// The online build's change log (innodb_online_alter_log_max_size) overflows under the applier's
// writes: the server refuses the build with 1799, and it is done again with LOCK=SHARED (the applier
// waits meanwhile). The log limit is set to its minimum and a burst writer changes the keyed column
// all along, so the build sees far more than 64 KB of key changes; the result must still be
// exactly what the writers committed, with native ALTER's definition.
TEST_F(DeferredIndexesTest, AnOnlineBuildWhoseChangeLogOverflowsIsDoneAgainWithLockShared) {
  constexpr int kRows = 60000;
  constexpr std::int64_t kBurstFirst = 10000001, kBurstRows = 12000;
  // b is wide (~3 KB key entries): the server writes the change log in blocks of
  // innodb_sort_buffer_size (1 MB), so only a log past that overflows, whatever the limit: a few
  // hundred changed rows during the build.
  conn_->execute(
      "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(3000) CHARACTER SET latin1 NOT NULL, "
      "KEY ka (a), KEY kb (b))");
  conn_->execute("INSERT INTO t SELECT seq, seq, 'seed' FROM seq_1_to_" + std::to_string(kRows));
  // The burst writer's rows start wide too: ~36 MB of key entries to sort keep the build running for a
  // while, so the burst's changes land during it.
  const std::string wide = std::string(2900, 's');
  conn_->execute("INSERT INTO t SELECT seq + " + std::to_string(kBurstFirst - 1) + ", 0, CONCAT('" + wide +
                 "', seq + " + std::to_string(kBurstFirst - 1) + ") FROM seq_1_to_" + std::to_string(kBurstRows));
  const std::string alter = "ADD COLUMN z INT NOT NULL DEFAULT 7";
  conn_->execute("CREATE TABLE native LIKE t");
  conn_->execute("ALTER TABLE native " + alter);

  const auto old_limit =
      admin_->query("SELECT @@GLOBAL.innodb_online_alter_log_max_size").scalar().value_or("134217728");
  admin_->execute("SET GLOBAL innodb_online_alter_log_max_size = 65536");
  struct Restore {
    SqlConnection& c;
    std::string v;
    ~Restore() { c.execute("SET GLOBAL innodb_online_alter_log_max_size = " + v); }
  } restore{*admin_, old_limit};

  std::vector<Writer> writers(2);
  auto setup = deferring(writers, kRows, alter, 963100);
  const auto& plan = setup.plan;
  auto& cfg = setup.cfg;
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(400);
  auto logger = std::make_shared<spdlog::logger>("deferred-keys-test", sink);
  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, logger);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& wr : writers) threads.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop));
  // The burst writer: 20-row statements that change b (a keyed column) on rows of its own.
  std::map<std::int64_t, std::string> burst;
  std::uint64_t burst_errors = 0, burst_statements = 0;
  std::string burst_error;
  threads.emplace_back([&] {
    SqlThreadGuard guard;
    auto c = SqlConnection::open(settings_);
    for (std::uint64_t round = 1; !stop; ++round) {
      const auto lo = kBurstFirst + static_cast<std::int64_t>((round * 20) % kBurstRows);
      const std::string b = "burst-" + std::to_string(round) + "-" + std::string(2900, 'x');
      try {
        c->update("UPDATE t SET b = CONCAT(?, id) WHERE id BETWEEN ? AND ?", {b, lo, lo + 19});
        ++burst_statements;
        for (auto id = lo; id <= lo + 19; ++id) burst[id] = b + std::to_string(id);
      } catch (const std::exception& e) {
        ++burst_errors;
        burst_error = e.what();
      }
      std::this_thread::sleep_for(10ms);
    }
  });
  {
    BackgroundMigration mig(migrator);
    mig.join();
    stop = true;
    for (auto& th : threads) th.join();
    ASSERT_NO_THROW(mig.result());
  }
  std::string log;
  for (const auto& line : sink->last_formatted()) {
    log += line;
    for (const char* step : {"row copy complete", "LOCK=SHARED", "built the secondary keys", "checksum:", "done:"})
      if (line.find(step) != std::string::npos) std::printf("%s", line.c_str());
  }
  EXPECT_NE(log.find("building them with LOCK=SHARED"), std::string::npos)
      << "the online build never overflowed its 64 KB change log:\n"
      << log;
  EXPECT_EQ(schema_fingerprint(show("t"), "t"), schema_fingerprint(show("native"), "native"))
      << show("t") << "\nnative:\n"
      << show("native");

  EXPECT_EQ(burst_errors, 0u) << burst_error;
  EXPECT_GT(burst_statements, 10u) << "the burst writer barely ran";
  Table expected;
  for (const auto& wr : writers) {
    EXPECT_EQ(wr.errors, 0u) << wr.last_error;
    for (const auto& [id, v] : wr.model) expected[std::to_string(id)] = Row{std::to_string(v.first), v.second};
  }
  // The wide values are compared by their first 24 characters (which hold the burst's round) and
  // their length (the rest is x's and the id): reading 40 MB twice would make the test slow.
  auto digest = [](const std::string& b) {
    return b.size() > 64 ? b.substr(0, 24) + ":" + std::to_string(b.size()) : b;
  };
  for (auto id = kBurstFirst; id < kBurstFirst + kBurstRows; ++id) {
    auto it = burst.find(id);
    expected[std::to_string(id)] = Row{"0", digest(it == burst.end() ? wide + std::to_string(id) : it->second)};
  }
  const std::string columns = "a, IF(LENGTH(b) > 64, CONCAT(LEFT(b, 24), ':', LENGTH(b)), b)";
  const auto got = read_table(*conn_, db_, "t", columns, "id");
  EXPECT_EQ(count_differences(expected, got, read_table(*conn_, db_, "t_del", columns, "id")), 0u);
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t FORCE INDEX (kb) WHERE b LIKE 'burst-%'").scalar(),
            conn_->query("SELECT COUNT(*) FROM t IGNORE INDEX (kb) WHERE b LIKE 'burst-%'").scalar());
}

TEST_F(DeferredIndexesTest, AutoKeepsTheKeysWhileASessionReadsTheBinlog) {
  conn_->execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, KEY ka (a))");
  auto dump_ids = [&] {
    std::set<std::string> ids;
    for (const auto& r :
         admin_->query("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'").rows)
      ids.insert(r.at(0).value_or(""));
    return ids;
  };
  const auto before = dump_ids();
  Inspector inspector(*conn_, InspectorConfig{});
  binlog::StreamSettings s;
  s.connection = binlog_settings(settings_, 930000 + static_cast<std::uint32_t>(::getpid() % 10000));
  auto st = admin_->query("SHOW MASTER STATUS");
  s.start = binlog::BinlogPosition{*st.rows.at(0).at(0), to_uint64(st.rows.at(0).at(1))};
  StreamHarness reader(s, [](std::string_view, std::string_view) { return false; });
  // Our reader's dump session: one that was not there before.
  ASSERT_TRUE(test::eventually(
      [&] {
        for (const auto& id : dump_ids())
          if (!before.count(id)) return true;
        return false;
      },
      60s));
  const auto plan = inspector.inspect(db_, "t", "ADD COLUMN z INT");
  ASSERT_TRUE(plan.binlog_readers) << "the test user has PROCESS";
  EXPECT_GE(*plan.binlog_readers, 1);
  EXPECT_FALSE(plan.cluster_member) << "wsrep_on is OFF on the test server";
  const auto d = decide_key_deferral(KeyDeferral::kAuto, plan, false);
  EXPECT_FALSE(d.defer);
  EXPECT_NE(d.reason.find("read the binlog"), std::string::npos) << d.reason;
  EXPECT_TRUE(decide_key_deferral(KeyDeferral::kOn, plan, false).defer);
}

// A finished run's dump thread is killed, not left until a heartbeat fails on its closed socket
// (about a second): a run started right after would count it as a replica and keep its keys.
TEST_F(DeferredIndexesTest, AFinishedRunLeavesNoBinlogReaderForTheNextRunToCount) {
  conn_->execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, KEY ka (a))");
  conn_->execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_2000");
  conn_->execute("CREATE TABLE u LIKE t");  // the next run's table
  auto readers = [&] {                      // live dump sessions (a killed one shows COMMAND 'Killed')
    std::set<std::string> ids;
    for (const auto& r :
         admin_->query("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'").rows)
      ids.insert(r.at(0).value_or(""));
    return ids;
  };
  const auto before = readers();  // the test replica's, when it runs
  Inspector inspector(*conn_, InspectorConfig{});
  const auto plan = inspector.inspect(db_, "t", "ADD COLUMN z INT");
  auto cfg = test_migrator_config(settings_, 964000);
  std::set<std::string> during;
  cfg.after_copy = [&] { during = readers(); };
  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  migrator.run(std::stop_token{});
  std::vector<std::string> ours, left;
  for (const auto& id : during)
    if (!before.count(id)) ours.push_back(id);
  ASSERT_FALSE(ours.empty()) << "the run's own dump session was not seen while it ran";
  for (const auto& id : readers())
    if (!before.count(id)) left.push_back(id);
  EXPECT_TRUE(left.empty()) << "a dump session outlived the run: " << left.front();
  const auto next = Inspector(*conn_, InspectorConfig{}).inspect(db_, "u", "ADD COLUMN y INT");
  ASSERT_TRUE(next.binlog_readers);
  EXPECT_LE(*next.binlog_readers, static_cast<int>(before.size()));  // a stale one may have gone since
}

}  // namespace
