// The operator's view, end to end with the real binary on the live server: `ghostcut migrate
// --execute` driven by `ghostcut ctl` over its control socket, scraped on /metrics, logging JSON,
// configured from a --config file and a MySQL option file (the command line wins).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>
#include <string>
#include <thread>

#include "engine/sql/quoting.h"
#include "integration/test_server.h"
#include "support/eventually.h"
#include "support/http_get.h"
#include "support/mini_json.h"
#include "support/ports.h"
#include "support/process.h"
#include "support/prometheus_text.h"
#include "support/temp_dir.h"

using namespace ghostcut::engine;
using namespace std::chrono_literals;
using ghostcut::testing::LiveServerTest;

using ghostcut::test::CommandResult;
using ghostcut::test::eventually;
using ghostcut::test::free_local_port;
using ghostcut::test::json_get;
using ghostcut::test::run_shell;
using ghostcut::test::shell_quote;

namespace {

double sample(const std::string& metrics, const std::string& name) {
  std::istringstream in(metrics);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name + "{", 0) == 0 || line.rfind(name + " ", 0) == 0)
      return std::stod(line.substr(line.rfind(' ') + 1));
  return -1;
}

class OperatorCliTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    dir_ = ghostcut::test::make_temp_dir("gc-opcli");
    ASSERT_FALSE(dir_.empty());
    socket_ = dir_ + "/ctl.sock";
  }
  void TearDown() override {
    // A failed assertion may leave the migration held: abort it (the original stays untouched).
    if (migration_.valid() && migration_.wait_for(0s) != std::future_status::ready) {
      ctl("panic=t");
      migration_.wait_for(30s);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    LiveServerTest::TearDown();
  }
  std::string ctl(const std::string& args) {
    return run_shell(std::string(GHOSTCUT_BINARY) + " ctl --socket " + socket_ + " " + args).out;
  }
  std::string checksum(const std::string& table) {
    auto r = conn_->query("SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('|', id, a, b))), 0) FROM " +
                          quote_qualified(db_, table));
    return r.rows[0][0].value_or("") + "/" + r.rows[0][1].value_or("");
  }
  std::string dir_, socket_;
  std::future<CommandResult> migration_;
};

TEST_F(OperatorCliTest, CtlMetricsAndJsonLogsDuringARealMigration) {
  conn_->execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(64) NOT NULL)");
  conn_->execute("INSERT INTO t SELECT seq, seq, CONCAT('row-', seq) FROM seq_1_to_60000");
  const auto before = checksum("t");
  const auto port = free_local_port();
  const std::string flag = dir_ + "/postpone.flag";
  std::ofstream(flag) << "hold";
  const std::string cmd =
      "env HOME=/nonexistent GHOSTCUT_PASSWORD=" + shell_quote(settings_.password) + " " + GHOSTCUT_BINARY +
      " migrate --host 127.0.0.1 --port " + std::to_string(settings_.port) + " --user " + shell_quote(settings_.user) +
      " --ssl-mode disabled --database " + shell_quote(db_) +
      " --table t --alter 'ADD COLUMN c INT NULL' --execute --no-attempt-instant --chunk-size 200 --nice-ratio 2"
      " --serve-socket-file " +
      socket_ + " --postpone-cut-over-flag-file " + flag + " --metrics-port " + std::to_string(port) +
      " --log-format json --status-interval-seconds 1";
  migration_ = std::async(std::launch::async, [cmd] { return run_shell(cmd); });
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(socket_); }, 15s, 100ms));

  // ctl: status, a setting, an error with exit 1.
  const auto status = run_shell(std::string(GHOSTCUT_BINARY) + " ctl --socket " + socket_ + " status");
  EXPECT_EQ(status.status, 0) << status.out;
  EXPECT_NE(status.out.find("Migrating `" + db_ + "`.`t`"), std::string::npos) << status.out;
  const auto bad = run_shell(std::string(GHOSTCUT_BINARY) + " ctl --socket " + socket_ + " chunk-size=-5");
  EXPECT_EQ(bad.status, 1) << bad.out;
  EXPECT_NE(bad.out.find("ERROR"), std::string::npos);

  // /metrics: valid Prometheus text, and counters that move.
  std::string first, second;
  ASSERT_TRUE(eventually(
      [&] {
        auto r = ghostcut::test::http_get(port, "/metrics");
        first = r ? r->body : "";
        return sample(first, "ghostcut_rows_copied_total") > 0;
      },
      15s, 100ms))
      << first;
  std::string error;
  EXPECT_TRUE(ghostcut::test::parse_prometheus_text(first, &error)) << error << "\n" << first;
  ASSERT_TRUE(eventually(
      [&] {
        auto r = ghostcut::test::http_get(port, "/metrics");
        second = r ? r->body : "";
        return sample(second, "ghostcut_rows_copied_total") > sample(first, "ghostcut_rows_copied_total");
      },
      15s, 100ms))
      << second;
  EXPECT_NE(second.find("database=\"" + db_ + "\""), std::string::npos);

  // Held by the flag file after the copy; ctl unpostpone releases it.
  ASSERT_TRUE(eventually([&] { return ctl("status").find("postponed") != std::string::npos; }, 60s, 100ms))
      << ctl("status");
  const auto un = run_shell(std::string(GHOSTCUT_BINARY) + " ctl --socket " + socket_ + " unpostpone");
  EXPECT_EQ(un.status, 0) << un.out;
  ASSERT_EQ(migration_.wait_for(60s), std::future_status::ready);
  const auto r = migration_.get();
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(checksum("t"), before);
  EXPECT_FALSE(std::filesystem::exists(socket_)) << "socket left behind";
  EXPECT_EQ(r.out.find(settings_.password), std::string::npos) << "password in the output";

  // Every log line is a JSON object with the stable fields (the plan printout goes to stdout).
  std::istringstream lines(r.out);
  int json_lines = 0;
  bool saw_progress = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '{') continue;
    const auto t = ghostcut::test::parse_json(line);
    ASSERT_TRUE(t) << line;
    EXPECT_FALSE(json_get<std::string>(*t, "ts", "").empty());
    EXPECT_FALSE(json_get<std::string>(*t, "level", "").empty());
    saw_progress = saw_progress || json_get<std::string>(*t, "msg", "").find("Copy:") != std::string::npos;
    ++json_lines;
  }
  EXPECT_GT(json_lines, 5) << r.out;
  EXPECT_TRUE(saw_progress) << r.out;
}

