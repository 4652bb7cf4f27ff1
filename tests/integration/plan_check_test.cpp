// #15 query plans checked before the switch, and --kill-blockers-after: a dropped index that a
// listed query uses holds the cut-over (both plans in status and in the hook's environment) until
// the operator's `cut-over`; --on-plan-regression=fail exits 1 with the original intact; an ALTER
// that keeps the plans passes; a blocking transaction named exactly in the dry run (MariaDB's
// metadata_lock_info plugin) is killed at the cut-over and the migration completes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "integration/migrator_config.h"
#include "integration/test_server.h"

using namespace ghostcut::engine;
using ghostcut::testing::BackgroundMigration;
using ghostcut::testing::LiveServerTest;
using namespace std::chrono_literals;

namespace {

struct CliRun {
  int status;
  std::string out;
};

std::string sh_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

class PlanCheckTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    dir_ = std::filesystem::temp_directory_path() / ("ghostcut-plan-" + db_);
    std::filesystem::create_directories(dir_);
    conn_->execute(
        "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, b INT NOT NULL, c VARCHAR(32) NOT NULL, KEY kb (b))");
    conn_->execute("INSERT INTO t SELECT seq, seq % 500, CONCAT('row ', seq) FROM seq_1_to_5000");
    conn_->execute("ANALYZE TABLE t");
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    LiveServerTest::TearDown();
  }
  MigrationPlan inspect(const std::string& alter) {
    Inspector inspector(*conn_, InspectorConfig{});
    return inspector.inspect(db_, "t", alter);
  }
  std::string queries_file(const std::string& text) {
    const auto path = (dir_ / "queries.sql").string();
    std::ofstream(path) << text;
    return path;
  }
  CliRun migrate(const std::string& alter, const std::string& extra) {
    const std::string cmd = "env HOME=/nonexistent-ghostcut-home GHOSTCUT_PASSWORD=" + sh_quote(settings_.password) +
                            " " + GHOSTCUT_BINARY + " migrate --host " + settings_.host + " --port " +
                            std::to_string(settings_.port) + " --user " + sh_quote(settings_.user) +
                            " --ssl-mode disabled --database " + sh_quote(db_) + " --table t --alter " +
                            sh_quote(alter) + " --no-serve-socket " + extra + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf{};
    while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    const int st = pclose(p);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
  }
  bool has_index(const std::string& table, const std::string& key) {
    return !conn_->query("SHOW INDEX FROM `" + table + "` WHERE Key_name = '" + key + "'").empty();
  }
  bool table_exists(const std::string& t) { return !conn_->query("SHOW TABLES LIKE '" + t + "'").empty(); }
  // Rows of t that differ from t_del in the columns both keep, plus the difference in counts.
  std::string differences() {
    const auto diff = conn_->query(
        "SELECT (SELECT COUNT(*) FROM t) - (SELECT COUNT(*) FROM t_del), (SELECT COUNT(*) FROM t JOIN t_del "
        "USING (id) WHERE NOT (t.b <=> t_del.b AND t.c <=> t_del.c))");
    return diff.rows.at(0).at(0).value_or("?") + "/" + diff.rows.at(0).at(1).value_or("?");
  }

  std::filesystem::path dir_;
};

TEST_F(PlanCheckTest, ADroppedIndexPostponesTheCutOverWithBothPlansInStatus) {
  const auto plan = inspect("DROP INDEX kb");
  auto cfg = ghostcut::testing::test_migrator_config(settings_, 971000);
  cfg.plan_check.queries = {"SELECT * FROM t WHERE b = 7", "SELECT c FROM t WHERE id = 42"};
  cfg.plan_check.source = "test";
  const auto hooks = dir_ / "hooks";
  std::filesystem::create_directories(hooks);
  const auto hook = (hooks / "on-begin-postponed").string(), seen = (dir_ / "hook-env").string();
  std::ofstream(hook) << "#!/bin/sh\nprintf '%s' \"$GHOSTCUT_PLAN_REGRESSIONS\" > " << seen << "\n";
  ::chmod(hook.c_str(), 0755);
  cfg.hooks_path = hooks.string();
  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  BackgroundMigration run(migrator);
  ASSERT_TRUE(run.wait_for_phase(Phase::kPostponed)) << migrator.status_text();

  const auto text = migrator.status_text(), json = migrator.status_json();
  EXPECT_NE(text.find("2 statement(s) checked, 1 regression(s)"), std::string::npos) << text;
  EXPECT_NE(text.find("query (file): SELECT * FROM t WHERE b = 7"), std::string::npos) << text;
  EXPECT_NE(text.find("original: t: type=ref key=kb"), std::string::npos) << text;
  EXPECT_NE(text.find("ghost:    t: type=ALL key=NULL"), std::string::npos) << text;
  EXPECT_NE(text.find("full table scan"), std::string::npos) << text;
  EXPECT_EQ(text.find("id = 42"), std::string::npos) << "the primary-key lookup did not regress: " << text;
  EXPECT_NE(json.find("\"plan_check\":{\"checked\":2"), std::string::npos) << json;
  EXPECT_NE(json.find("\"original_plan\":\"t: type=ref key=kb"), std::string::npos) << json;
  EXPECT_NE(json.find("\"ghost_plan\":\"t: type=ALL key=NULL"), std::string::npos) << json;
  std::string env;
  std::getline(std::ifstream(seen), env, '\0');
  EXPECT_NE(env.find("original: t: type=ref key=kb"), std::string::npos) << "hook saw: " << env;
  EXPECT_TRUE(has_index("t", "kb")) << "held: the original is still in place";

  // The operator's `cut-over` goes ahead despite the regression.
  const auto released = std::chrono::steady_clock::now();
  EXPECT_TRUE(migrator.handle_control_line("cut-over").ok);
  run.join();
  std::printf(
      "released by `cut-over`: swapped %lld ms later\n",
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - released).count()));
  const auto& r = run.result();
  EXPECT_GE(r.cut_over.attempts, 1);
  EXPECT_FALSE(has_index("t", "kb")) << "the ALTER is done";
  EXPECT_EQ(differences(), "0/0");
}

