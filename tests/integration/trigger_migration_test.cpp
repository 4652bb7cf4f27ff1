// --include-triggers (issue #16) on the live server: a table whose AFTER INSERT/UPDATE/DELETE
// triggers write an audit row (with the writing session's CONNECTION_ID()) and bump a counter is
// migrated under concurrent writers (inserts, updates, key changes, deletes, multi-row
// transactions) through the copy and the cut-over. Afterwards every side effect must be there
// exactly once: the counters equal the writes the writers committed, every audit row was written
// by a writer's session (a ghost trigger fired by ghostcut's copy or applier would log ghostcut's
// session), and replaying the audit log from the seed rebuilds the final table exactly (a missed
// or doubled insert, key change or delete breaks the replay).
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "engine/cutover/ghost_triggers.h"
#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "engine/sql/sql_error.h"
#include "integration/migrator_config.h"
#include "integration/model_writer.h"
#include "integration/test_server.h"
#include "support/process.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using namespace ghostcut::testing;
using namespace std::chrono_literals;

namespace {

constexpr int kSeedRows = 2000;

class TriggerMigrationTest : public LiveServerTest {
 protected:
  // t, its seed rows (written before the triggers: no audit rows for them), the audit and counter
  // tables and three AFTER triggers (two on INSERT, to check their order is kept).
  void make_tables() {
    conn_->execute("SET SESSION lock_wait_timeout = 20");
    conn_->execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(64) NOT NULL)");
    conn_->execute("INSERT INTO t SELECT seq, seq, 'seed' FROM seq_1_to_" + std::to_string(kSeedRows));
    conn_->execute(
        "CREATE TABLE audit (n BIGINT AUTO_INCREMENT PRIMARY KEY, op CHAR(1) NOT NULL, old_id BIGINT NULL, "
        "new_id BIGINT NULL, a BIGINT NULL, b VARCHAR(64) NULL, conn BIGINT NOT NULL)");
    conn_->execute("CREATE TABLE counter (op CHAR(1) PRIMARY KEY, n BIGINT NOT NULL)");
    conn_->execute("INSERT INTO counter VALUES ('I', 0), ('U', 0), ('D', 0), ('X', 0)");
    conn_->execute(
        "CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW BEGIN "
        "INSERT INTO audit (op, new_id, a, b, conn) VALUES ('I', NEW.id, NEW.a, NEW.b, CONNECTION_ID()); "
        "UPDATE counter SET n = n + 1 WHERE op = 'I'; END");
    conn_->execute(
        "CREATE TRIGGER t_au AFTER UPDATE ON t FOR EACH ROW BEGIN "
        "INSERT INTO audit (op, old_id, new_id, a, b, conn) VALUES ('U', OLD.id, NEW.id, NEW.a, NEW.b, "
        "CONNECTION_ID()); UPDATE counter SET n = n + 1 WHERE op = 'U'; END");
    conn_->execute(
        "CREATE TRIGGER t_ad AFTER DELETE ON t FOR EACH ROW BEGIN "
        "INSERT INTO audit (op, old_id, conn) VALUES ('D', OLD.id, CONNECTION_ID()); "
        "UPDATE counter SET n = n + 1 WHERE op = 'D'; END");
    // A second AFTER INSERT trigger after the first: its order must survive (MariaDB FOLLOWS).
    conn_->execute(
        "CREATE TRIGGER t_ai_x AFTER INSERT ON t FOR EACH ROW FOLLOWS t_ai "
        "UPDATE counter SET n = n + 1 WHERE op = 'X'");
    // Writers deadlock among themselves on the counter rows their triggers update: InnoDB rolls the
    // victim's whole transaction back (its trigger effects too), so the models stay right.
    writers_ = std::vector<Writer>(3);
    seed_models(writers_, kSeedRows);
    for (auto& wr : writers_) {
      wr.lock_wait_timeout = 30;
      wr.on_commit = [this] { ++ops_; };
    }
  }