TEST_F(OperatorCliTest, ConfigFileAndOptionFileSupplySettingsAndTheCommandLineWins) {
  conn_->execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(64) NOT NULL)");
  conn_->execute("INSERT INTO t SELECT seq, seq, CONCAT('row-', seq) FROM seq_1_to_2000");
  const std::string config = dir_ + "/ghostcut.ini", mycnf = dir_ + "/my.cnf";
  std::ofstream(config) << "chunk-size = 250\nthreads = 2\nmax-lag-millis = 2500\npostpone-cut-over-flag-file = "
                        << dir_ << "/hold\nserve-socket-file = " << socket_ << "\n";
  ::chmod(config.c_str(), 0644);  // readable by others: a warning below
  std::ofstream(dir_ + "/hold") << "x";
  std::ofstream(mycnf) << "[client]\nuser = " << settings_.user << "\npassword = " << settings_.password << "\n";
  ::chmod(mycnf.c_str(), 0600);
  // No password in the environment: the option file has it.
  const std::string cmd = std::string("env -u GHOSTCUT_PASSWORD HOME=/nonexistent ") + GHOSTCUT_BINARY +
                          " migrate --defaults-file " + mycnf + " --host 127.0.0.1 --port " +
                          std::to_string(settings_.port) + " --ssl-mode disabled --database " + shell_quote(db_) +
                          " --table t --alter 'ADD COLUMN c INT NULL' --execute --no-attempt-instant --config " +
                          config + " --threads 3";
  // Held by the config file's postpone flag file, so the settings can be read while it runs.
  migration_ = std::async(std::launch::async, [cmd] { return run_shell(cmd); });
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(socket_); }, 15s, 100ms));
  const auto json = ctl("'status json'");
  const auto t = ghostcut::test::parse_json(json);
  ASSERT_TRUE(t) << json;
  EXPECT_EQ(json_get<int>(*t, "chunk_size"), 250);       // from the config file
  EXPECT_EQ(json_get<int>(*t, "max_lag_millis"), 2500);  // from the config file
  EXPECT_EQ(json_get<int>(*t, "threads"), 3);            // the command line wins over the file's 2
  ctl("unpostpone");
  ASSERT_EQ(migration_.wait_for(60s), std::future_status::ready);
  const auto r = migration_.get();
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out.find(settings_.password), std::string::npos);
  // The --config file is 0644: a warning, since such files may hold a password;
  // the option file is 0600: none.
  EXPECT_NE(r.out.find(config + " is readable by other users"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(mycnf + " is readable by other users"), std::string::npos) << r.out;
}

}  // namespace