TEST_F(PlanCheckTest, AnIndexAddedToTheHeldGhostLetsTheCutOverGoOn) {
  const auto plan = inspect("DROP INDEX kb, ADD COLUMN d INT NULL");
  auto cfg = ghostcut::testing::test_migrator_config(settings_, 973000);
  cfg.plan_check.queries = {"SELECT id FROM t WHERE b = 9"};
  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  BackgroundMigration run(migrator);
  ASSERT_TRUE(run.wait_for_phase(Phase::kPostponed)) << migrator.status_text();
  // The DBA's fix, on the ghost: the plan check sees it before the next attempt, nothing else does.
  conn_->execute("ALTER TABLE t_gho ADD INDEX kb_new (b)");
  run.join();
  const auto& r = run.result();
  EXPECT_GE(r.cut_over.attempts, 1);
  EXPECT_FALSE(runtime.cut_over_requested()) << "no operator override was needed";
  EXPECT_TRUE(has_index("t", "kb_new"));
  EXPECT_EQ(differences(), "0/0");
  const auto json = migrator.status_json();
  EXPECT_NE(json.find("\"regressions\":[]"), std::string::npos) << json;
}

TEST_F(PlanCheckTest, ANonRegressingAlterPasses) {
  const auto plan = inspect("ADD COLUMN d INT NULL, ADD INDEX kc (c)");
  auto cfg = ghostcut::testing::test_migrator_config(settings_, 972000);
  cfg.plan_check.queries = {"SELECT * FROM t WHERE b = 7", "SELECT c FROM t WHERE id = 42",
                            "SELECT t.id FROM t JOIN t AS u ON u.id = t.id + 1 WHERE t.b BETWEEN 3 AND 4"};
  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  const auto r = migrator.run(std::stop_token{});
  EXPECT_EQ(r.cut_over.attempts, 1);
  const auto json = migrator.status_json();
  EXPECT_NE(json.find("\"plan_check\":{\"checked\":3,\"on_regression\":\"postpone\",\"regressions\":[]}"),
            std::string::npos)
      << json;
  EXPECT_TRUE(has_index("t", "kc"));
  EXPECT_EQ(differences(), "0/0");
}

