// gh-ost drop-in, end to end with the real binary on the live server (issue #16): a command line
// from gh-ost's own documentation runs unchanged, --panic-flag-file aborts at once, and hooks
// behave as gh-ost's (which failures stop the migration, several files per event, GH_OST_*).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "engine/sql/quoting.h"
#include "integration/test_server.h"
#include "support/eventually.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace ghostcut::engine;
using namespace std::chrono_literals;
using ghostcut::test::eventually;
using ghostcut::test::read_file;
using ghostcut::test::shell_quote;
using ghostcut::test::split_lines;
using ghostcut::testing::LiveServerTest;

namespace {

class GhOstCompatTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    dir_ = ghostcut::test::make_temp_dir("gc-ghost");
    ASSERT_FALSE(dir_.empty());
    hooks_ = dir_ + "/hooks";
    std::filesystem::create_directory(hooks_);
    // Host, port and credentials come from an option file: the only change to gh-ost's lines.
    cnf_ = dir_ + "/client.cnf";
    std::ofstream(cnf_) << "[client]\nhost=" << settings_.host << "\nport=" << settings_.port
                        << "\nuser=" << settings_.user << "\npassword=" << settings_.password << "\n";
    ::chmod(cnf_.c_str(), 0600);
  }
  void TearDown() override {
    if (migration_.valid()) migration_.wait_for(60s);
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    LiveServerTest::TearDown();
  }
  void make_table(int rows = 300) {
    conn_->execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(64) NOT NULL)");
    conn_->execute("INSERT INTO t SELECT seq, seq, CONCAT('row-', seq) FROM seq_1_to_" + std::to_string(rows));
  }
  // `ghostcut migrate` of t with `args`; the log goes to log_. Returns the exit code.
  std::string command(const std::string& args) {
    return "env HOME=/nonexistent GHOSTCUT_PASSWORD=" + shell_quote(settings_.password) + " " + GHOSTCUT_BINARY +
           " migrate --defaults-file " + cnf_ + " --ssl-mode disabled --database " + shell_quote(db_) +
           " --table t --alter 'ADD COLUMN c INT NULL' --no-attempt-instant --execute --no-serve-socket " + args +
           " >" + log_ + " 2>&1";
  }
  int migrate(const std::string& args) {
    const int st = std::system(command(args).c_str());
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  void start(const std::string& args) {
    const std::string cmd = command(args);
    migration_ = std::async(std::launch::async, [cmd] {
      const int st = std::system(cmd.c_str());
      return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    });
  }
  bool log_has(const std::string& text) { return read_file(log_).find(text) != std::string::npos; }
  int columns() {
    auto r = conn_->query("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't'",
                          {db_});
    return std::stoi(r.rows[0][0].value_or("0"));
  }
  bool table_exists(const std::string& table) {
    return !conn_
                ->query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                        {db_, table})
                .empty();
  }
  // A hook that appends "<its file name>" to calls_ and exits with `code`.
  void hook(const std::string& file, int code, const std::string& extra = "") {
    const std::string path = hooks_ + "/" + file;
    std::ofstream(path) << "#!/bin/sh\necho " << file << " >> " << calls_ << "\n" << extra << "exit " << code << "\n";
    ::chmod(path.c_str(), 0755);
  }
  std::vector<std::string> calls() { return split_lines(read_file(calls_)); }

  std::string dir_, hooks_, cnf_, log_ = "/dev/null";
  std::string calls_;
  std::future<int> migration_;
};