  void start_writers() {
    stop_ = false;
    for (auto& wr : writers_) threads_.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop_));
  }
  void stop_writers() {
    stop_ = true;
    for (auto& th : threads_) th.join();
    threads_.clear();
    for (const auto& wr : writers_) EXPECT_EQ(wr.errors, 0u) << wr.last_error;
  }
  std::uint64_t total_ops() const { return ops_.load(); }
  // Until the writers committed `n` more operations (bounded: the test fails if they stall).
  void let_writers_run(std::uint64_t n) {
    const auto from = total_ops();
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (total_ops() < from + n && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
    EXPECT_GE(total_ops(), from + n) << "the writers stalled";
  }

  MigrationPlan plan(const TriggerOptions& o, const std::string& alter) {
    InspectorConfig ic;
    ic.resume = true;
    ic.triggers = o;
    Inspector inspector(*conn_, ic);
    return inspector.inspect(db_, "t", alter);
  }
  MigratorConfig config() {
    auto cfg = test_migrator_config(settings_, 61000);
    cfg.copier.initial_chunk_size = 200;
    cfg.ok_to_drop_table = true;
    cfg.cut_over.retry_backoff = 100ms;
    // The applier has work after the copy: writes keep coming while the ghost catches up.
    cfg.after_copy = [this] { let_writers_run(50); };
    return cfg;
  }
  MigrationResult run(const MigrationPlan& p, const MigratorConfig& cfg) {
    RuntimeSettings runtime;
    ProgressCounters progress;
    auto logger = spdlog::default_logger()->clone("triggers");
    logger->set_level(spdlog::level::warn);
    Migrator migrator(cfg, p, runtime, progress, logger);
    return migrator.run(std::stop_token{});
  }

  // Triggers on `table`: name → "timing event order definer sql_mode charset collation body".
  std::map<std::string, std::string> triggers_on(const std::string& table) {
    std::map<std::string, std::string> out;
    auto r = conn_->query(
        "SELECT TRIGGER_NAME, CONCAT_WS(' | ', ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, DEFINER, SQL_MODE, "
        "CHARACTER_SET_CLIENT, COLLATION_CONNECTION, ACTION_STATEMENT) FROM information_schema.TRIGGERS "
        "WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ?",
        {db_, table});
    for (const auto& row : r.rows) out[row[0].value_or("")] = row[1].value_or("");
    return out;
  }

  // Every side effect exactly once: see the file's comment. `extra_conns`: other sessions that
  // legitimately wrote to t (the test's own).
  void expect_side_effects_exactly_once(const std::set<std::string>& extra_conns = {},
                                        std::uint64_t extra_inserts = 0) {
    std::uint64_t ins = extra_inserts, upd = 0, del = 0;
    std::set<std::string> conns = extra_conns;
    std::map<std::int64_t, std::pair<std::int64_t, std::string>> expected;
    for (const auto& wr : writers_) {
      ins += wr.inserts;
      upd += wr.updates;
      del += wr.deletes;
      conns.insert(std::to_string(wr.connection_id));
      expected.insert(wr.model.begin(), wr.model.end());
    }
    auto counter = [&](const char* op) {
      return std::stoull(conn_->query("SELECT n FROM counter WHERE op = ?", {std::string(op)}).scalar().value_or("0"));
    };
    EXPECT_EQ(counter("I"), ins) << "inserts' side effects";
    EXPECT_EQ(counter("X"), ins) << "the second insert trigger's side effects";
    EXPECT_EQ(counter("U"), upd) << "updates' side effects";
    EXPECT_EQ(counter("D"), del) << "deletes' side effects";
    auto audit = conn_->query("SELECT op, old_id, new_id, a, b, conn FROM audit ORDER BY n");
    EXPECT_EQ(audit.rows.size(), ins + upd + del);
    // Replay from the seed.
    std::map<std::int64_t, std::pair<std::int64_t, std::string>> replay;
    for (std::int64_t id = 1; id <= kSeedRows; ++id) replay[id] = {id, "seed"};
    std::size_t problems = 0;
    for (const auto& row : audit.rows) {
      const std::string op = row[0].value_or("");
      if (!conns.count(row[5].value_or(""))) {
        if (++problems < 10)
          ADD_FAILURE() << "audit row " << op << " by session " << row[5].value_or("") << ", no writer";
      }
      if (op == "I") {
        const auto id = std::stoll(*row[2]);
        if (replay.count(id) && ++problems < 10) ADD_FAILURE() << "insert of " << id << " logged twice";
        replay[id] = {std::stoll(*row[3]), *row[4]};
      } else if (op == "U") {
        const auto from = std::stoll(*row[1]), to = std::stoll(*row[2]);
        if (!replay.count(from)) {
          if (++problems < 10) ADD_FAILURE() << "update of missing " << from;
          continue;
        }
        replay.erase(from);
        replay[to] = {std::stoll(*row[3]), *row[4]};
      } else if (op == "D") {
        const auto id = std::stoll(*row[1]);
        if (!replay.erase(id) && ++problems < 10) ADD_FAILURE() << "delete of missing " << id;
      }
    }
    EXPECT_EQ(problems, 0u);
    std::map<std::int64_t, std::pair<std::int64_t, std::string>> table;
    for (const auto& row : conn_->query("SELECT id, a, b FROM t").rows)
      table[std::stoll(*row[0])] = {std::stoll(*row[1]), *row[2]};
    EXPECT_EQ(table.size(), expected.size());
    EXPECT_TRUE(table == expected) << "t differs from what the writers committed";
    EXPECT_TRUE(replay == table) << "replaying the audit log does not give t";
  }

  void TearDown() override {
    stop_ = true;  // a failed assertion or an exception must not leave writers running
    for (auto& th : threads_)
      if (th.joinable()) th.join();
    LiveServerTest::TearDown();
  }

  std::vector<Writer> writers_;
  std::atomic<std::uint64_t> ops_{0};  // committed by all writers, read while they run
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
};

