// #15 statement digests: on a server of its own with performance_schema on (scripts/test-server
// with GHOSTCUT_TEST_SERVER_PERFORMANCE_SCHEMA=1), the statements the application ran against the
// table are found by digest and EXPLAINed before the cut-over. An ALTER that drops the index
// a frequent query uses fails with --on-plan-regression=fail (the original intact), and with
// =warn it is logged, named with both plans, and the migration completes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "integration/test_server.h"
#include "support/process.h"

using namespace ghostcut::engine;
using ghostcut::test::run_ghostcut;
using ghostcut::test::run_shell;
using ghostcut::test::shell_quote;

namespace {

class PlanDigestTest : public ::testing::Test {
 protected:
  static std::string script(const std::string& args) {
    return std::string(GHOSTCUT_SOURCE_DIR) + "/scripts/test-server " + args + " --name " + name_;
  }
  static void SetUpTestSuite() {
    if (!ghostcut::testing::test_server_settings()) return;  // no server here: the tests skip
    name_ = "digest-" + std::to_string(::getpid());
    const auto started = run_shell("GHOSTCUT_TEST_SERVER_PERFORMANCE_SCHEMA=1 " + script("start"));
    if (started.status != 0) {
      failure_ = "scripts/test-server start failed: " + started.out;
      return;
    }
    ghostcut::ConnectionSettings s;
    auto value = [&](const std::string& key) {
      const auto p = started.out.find("export " + key + "=");
      if (p == std::string::npos) return std::string();
      const auto b = p + key.size() + 8;
      return started.out.substr(b, started.out.find('\n', b) - b);
    };
    s.host = value("GHOSTCUT_TEST_HOST");
    s.port = static_cast<std::uint16_t>(std::stoi(value("GHOSTCUT_TEST_PORT")));
    s.user = value("GHOSTCUT_TEST_USER");
    s.password = value("GHOSTCUT_TEST_PASSWORD");
    settings_ = s;
  }
  static void TearDownTestSuite() {
    if (!name_.empty()) run_shell(script("stop"));
  }
  void SetUp() override {
    if (!ghostcut::testing::test_server_settings()) GTEST_SKIP() << "no test server (scripts/test starts one)";
    ASSERT_TRUE(failure_.empty()) << failure_;
    sql_driver_init();
    auto admin = SqlConnection::open(*settings_);
    ASSERT_EQ(admin->query("SELECT @@performance_schema").scalar(), "1");
    admin->execute("DROP DATABASE IF EXISTS d");
    admin->execute("CREATE DATABASE d");
    auto s = *settings_;
    s.database = "d";
    conn_ = SqlConnection::open(s);
    conn_->execute(
        "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, b INT NOT NULL, c VARCHAR(32) NOT NULL, KEY kb (b))");
    conn_->execute("INSERT INTO t SELECT seq, seq % 500, CONCAT('row ', seq) FROM seq_1_to_5000");
    conn_->execute("ANALYZE TABLE t");
    // The application's traffic: a frequent lookup by b, a rarer one by id.
    for (int i = 0; i < 30; ++i) conn_->query("SELECT * FROM t WHERE b = " + std::to_string(i));
    for (int i = 0; i < 5; ++i) conn_->query("SELECT c FROM t WHERE id = " + std::to_string(i + 1));
  }
  ghostcut::test::CommandResult migrate(const std::string& alter, const std::string& extra) {
    return run_ghostcut("migrate --host " + settings_->host + " --port " + std::to_string(settings_->port) +
                            " --user " + shell_quote(settings_->user) +
                            " --ssl-mode disabled --database d --table t --alter " + shell_quote(alter) +
                            " --no-serve-socket " + extra,
                        settings_->password);
  }
  bool has_index(const std::string& key) {
    return !conn_->query("SHOW INDEX FROM t WHERE Key_name = '" + key + "'").empty();
  }

  static inline std::string name_, failure_;
  static inline std::optional<ghostcut::ConnectionSettings> settings_;
  std::unique_ptr<SqlConnection> conn_;
};

TEST_F(PlanDigestTest, TheTopDigestsAreCheckedARegressionFailsOrIsOnlyLogged) {
  const auto dry = migrate("DROP INDEX kb", "");
  EXPECT_EQ(dry.status, 0) << dry.out;
  EXPECT_NE(dry.out.find("top digests: 10 (performance_schema on"), std::string::npos) << dry.out;

  const auto fail = migrate("DROP INDEX kb", "--execute --on-plan-regression fail --cut-over-lock-timeout-seconds 1");
  EXPECT_EQ(fail.status, 1) << fail.out;
  EXPECT_NE(fail.out.find("SELECT * FROM t WHERE b = "), std::string::npos) << "the digest's statement: " << fail.out;
  EXPECT_NE(fail.out.find("type ref (key kb) -> ALL"), std::string::npos) << fail.out;
  EXPECT_NE(fail.out.find("--on-plan-regression=fail"), std::string::npos) << fail.out;
  EXPECT_TRUE(has_index("kb")) << "the original is intact";
  EXPECT_TRUE(conn_->query("SHOW TABLES LIKE 't_del'").empty()) << "no cut-over happened";

  // The failed run left its ghost to resume from: this run takes it up.
  const auto warn = migrate("DROP INDEX kb", "--execute --on-plan-regression warn --ok-to-drop-table");
  EXPECT_EQ(warn.status, 0) << warn.out;
  EXPECT_NE(warn.out.find("SELECT * FROM t WHERE b = "), std::string::npos) << warn.out;
  EXPECT_NE(warn.out.find("type ref (key kb) -> ALL"), std::string::npos) << "logged: " << warn.out;
  EXPECT_FALSE(has_index("kb")) << "warn does not hold the cut-over";
  EXPECT_EQ(conn_->query("SELECT COUNT(*), SUM(b), SUM(LENGTH(c)) FROM t").rows.at(0),
            (std::vector<std::optional<std::string>>{"5000", "1247500", "38893"}));
}

}  // namespace