// doc/cheatsheet.md, "b. Connect to master", with --execute; --user/--password/--host come from
// the option file, the replicas' names are the test server's address, and the schema is its own.
TEST_F(GhOstCompatTest, ACommandLineFromGhOstsDocumentationRunsUnchanged) {
  admin_->execute("DROP DATABASE IF EXISTS my_schema");
  admin_->execute("CREATE DATABASE my_schema");
  admin_->execute("CREATE TABLE my_schema.my_table (id INT NOT NULL PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB");
  admin_->execute("INSERT INTO my_schema.my_table SELECT seq, CONCAT('v', seq) FROM my_schema.seq_1_to_2000");
  std::filesystem::remove("/tmp/ghost.panic.flag");
  std::filesystem::remove("/tmp/ghost.postpone.flag");
  log_ = dir_ + "/log";
  const std::string replicas = settings_.host + ":" + std::to_string(settings_.port);
  const std::string cmd = "env HOME=/nonexistent " + std::string(GHOSTCUT_BINARY) + " migrate --defaults-file " + cnf_ +
                          " --ssl-mode disabled"
                          " --max-load=Threads_running=25"
                          " --critical-load=Threads_running=1000"
                          " --chunk-size=1000"
                          " --throttle-control-replicas=\"" +
                          replicas +
                          "\""
                          " --max-lag-millis=1500"
                          " --allow-on-master"
                          " --database=\"my_schema\""
                          " --table=\"my_table\""
                          " --verbose"
                          " --alter=\"engine=innodb\""
                          " --switch-to-rbr"
                          " --allow-master-master"
                          " --cut-over=default"
                          " --exact-rowcount"
                          " --concurrent-rowcount"
                          " --default-retries=120"
                          " --panic-flag-file=/tmp/ghost.panic.flag"
                          " --postpone-cut-over-flag-file=/tmp/ghost.postpone.flag"
                          " --execute >" +
                          log_ + " 2>&1";
  const int st = std::system(cmd.c_str());
  const std::string log = read_file(log_);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << log;
  EXPECT_NE(log.find("migration of my_schema.my_table done"), std::string::npos) << log;
  for (const char* flag :
       {"allow-on-master", "switch-to-rbr", "allow-master-master", "exact-rowcount", "concurrent-rowcount"})
    EXPECT_NE(log.find(std::string("gh-ost flag --") + flag + " ignored"), std::string::npos) << flag;
  auto r = admin_->query("SELECT COUNT(*) FROM my_schema.my_table");
  EXPECT_EQ(r.rows[0][0].value_or(""), "2000");
  EXPECT_TRUE(
      !admin_
           ->query(
               "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA='my_schema' AND TABLE_NAME='my_table_del'")
           .empty());
  admin_->execute("DROP DATABASE my_schema");
}

TEST_F(GhOstCompatTest, PanicFlagFileAbortsAtOnceAndLeavesTheOriginal) {
  make_table();
  log_ = dir_ + "/log";
  const std::string panic = dir_ + "/panic.flag", hold = dir_ + "/hold";
  std::ofstream(hold) << "hold";  // keeps it waiting in sync before the cut-over
  start("--panic-flag-file " + panic + " --postpone-cut-over-flag-file " + hold);
  ASSERT_TRUE(eventually([&] { return log_has("cut-over postponed"); }, 60s)) << read_file(log_);
  std::ofstream(panic) << "";
  ASSERT_EQ(migration_.wait_for(30s), std::future_status::ready) << read_file(log_);
  EXPECT_EQ(migration_.get(), 1) << read_file(log_);
  EXPECT_TRUE(log_has("panic flag file " + panic + " exists: aborting the migration")) << read_file(log_);
  EXPECT_EQ(columns(), 3);
  EXPECT_FALSE(table_exists("t_del"));
}

// gh-ost (go/logic/migrator.go): a failing on-startup, on-validated, on-before-row-copy,
// on-row-copy-complete, on-begin-postponed or on-before-cut-over stops the migration before the
// cut-over; on-failure then runs.
TEST_F(GhOstCompatTest, EachGatingHookThatFailsStopsTheMigrationBeforeTheCutOver) {
  make_table();
  calls_ = dir_ + "/calls";
  const std::vector<std::string> order = {"on-startup",           "on-validated",       "on-before-row-copy",
                                          "on-row-copy-complete", "on-begin-postponed", "on-before-cut-over"};
  for (std::size_t failing = 0; failing < order.size(); ++failing) {
    SCOPED_TRACE(order[failing]);
    std::filesystem::remove_all(hooks_);
    std::filesystem::create_directory(hooks_);
    std::filesystem::remove(calls_);
    for (std::size_t i = 0; i < order.size(); ++i) hook(order[i], i == failing ? 7 : 0);
    hook("on-failure", 0);
    hook("on-success", 0);
    // A postpone flag file that is gone at once: on-begin-postponed fires, then the cut-over goes on.
    const std::string hold = dir_ + "/hold";
    std::ofstream(hold) << "";
    hook("on-begin-postponed", failing == 4 ? 7 : 0, "rm -f " + hold + "\n");
    log_ = dir_ + "/log-" + order[failing];
    const int code = migrate("--hooks-path " + hooks_ + " --postpone-cut-over-flag-file " + hold);
    EXPECT_EQ(code, 1) << read_file(log_);
    EXPECT_TRUE(log_has("hook " + order[failing] + " failed (exit code 7): the migration stops")) << read_file(log_);
    auto expected = std::vector<std::string>(order.begin(), order.begin() + static_cast<long>(failing) + 1);
    expected.push_back("on-failure");
    EXPECT_EQ(calls(), expected);
    EXPECT_EQ(columns(), 3);  // the original is untouched
    EXPECT_FALSE(table_exists("t_del"));
    conn_->execute("DROP TABLE IF EXISTS t_gho, t_ghc");
  }
}