// The acceptance test: triggers recreated on the new table and swapped with it, each side effect
// exactly once under writes, across two migrations (suffix added, then removed again).
TEST_F(TriggerMigrationTest, TriggersFollowTheTableWithEachSideEffectOnceUnderWrites) {
  make_tables();
  const auto originals = triggers_on("t");
  ASSERT_EQ(originals.size(), 4u);
  start_writers();
  let_writers_run(50);

  auto p1 = plan({true, "_gc", false, false}, "ADD COLUMN z INT NOT NULL DEFAULT 7");
  ASSERT_EQ(p1.triggers.size(), 4u);
  auto r1 = run(p1, config());
  EXPECT_GT(r1.events_applied, 0u) << "no writes reached the applier: the test proves little";
  let_writers_run(50);  // writes on the new table fire its triggers

  // The new table has the triggers with the suffix, identical otherwise; the old one was dropped.
  auto now = triggers_on("t");
  ASSERT_EQ(now.size(), 4u);
  for (const auto& [name, what] : originals) {
    ASSERT_TRUE(now.count(name + "_gc")) << name;
    EXPECT_EQ(now[name + "_gc"], what) << name;
  }
  EXPECT_TRUE(triggers_on("t_gho").empty());

  // Second migration with --remove-trigger-suffix-if-exists: the original names come back.
  auto p2 = plan({true, "_gc", true, false}, "DROP COLUMN z");
  ASSERT_EQ(p2.triggers.size(), 4u);
  auto r2 = run(p2, config());
  EXPECT_GT(r2.events_applied, 0u);
  let_writers_run(50);
  stop_writers();
  EXPECT_EQ(triggers_on("t"), originals);
  EXPECT_TRUE(conn_->query("SHOW COLUMNS FROM t LIKE 'z'").empty());

  std::printf("triggers: %llu writer ops; events applied %llu and %llu; cut-over stalls %lld and %lld ms\n",
              static_cast<unsigned long long>(total_ops()), static_cast<unsigned long long>(r1.events_applied),
              static_cast<unsigned long long>(r2.events_applied),
              static_cast<long long>(r1.cut_over.write_stall.count()),
              static_cast<long long>(r2.cut_over.write_stall.count()));
  // And they fire for a session of the test's own after the swaps.
  conn_->update("INSERT INTO t (id, a, b) VALUES (?, 5, 'after')", {std::int64_t{-1}});
  writers_[0].model[-1] = {5, "after"};
  expect_side_effects_exactly_once({std::to_string(conn_->connection_id())}, 1);
}

