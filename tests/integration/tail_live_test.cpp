// `ghostcut tail` against the live server, through the real binary.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "integration/test_server.h"

using ghostcut::testing::LiveServerTest;

namespace {

struct Run {
  int status;
  std::string out;
  std::string err;
};

Run run_tail(const std::string& args, const std::string& password) {
  const std::string err_file = ::testing::TempDir() + "tail_live_err.txt";
  ::setenv("GHOSTCUT_PASSWORD", password.c_str(), 1);
  std::string cmd = std::string(GHOSTCUT_BINARY) + " tail " + args + " 2>" + err_file;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int st = pclose(p);
  ::unsetenv("GHOSTCUT_PASSWORD");
  std::string err;
  if (FILE* f = fopen(err_file.c_str(), "r")) {
    while (std::size_t n = fread(buf.data(), 1, buf.size(), f)) err.append(buf.data(), n);
    fclose(f);
  }
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out, err};
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
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
  auto l = lines(r.out);
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