// on-status, on-throttled and on-failure only log; on-success failing exits 5 (the table IS migrated).
TEST_F(GhOstCompatTest, NonGatingHooksOnlyLogAndAFailingOnSuccessExitsFive) {
  make_table();
  calls_ = dir_ + "/calls";
  log_ = dir_ + "/log";
  const std::string hold = dir_ + "/hold", throttle = dir_ + "/throttle";
  std::ofstream(hold) << "";
  std::ofstream(throttle) << "";
  hook("on-status", 9);
  hook("on-throttled", 9);
  hook("on-success", 9);
  start("--hooks-path " + hooks_ + " --hooks-status-interval 1 --status-interval-seconds 1 --throttle-flag-file " +
        throttle + " --postpone-cut-over-flag-file " + hold);
  ASSERT_TRUE(eventually([&] { return log_has("hook on-throttled: failed with exit code 9"); }, 60s))
      << read_file(log_);
  std::filesystem::remove(throttle);
  ASSERT_TRUE(eventually([&] { return log_has("hook on-status: failed with exit code 9"); }, 60s)) << read_file(log_);
  std::filesystem::remove(hold);
  ASSERT_EQ(migration_.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(migration_.get(), 5) << read_file(log_);
  EXPECT_TRUE(log_has("hook on-success failed (exit code 9)")) << read_file(log_);
  EXPECT_EQ(columns(), 4);  // migrated
  EXPECT_TRUE(table_exists("t_del"));
  // A failing on-failure changes nothing either: a refused run stays exit 1.
  std::filesystem::remove_all(hooks_);
  std::filesystem::create_directory(hooks_);
  hook("on-startup", 3);
  hook("on-failure", 9);
  log_ = dir_ + "/log2";
  conn_->execute("DROP TABLE t_del");
  conn_->execute("ALTER TABLE t DROP COLUMN c");
  EXPECT_EQ(migrate("--hooks-path " + hooks_), 1) << read_file(log_);
  EXPECT_TRUE(log_has("hook on-failure: failed with exit code 9")) << read_file(log_);
}

// Several files per event, gh-ost's names too, in name order; the first failure ends the list.
TEST_F(GhOstCompatTest, EveryFileWhoseNameStartsWithTheHookRunsInOrder) {
  make_table();
  calls_ = dir_ + "/calls";
  log_ = dir_ + "/log";
  hook("on-startup", 0);
  hook("on-startup-2-notify", 0);
  hook("gh-ost-on-startup--mail", 0);
  hook("gh-ost-on-startup12345", 0);
  hook("on-success", 0);
  hook("gh-ost-on-success-1", 0);
  hook("gh-ost-on-success-2", 0);
  hook("on-status-not-a-startup", 0);  // belongs to on-status (never fires here)
  const std::string notexec = hooks_ + "/on-startup-3-disabled";
  std::ofstream(notexec) << "#!/bin/sh\necho must-not-run >> " << calls_ << "\n";
  EXPECT_EQ(migrate("--hooks-path " + hooks_), 0) << read_file(log_);
  EXPECT_EQ(calls(), (std::vector<std::string>{"gh-ost-on-startup--mail", "gh-ost-on-startup12345", "on-startup",
                                               "on-startup-2-notify", "gh-ost-on-success-1", "gh-ost-on-success-2",
                                               "on-success"}));
  EXPECT_TRUE(log_has("is not an executable file; not run")) << read_file(log_);
  // The first failing file ends the event's list.
  std::filesystem::remove(calls_);
  hook("gh-ost-on-startup12345", 4);
  conn_->execute("DROP TABLE t_del");
  conn_->execute("ALTER TABLE t DROP COLUMN c");
  EXPECT_EQ(migrate("--hooks-path " + hooks_), 1);
  EXPECT_EQ(calls(), (std::vector<std::string>{"gh-ost-on-startup--mail", "gh-ost-on-startup12345"}));
}

// The full GH_OST_* set of gh-ost's doc/hooks.md, and never a password.
TEST_F(GhOstCompatTest, HooksGetGhOstsFullEnvironmentAndNoPassword) {
  make_table();
  calls_ = dir_ + "/calls";
  log_ = dir_ + "/log";
  for (const char* h : {"gh-ost-on-startup", "gh-ost-on-success", "gh-ost-on-status"}) {
    const std::string path = hooks_ + "/" + h;
    std::ofstream(path) << "#!/bin/sh\nenv > " << dir_ << "/env-" << h << "\n";
    ::chmod(path.c_str(), 0755);
  }
  const std::string hold = dir_ + "/hold";
  std::ofstream(hold) << "";
  start("--hooks-path " + hooks_ + " --hooks-status-interval 1 --postpone-cut-over-flag-file " + hold +
        " --hooks-hint 'the hint' --hooks-hint-owner team-db --hooks-hint-token T-42");
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(dir_ + "/env-gh-ost-on-status"); }, 60s))
      << read_file(log_);
  std::filesystem::remove(hold);
  ASSERT_EQ(migration_.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(migration_.get(), 0) << read_file(log_);
  auto vars = [&](const std::string& hook) {
    std::map<std::string, std::string> out;
    std::istringstream in(read_file(dir_ + "/env-" + hook));
    for (std::string l; std::getline(in, l);)
      if (auto eq = l.find('='); eq != std::string::npos) out[l.substr(0, eq)] = l.substr(eq + 1);
    return out;
  };
  const std::vector<std::string> all_hooks = {
      "GH_OST_DATABASE_NAME", "GH_OST_TABLE_NAME",       "GH_OST_GHOST_TABLE_NAME",     "GH_OST_OLD_TABLE_NAME",
      "GH_OST_DDL",           "GH_OST_ELAPSED_SECONDS",  "GH_OST_ELAPSED_COPY_SECONDS", "GH_OST_ESTIMATED_ROWS",
      "GH_OST_COPIED_ROWS",   "GH_OST_INSPECTED_LAG",    "GH_OST_HEARTBEAT_LAG",        "GH_OST_PROGRESS",
      "GH_OST_ETA_SECONDS",   "GH_OST_MIGRATED_HOST",    "GH_OST_INSPECTED_HOST",       "GH_OST_EXECUTING_HOST",
      "GH_OST_HOOKS_HINT",    "GH_OST_HOOKS_HINT_OWNER", "GH_OST_HOOKS_HINT_TOKEN",     "GH_OST_DRY_RUN",
      "GH_OST_REVERT"};
  for (const char* h : {"gh-ost-on-startup", "gh-ost-on-success", "gh-ost-on-status"}) {
    SCOPED_TRACE(h);
    const auto v = vars(h);
    for (const auto& name : all_hooks) EXPECT_TRUE(v.count(name)) << name;
    EXPECT_EQ(v.count("GH_OST_STATUS"), 1u);
    EXPECT_EQ(v.count("GH_OST_INSTANT_DDL"), 1u);
    for (const auto& [name, value] : v) {
      EXPECT_EQ(name.find("PASSWORD"), std::string::npos) << name;
      EXPECT_EQ(value.find(settings_.password), std::string::npos) << name;
    }
    EXPECT_EQ(v.at("GH_OST_DATABASE_NAME"), db_);
    EXPECT_EQ(v.at("GH_OST_TABLE_NAME"), "t");
    EXPECT_EQ(v.at("GH_OST_GHOST_TABLE_NAME"), "t_gho");
    EXPECT_EQ(v.at("GH_OST_OLD_TABLE_NAME"), "t_del");
    EXPECT_EQ(v.at("GH_OST_DDL"), "ADD COLUMN c INT NULL");
    EXPECT_EQ(v.at("GH_OST_HOOKS_HINT"), "the hint");
    EXPECT_EQ(v.at("GH_OST_HOOKS_HINT_OWNER"), "team-db");
    EXPECT_EQ(v.at("GH_OST_HOOKS_HINT_TOKEN"), "T-42");
    EXPECT_EQ(v.at("GH_OST_DRY_RUN"), "false");
    EXPECT_EQ(v.at("GH_OST_REVERT"), "false");
    EXPECT_EQ(v.at("GH_OST_MIGRATED_HOST"), settings_.host + ":" + std::to_string(settings_.port));
  }
  EXPECT_EQ(vars("gh-ost-on-success").at("GH_OST_COPIED_ROWS"), "300");
  EXPECT_EQ(vars("gh-ost-on-success").at("GH_OST_INSTANT_DDL"), "false");
}

}  // namespace