TEST_F(PlanCheckTest, FailExitsWithTheOriginalIntactAndTheDryRunChecksTheQueries) {
  // The dry run EXPLAINs each statement on the original and refuses what cannot be checked.
  const auto bad =
      migrate("DROP INDEX kb", "--check-queries " + queries_file("SELECT * FROM t WHERE b = 7\nDELETE FROM t\n"));
  EXPECT_EQ(bad.status, 4) << bad.out;
  EXPECT_NE(bad.out.find("not a SELECT: DELETE FROM t"), std::string::npos) << bad.out;
  const auto file = queries_file("SELECT * FROM t WHERE b = 7;\nSELECT c FROM t WHERE id = 42;\n");
  const auto dry = migrate("DROP INDEX kb", "--check-queries " + file);
  EXPECT_EQ(dry.status, 0) << dry.out;
  EXPECT_NE(dry.out.find("plan now: t: type=ref key=kb"), std::string::npos) << dry.out;
  const auto json = migrate("DROP INDEX kb", "--check-queries " + file + " --plan-format json");
  EXPECT_EQ(json.status, 0) << json.out;
  EXPECT_NE(json.out.find("\"phased_checks\":{\"queries\":[{\"query\":\"SELECT * FROM t WHERE b = 7\",\"plan\":\"t: "
                          "type=ref key=kb"),
            std::string::npos)
      << json.out;

  const auto run = migrate("DROP INDEX kb", "--execute --check-queries " + file +
                                                " --on-plan-regression fail --cut-over-lock-timeout-seconds 1");
  EXPECT_EQ(run.status, 1) << run.out;  // failed, the original intact
  EXPECT_NE(run.out.find("--on-plan-regression=fail"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("type ref (key kb) -> ALL"), std::string::npos) << run.out;
  EXPECT_TRUE(has_index("t", "kb"));
  EXPECT_FALSE(table_exists("t_del"));
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t").scalar(), "5000");
}

class BlockersTest : public PlanCheckTest {
 protected:
  void TearDown() override {
    if (installed_) admin_->execute("UNINSTALL SONAME 'metadata_lock_info'");
    PlanCheckTest::TearDown();
  }
  bool plugin_active() {
    return admin_
               ->query(
                   "SELECT COUNT(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'METADATA_LOCK_INFO' "
                   "AND PLUGIN_STATUS = 'ACTIVE'")
               .scalar() == "1";
  }
  bool installed_ = false;
};

TEST_F(BlockersTest, ABlockerIsNamedInTheDryRunAndKilledAtTheCutOver) {
  if (plugin_active()) GTEST_SKIP() << "metadata_lock_info is loaded on this server already (not by this test)";
  const std::string alter = "MODIFY c VARCHAR(40) NOT NULL";  // not instant: copied, then cut over
  // Without exact holders the flag is refused before anything is touched.
  const auto refused = migrate(alter, "--kill-blockers-after 1");
  EXPECT_EQ(refused.status, 4) << refused.out;
  EXPECT_NE(refused.out.find("INSTALL SONAME 'metadata_lock_info'"), std::string::npos) << refused.out;

  try {
    admin_->execute("INSTALL SONAME 'metadata_lock_info'");
  } catch (const SqlError& e) {
    GTEST_SKIP() << "cannot load metadata_lock_info: " << e.what();
  }
  installed_ = true;
  auto blocker = SqlConnection::open(settings_);
  blocker->execute("BEGIN");
  blocker->query("SELECT COUNT(*) FROM t WHERE b = 3");  // holds t's metadata lock until it ends
  const auto dry = migrate(alter, "--kill-blockers-after 1");
  EXPECT_EQ(dry.status, 0) << dry.out;
  const std::string id = std::to_string(blocker->connection_id());
  EXPECT_NE(dry.out.find("lock holders:    id " + id + " ("), std::string::npos) << "named, exactly: " << dry.out;
  EXPECT_NE(dry.out.find("information_schema.METADATA_LOCK_INFO"), std::string::npos) << dry.out;

  // Any attempt made while the blocker is younger than 1 s waits the 1 s lock timeout and is
  // retried; the next one kills it.
  const auto run = migrate(alter,
                           "--execute --kill-blockers-after 1 --cut-over-lock-timeout-seconds 1 "
                           "--no-attempt-instant");
  EXPECT_EQ(run.status, 0) << run.out;
  const auto kill = run.out.find("kill-blockers: killed session " + id);
  ASSERT_NE(kill, std::string::npos) << run.out;
  const auto done = run.out.find("cut-over: done in attempt");
  std::printf("%s\n%s\n", run.out.substr(kill, run.out.find('\n', kill) - kill).c_str(),
              done == std::string::npos ? "" : run.out.substr(done, run.out.find('\n', done) - done).c_str());
  EXPECT_THROW(blocker->query("SELECT 1"), SqlError) << "the blocker's connection was killed";
  EXPECT_EQ(differences(), "0/0");
  EXPECT_EQ(conn_
                ->query("SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND "
                        "TABLE_NAME = 't' AND COLUMN_NAME = 'c'",
                        {db_})
                .scalar(),
            "40");
}

}  // namespace

namespace {

TEST_F(BlockersTest, TheInstantAlterEndsABlockerToo) {
  if (plugin_active()) GTEST_SKIP() << "metadata_lock_info is loaded on this server already (not by this test)";
  try {
    admin_->execute("INSTALL SONAME 'metadata_lock_info'");
  } catch (const SqlError& e) {
    GTEST_SKIP() << "cannot load metadata_lock_info: " << e.what();
  }
  installed_ = true;
  const auto plan = inspect("ADD COLUMN z INT NULL");
  ASSERT_TRUE(plan.instant.possible) << plan.instant.reason;
  auto blocker = SqlConnection::open(settings_);
  blocker->execute("BEGIN");
  blocker->query("SELECT COUNT(*) FROM t WHERE b = 4");
  auto cfg = ghostcut::testing::test_migrator_config(settings_, 974000);
  cfg.attempt_instant = true;
  cfg.kill_blockers_after = 1s;
  cfg.cut_over.lock_timeout = 1s;
  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  const auto r = migrator.run(std::stop_token{});
  ASSERT_TRUE(r.instant);
  EXPECT_TRUE(r.instant->done) << r.instant->declined;
  EXPECT_THROW(blocker->query("SELECT 1"), SqlError) << "the blocker's connection was killed";
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE z IS NULL").scalar(), "5000");
  std::printf("instant with a blocker: done in attempt %d\n", r.instant->attempts);
}

}  // namespace
