// `ghostcut migrate` end to end: the real binary against the live server. The password travels
// in GHOSTCUT_PASSWORD, never on the command line, and never appears in the output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "engine/sql/quoting.h"
#include "integration/test_server.h"
#include "support/process.h"

using namespace ghostcut::engine;
using ghostcut::test::CommandResult;
using ghostcut::test::run_ghostcut;
using ghostcut::test::shell_quote;
using ghostcut::testing::LiveServerTest;

namespace {

class MigrateCliTest : public LiveServerTest {
 protected:
  std::string connection_args(std::uint16_t port = 0) const {
    return "--host " + settings_.host + " --port " + std::to_string(port ? port : settings_.port) + " --user " +
           shell_quote(settings_.user) + " --ssl-mode disabled --database " + shell_quote(db_);
  }
  CommandResult migrate(const std::string& table, const std::string& alter, const std::string& extra = "") {
    return run_ghostcut(
        "migrate " + connection_args() + " --table " + table + " --alter " + shell_quote(alter) + " " + extra,
        settings_.password);
  }
  std::map<std::string, std::string> snapshot() {
    std::map<std::string, std::string> out;
    auto t = admin_->query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", {db_});
    for (const auto& r : t.rows) {
      const std::string name = r[0].value_or("");
      out[name] = admin_->query("SHOW CREATE TABLE " + quote_qualified(db_, name)).rows.at(0).at(1).value_or("");
    }
    return out;
  }
};

TEST_F(MigrateCliTest, DryRunPrintsThePlanAndChangesNothing) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))");
  conn_->execute("INSERT INTO t VALUES (1,'a'),(2,'b')");
  const auto before = snapshot();
  auto r = migrate("t", "ADD COLUMN c INT NOT NULL DEFAULT 0");
  EXPECT_EQ(r.status, 0) << r.out;
  for (const char* s : {"Migration plan", "PRIMARY (id)", "columns added:   c", "t_gho", "CREATE TABLE", "Dry run"}) {
    SCOPED_TRACE(s);
    EXPECT_NE(r.out.find(s), std::string::npos) << r.out;
  }
  EXPECT_EQ(r.out.find(settings_.password), std::string::npos) << "password in the output";
  EXPECT_EQ(snapshot(), before);
}

TEST_F(MigrateCliTest, RefusalExitsNonZeroWithTheReason) {
  conn_->execute("CREATE TABLE t (id INT, KEY (id))");
  const auto before = snapshot();
  auto r = migrate("t", "ADD COLUMN c INT");
  EXPECT_EQ(r.status, 4) << r.out;
  EXPECT_NE(r.out.find("migration refused"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no usable unique key"), std::string::npos) << r.out;
  EXPECT_EQ(snapshot(), before);

  r = migrate("missing", "ADD COLUMN c INT");
  EXPECT_EQ(r.status, 4) << r.out;
  EXPECT_NE(r.out.find("`missing` does not exist"), std::string::npos) << r.out;
}

TEST_F(MigrateCliTest, KeepingTheOldTableInSyncIsRefusedUpFrontWithoutAnExactWayBack) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10), w INT)");
  const auto before = snapshot();
  auto r = migrate("t", "DROP COLUMN w", "--keep-old-table-in-sync 1h --execute");
  EXPECT_EQ(r.status, 4) << r.out;
  EXPECT_NE(r.out.find("no exact way back"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("drops column(s) w"), std::string::npos) << r.out;
  EXPECT_EQ(snapshot(), before);
}

TEST_F(MigrateCliTest, BadCredentials) {
  const std::string wrong = "wrong-Pa55word-xyz";
  auto r = run_ghostcut("migrate " + connection_args() + " --table t --alter 'ADD COLUMN c INT'", wrong);
  EXPECT_EQ(r.status, 4) << r.out;
  EXPECT_NE(r.out.find("Access denied"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(wrong), std::string::npos) << "password in the output";
  EXPECT_EQ(r.out.find(settings_.password), std::string::npos) << "password in the output";
}

TEST_F(MigrateCliTest, UnreachableServer) {
  auto r = run_ghostcut("migrate " + connection_args(1) + " --table t --alter 'ADD COLUMN c INT'", settings_.password);
  EXPECT_EQ(r.status, 4) << r.out;
  EXPECT_NE(r.out.find("cannot connect"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("127.0.0.1:1"), std::string::npos) << r.out;
}

TEST_F(MigrateCliTest, BadFlagsAreUsageErrors) {
  struct C {
    const char* args;
    const char* expected;
  };
  const C cases[] = {
      {"--threads 0", "--threads must be between 1 and 64"},
      {"--chunk-size 3", "--chunk-size"},
      {"--no-such-flag", "no-such-flag"},
      {"--max-lag-millis lots", "max-lag-millis"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    auto r = migrate("t", "ADD COLUMN c INT", c.args);
    EXPECT_EQ(r.status, 2) << r.out;
    EXPECT_NE(r.out.find(c.expected), std::string::npos) << r.out;
  }
  auto r = run_ghostcut("migrate " + connection_args() + " --alter 'ADD COLUMN c INT'", settings_.password);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("--table is required"), std::string::npos) << r.out;
}

TEST_F(MigrateCliTest, HelpListsTheGroups) {
  auto r = run_ghostcut("migrate --help", "");
  EXPECT_EQ(r.status, 0) << r.out;
  for (const char* s : {"Connection", "Migration", "Copy", "Cut-over", "Safety", "--alter", "--execute", "--config"}) {
    SCOPED_TRACE(s);
    EXPECT_NE(r.out.find(s), std::string::npos) << r.out;
  }
}

}  // namespace
