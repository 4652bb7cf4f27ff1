// `ghostcut tail` against the live server, through the real binary.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "integration/test_server.h"
#include "support/process.h"

using ghostcut::test::CommandOutput;
using ghostcut::test::run_shell_split;
using ghostcut::test::shell_quote;
using ghostcut::test::split_lines;
using ghostcut::testing::LiveServerTest;

namespace {

CommandOutput run_tail(const std::string& args, const std::string& password) {
  return run_shell_split("env GHOSTCUT_PASSWORD=" + shell_quote(password) + " " + GHOSTCUT_BINARY + " tail " + args);
}

class TailLiveTest : public LiveServerTest {
 protected:
  std::string conn_args() const {
    return "--host 127.0.0.1 --port " + std::to_string(settings_.port) + " --user " + settings_.user +
           " --ssl-mode disabled";
  }
};

TEST_F(TailLiveTest, PrintsRowChangesWithColumnNamesAndSignedness) {
  conn_->execute("CREATE TABLE t (id INT UNSIGNED PRIMARY KEY, name VARCHAR(20), big BIGINT UNSIGNED)");
  auto st = admin_->query("SHOW MASTER STATUS");
  const std::string file = *st.rows[0][0], pos = *st.rows[0][1];
  conn_->execute("INSERT INTO t VALUES (4294967295, 'héllo', 18446744073709551615)");
  conn_->execute("UPDATE t SET name = NULL WHERE id = 4294967295");
  conn_->execute("DELETE FROM t");
  auto r = run_tail(conn_args() + " --table " + db_ + ".t --file " + file + " --pos " + pos + " --max-events 3",
                    settings_.password);
  ASSERT_EQ(r.status, 0) << r.err;
  auto l = split_lines(r.out);
  ASSERT_EQ(l.size(), 3u) << r.out;
  EXPECT_NE(l[0].find(R"("kind":"insert")"), std::string::npos) << l[0];
  EXPECT_NE(l[0].find(R"("after":{"id":4294967295,"name":"héllo","big":18446744073709551615})"), std::string::npos)
      << l[0];
  EXPECT_NE(l[1].find(R"("kind":"update")"), std::string::npos) << l[1];
  EXPECT_NE(l[1].find(R"("after":{"id":4294967295,"name":null,"big":18446744073709551615})"), std::string::npos)
      << l[1];
  EXPECT_NE(l[2].find(R"("kind":"delete")"), std::string::npos) << l[2];
  EXPECT_NE(l[0].find("\"position\":\"" + file + ":"), std::string::npos) << l[0];
  EXPECT_EQ(r.err.find(settings_.password), std::string::npos) << "password in the logs";
}

TEST_F(TailLiveTest, TextIsTranscodedToUtf8FromItsColumnCharset) {
  conn_->execute(
      "CREATE TABLE t (id INT PRIMARY KEY, l VARCHAR(10) CHARACTER SET latin1, u VARCHAR(10) CHARACTER SET "
      "ucs2, b VARBINARY(10))");
  auto st = admin_->query("SHOW MASTER STATUS");
  const std::string file = *st.rows[0][0], pos = *st.rows[0][1];
  conn_->execute("INSERT INTO t VALUES (1, 'café', 'café', X'636166e9')");
  auto r = run_tail(conn_args() + " --table " + db_ + ".t --file " + file + " --pos " + pos + " --max-events 1",
                    settings_.password);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(R"("after":{"id":1,"l":"café","u":"café","b":{"hex":"636166e9"}})"), std::string::npos) << r.out;
}

TEST_F(TailLiveTest, BadPasswordExitsWithAClearError) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY)");
  auto r = run_tail(conn_args() + " --table " + db_ + ".t --max-events 1", "not-the-password");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("Access denied"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("not-the-password"), std::string::npos) << r.err;
}

TEST_F(TailLiveTest, UnknownTableExitsWithAClearError) {
  auto r = run_tail(conn_args() + " --table " + db_ + ".nope --max-events 1", settings_.password);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}

TEST_F(TailLiveTest, LiveModeNeedsATable) {
  auto r = run_tail(conn_args(), settings_.password);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--table"), std::string::npos) << r.err;
}

}  // namespace