// Cut-over attempts that fail after the triggers were created (the seam throws where a lock or
// drain timeout would) leave no trigger on the ghost: the applier resumes between the attempts and
// after the run's failure nothing fired twice. Then a run that crashed in its cut-over is
// simulated (triggers left on the ghost) and resumed: it drops them before applying anything.
TEST_F(TriggerMigrationTest, FailedCutOverAttemptsAndResumeLeaveNoTriggersOnTheGhost) {
  make_tables();
  start_writers();
  let_writers_run(30);
  auto p = plan({true, "_gc", false, false}, "ADD COLUMN z INT NOT NULL DEFAULT 7");
  auto cfg = config();
  cfg.cut_over.retries = 1;
  std::vector<std::size_t> on_ghost_during;
  cfg.cut_over.before_unlock = [&](int) {
    // Under the lock, after the triggers went on: the test's own session can read them (the
    // information_schema lock is compatible with the cut-over's).
    on_ghost_during.push_back(triggers_on("t_gho").size());
    throw std::runtime_error("injected cut-over failure");
  };
  std::string error;
  try {
    run(p, cfg);
  } catch (const std::exception& e) {
    error = e.what();
  }
  EXPECT_NE(error.find("injected"), std::string::npos) << error;
  // Each attempt that got that far had created all four (a drain timeout on a loaded machine may
  // end an attempt before; then it created none).
  ASSERT_FALSE(on_ghost_during.empty());
  for (auto n : on_ghost_during) EXPECT_EQ(n, 4u);
  EXPECT_TRUE(triggers_on("t_gho").empty()) << "the failed attempts left triggers on the ghost";
  EXPECT_EQ(triggers_on("t").size(), 4u);
  EXPECT_FALSE(conn_->query("SHOW TABLES LIKE 't_gho'").empty()) << "kept for the resume";

  // A run killed between creating the triggers and the swap leaves them on the ghost; the next
  // run (resuming into t_gho) must drop them before its applier writes anything there.
  {
    auto c = SqlConnection::open(settings_);
    create_ghost_triggers(*c, p);
  }
  ASSERT_EQ(triggers_on("t_gho").size(), 4u);
  let_writers_run(30);  // changes for the resumed applier to apply
  auto r = run(p, config());
  EXPECT_TRUE(r.resumed);
  let_writers_run(30);
  stop_writers();
  EXPECT_EQ(triggers_on("t").size(), 4u);
  EXPECT_TRUE(triggers_on("t").count("t_ai_gc"));
  EXPECT_FALSE(conn_->query("SHOW COLUMNS FROM t LIKE 'z'").empty());
  expect_side_effects_exactly_once();
}

// The real crash: `ghostcut migrate` SIGKILLs itself right after creating the ghost's triggers
// (before the sentry drop), with writers running. The original stays live (the RENAME fails on the
// sentry), the operator drops the sentry as the next run advises, and the run after that resumes
// into t_gho: it drops the leftover triggers before applying and finishes; every side effect once.
TEST_F(TriggerMigrationTest, KilledAfterCreatingTheTriggersResumesWithEachSideEffectOnce) {
  make_tables();
  start_writers();
  let_writers_run(30);
  auto ghostcut = [&](const std::string& fault, std::string& out) {
    const std::string log = "/tmp/gc-trig-kill-" + std::to_string(::getpid()) + ".log";
    const std::string cmd =
        "exec env HOME=/nonexistent GHOSTCUT_PASSWORD='" + settings_.password +
        "' GHOSTCUT_TEST_CUT_OVER_FAULT=" + fault + " " + GHOSTCUT_BINARY + " migrate --host " + settings_.host +
        " --port " + std::to_string(settings_.port) + " --user '" + settings_.user +
        "' --ssl-mode disabled --no-serve-socket --database " + db_ +
        " --table t --alter 'ADD COLUMN z INT NOT NULL DEFAULT 7' --execute --no-attempt-instant --include-triggers "
        "--trigger-suffix _gc --cut-over-lock-timeout-seconds 3 --heartbeat-interval-millis 100 >" +
        log + " 2>&1";
    const int st = std::system(cmd.c_str());
    std::ifstream in(log);
    std::stringstream s;
    s << in.rdbuf();
    out = s.str();
    ::unlink(log.c_str());
    return st;
  };
  std::string out;
  const int st = ghostcut("triggers:kill", out);
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << st << "\n" << out;
  let_writers_run(30);  // on the original: the lock went with the process, the RENAME failed
  EXPECT_TRUE(conn_->query("SHOW COLUMNS FROM t LIKE 'z'").empty()) << "swapped although killed before the drop";
  EXPECT_EQ(triggers_on("t_gho").size(), 4u) << "the crash should leave the ghost's triggers";
  ASSERT_EQ(conn_
                ->query("SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND "
                        "TABLE_NAME = 't_del'",
                        {db_})
                .scalar(),
            "ghostcut cut-over sentry");
  conn_->execute("DROP TABLE t_del");
  const int st2 = ghostcut("", out);
  EXPECT_TRUE(WIFEXITED(st2) && WEXITSTATUS(st2) == 0) << out;
  EXPECT_NE(out.find("dropped 4 trigger(s) an interrupted cut-over left on t_gho"), std::string::npos) << out;
  let_writers_run(30);
  stop_writers();
  EXPECT_FALSE(conn_->query("SHOW COLUMNS FROM t LIKE 'z'").empty());
  EXPECT_TRUE(triggers_on("t").count("t_ai_gc"));
  expect_side_effects_exactly_once();
}

