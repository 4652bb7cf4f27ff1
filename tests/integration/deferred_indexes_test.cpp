// --defer-secondary-indexes (#19): the copy fills a ghost without its plain secondary keys, which
// are built after the copy while the applier goes on; model-checked writers run throughout, and the
// new table must hold exactly what they committed and be defined exactly as native ALTER defines it.
#include <gtest/gtest.h>

#include <atomic>
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
  seed_models(writers, kRows);
  Inspector inspector(*conn_, InspectorConfig{});
  auto plan = inspector.inspect(db_, "t", alter);
  auto cfg = test_migrator_config(settings_, 963000);
  cfg.defer_secondary_indexes = engine::KeyDeferral::kOn;
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
  std::string after_copy;
  cfg.after_copy = [&] { after_copy = show("t_gho"); };
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
    EXPECT_NE(after_copy.find(key), std::string::npos) << key << " after the copy:\n" << after_copy;
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

}  // namespace