TEST_F(TriggerMigrationTest, RefusedWithoutTheFlagAndWhenItCannotBeDoneFaithfully) {
  make_tables();
  auto refusals = [&](const TriggerOptions& o) {
    try {
      plan(o, "ADD COLUMN z INT");
    } catch (const InspectionError& e) {
      std::string all;
      for (const auto& r : e.refusals()) all += r + "\n";
      return all;
    }
    return std::string();
  };
  const auto none = refusals({});
  EXPECT_NE(none.find("has triggers (t_ad, t_ai, t_ai_x, t_au)"), std::string::npos) << none;
  EXPECT_NE(none.find("--include-triggers --trigger-suffix"), std::string::npos) << none;
  EXPECT_EQ(refusals({true, "_gc", false, false}), "");
  EXPECT_NE(refusals({true, "_gc", false, true}).find("--keep-old-table-in-sync"), std::string::npos);
  // A suffixed name taken by another table's trigger.
  conn_->execute("CREATE TABLE other (id INT PRIMARY KEY)");
  conn_->execute("CREATE TRIGGER t_ai_gc BEFORE INSERT ON other FOR EACH ROW SET NEW.id = NEW.id");
  EXPECT_NE(refusals({true, "_gc", false, false}).find("`t_ai_gc` (for `t_ai`) already exists on `other`"),
            std::string::npos);
  // Over 64 characters.
  const auto long_suffix = std::string(62, 'x');
  EXPECT_NE(refusals({true, long_suffix, false, false}).find("longer than 64 characters"), std::string::npos);
  // Nothing was created by any of this.
  EXPECT_TRUE(conn_->query("SHOW TABLES LIKE 't\\_g%'").empty());
}

TEST(TriggerPrivileges, AnotherDefinerNeedsSuperOrSetUser) {
  const std::vector<std::string> db_only = {"GRANT USAGE ON *.* TO `u`@`%`",
                                            "GRANT ALL PRIVILEGES ON `d`.* TO `u`@`%`"};
  EXPECT_TRUE(missing_trigger_privileges(db_only, "d", Flavour::kMariaDb, false).empty());
  const auto other = missing_trigger_privileges(db_only, "d", Flavour::kMariaDb, true);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_NE(other[0].find("SUPER or SET USER"), std::string::npos);
  EXPECT_TRUE(missing_trigger_privileges({"GRANT SET USER ON *.* TO `u`@`%`", db_only[1]}, "d", Flavour::kMariaDb, true)
                  .empty());
  EXPECT_TRUE(
      missing_trigger_privileges({"GRANT SET_USER_ID ON *.* TO `u`@`%`", db_only[1]}, "d", Flavour::kMySql, true)
          .empty());
  const auto no_trigger = missing_trigger_privileges(
      {"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER ON `d`.* TO `u`@`%`"}, "d", Flavour::kMySql, false);
  ASSERT_EQ(no_trigger.size(), 1u);
  EXPECT_NE(no_trigger[0].find("TRIGGER"), std::string::npos);
}

// The flags are accepted by the binary under gh-ost's names and rules.
TEST_F(TriggerMigrationTest, CliAcceptsGhOstTriggerFlags) {
  make_tables();
  auto ghostcut = [&](const std::string& args, std::string& out) {
    const auto r = ghostcut::test::run_ghostcut(
        "migrate --host " + settings_.host + " --port " + std::to_string(settings_.port) + " --user " +
            ghostcut::test::shell_quote(settings_.user) + " --ssl-mode disabled --no-serve-socket --database " + db_ +
            " --table t --alter 'ADD COLUMN z INT' " + args,
        settings_.password);
    out = r.out;
    return r.status;
  };
  std::string out;
  EXPECT_EQ(ghostcut("--include-triggers --trigger-suffix _gc --remove-trigger-suffix-if-exists", out), 0) << out;
  EXPECT_NE(out.find("t_ai_x (AFTER INSERT"), std::string::npos) << out;
  EXPECT_NE(out.find("-> t_ai_x_gc on the new table"), std::string::npos) << out;
  EXPECT_EQ(ghostcut("--include-triggers=true --trigger-suffix=_gc", out), 0) << out;
  EXPECT_EQ(ghostcut("--include-triggers", out), 2) << out;
  EXPECT_NE(out.find("needs --trigger-suffix"), std::string::npos) << out;
  EXPECT_EQ(ghostcut("--trigger-suffix _gc", out), 2) << out;
  EXPECT_EQ(ghostcut("--include-triggers --trigger-suffix 'a-b'", out), 2) << out;
  EXPECT_EQ(ghostcut("", out), 4) << out;  // refused before any change
  EXPECT_NE(out.find("--include-triggers"), std::string::npos) << out;
}

}  // namespace
