// Output automation can trust (issue #16): with --log-format json every stderr line is a JSON
// object with the stable fields, from the first (a bad flag) to the last; progress numbers are
// numbers; each exit code means one thing; --version and ghostcut_build_info say what was built.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "integration/test_server.h"
#include "support/eventually.h"
#include "support/http_get.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace std::chrono_literals;
using ghostcut::test::eventually;
using ghostcut::test::read_file;
using ghostcut::test::shell_quote;
using ghostcut::testing::LiveServerTest;

namespace {

// Every line parses as a JSON object with the stable fields; returns them.
std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    SCOPED_TRACE(line);
    nlohmann::json j;
    EXPECT_NO_THROW(j = nlohmann::json::parse(line));
    EXPECT_TRUE(j.is_object());
    if (!j.is_object()) continue;
    for (const char* key : {"ts", "level", "msg", "event", "database", "table", "phase"})
      EXPECT_TRUE(j.contains(key)) << key;
    out.push_back(std::move(j));
  }
  return out;
}

class StructuredOutputTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    dir_ = ghostcut::test::make_temp_dir("gc-json");
    ASSERT_FALSE(dir_.empty());
    err_ = dir_ + "/stderr";
  }
  void TearDown() override {
    if (running_.valid()) running_.wait_for(60s);
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    LiveServerTest::TearDown();
  }
  std::string command(const std::string& args) {
    return "env HOME=/nonexistent GHOSTCUT_PASSWORD=" + shell_quote(settings_.password) + " " + GHOSTCUT_BINARY +
           " migrate --host " + settings_.host + " --port " + std::to_string(settings_.port) + " --user " +
           shell_quote(settings_.user) + " --ssl-mode disabled --database " + shell_quote(db_) + " " + args +
           " >/dev/null 2>" + err_;
  }
  static int code_of(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : -1; }
  int migrate(const std::string& args) { return code_of(std::system(command(args).c_str())); }
  void make_table() {
    conn_->execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL)");
    conn_->execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_500");
  }
  std::string dir_, err_;
  std::future<int> running_;
};

TEST_F(StructuredOutputTest, EveryLineIsJsonFromABadFlagOnAndExitTwo) {
  const int st = std::system(
      (std::string(GHOSTCUT_BINARY) + " migrate --log-format json --no-such-flag 2>" + err_ + " >/dev/null").c_str());
  EXPECT_EQ(code_of(st), 2);
  const auto lines = json_lines(read_file(err_));
  ASSERT_EQ(lines.size(), 1u) << read_file(err_);
  EXPECT_EQ(lines[0]["event"], "usage-error");
  EXPECT_EQ(lines[0]["level"], "error");
  EXPECT_NE(lines[0]["msg"].get<std::string>().find("no-such-flag"), std::string::npos);
  // An unknown subcommand too.
  EXPECT_EQ(code_of(std::system((std::string(GHOSTCUT_BINARY) + " frobnicate --log-format json 2>" + err_).c_str())),
            2);
  ASSERT_EQ(json_lines(read_file(err_)).size(), 1u) << read_file(err_);
}

TEST_F(StructuredOutputTest, ARefusalIsJsonAndExitsFour) {
  conn_->execute("CREATE TABLE t (id INT, KEY (id))");  // no unique key: refused before any change
  EXPECT_EQ(migrate("--table t --alter 'ADD COLUMN c INT' --execute --log-format json"), 4) << read_file(err_);
  const auto lines = json_lines(read_file(err_));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back()["event"], "refused");
  EXPECT_EQ(lines.back()["database"], db_);
  EXPECT_EQ(lines.back()["table"], "t");
  EXPECT_NE(lines.back()["msg"].get<std::string>().find("no usable unique key"), std::string::npos);
}

// A failing run (a gating hook fails after the ghost exists) piped through a JSON parser.
TEST_F(StructuredOutputTest, AFailingRunIsJsonToTheLastLineAndExitsOne) {
  make_table();
  const std::string hooks = dir_ + "/hooks";
  std::filesystem::create_directory(hooks);
  std::ofstream(hooks + "/on-row-copy-complete") << "#!/bin/sh\necho 'gate says \"no\"'\nexit 3\n";
  ::chmod((hooks + "/on-row-copy-complete").c_str(), 0755);
  EXPECT_EQ(
      migrate(
          "--table t --alter 'ADD COLUMN c INT' --no-attempt-instant --execute --log-format json --no-serve-socket --hooks-path " +
          hooks),
      1);
  const std::string log = read_file(err_);
  const auto lines = json_lines(log);
  ASSERT_GT(lines.size(), 3u) << log;
  // The pipe: the same text through a separate JSON parser process, line by line.
  if (std::system("command -v python3 >/dev/null 2>&1") == 0) {
    const std::string check =
        "python3 -c 'import json,sys\nfor l in sys.stdin: assert isinstance(json.loads(l), dict)' <" + err_;
    EXPECT_EQ(code_of(std::system(check.c_str())), 0);
  }
  bool saw_copying = false, saw_failed = false, saw_hook_output = false;
  for (const auto& j : lines) {
    EXPECT_EQ(j["database"], db_);
    EXPECT_EQ(j["table"], "t");
    if (j["phase"] == "copying") saw_copying = true;
    if (j["event"] == "failed") saw_failed = true;
    if (j["msg"].get<std::string>().find("gate says \"no\"") != std::string::npos) saw_hook_output = true;
  }
  EXPECT_TRUE(saw_copying) << log;
  EXPECT_TRUE(saw_failed) << log;
  EXPECT_TRUE(saw_hook_output) << log;
  EXPECT_EQ(lines.back()["level"], "error");
}

// Progress lines carry their numbers as numbers; the run's end says so; /metrics has the build.
TEST_F(StructuredOutputTest, ProgressNumbersAreNumbersAndBuildInfoIsAMetric) {
  make_table();
  const std::string hold = dir_ + "/hold";
  std::ofstream(hold) << "";
  const std::uint16_t port = static_cast<std::uint16_t>(20000 + ::getpid() % 20000);
  const std::string cmd = command(
      "--table t --alter 'ADD COLUMN c INT' --no-attempt-instant --execute --log-format json --no-serve-socket "
      "--status-interval-seconds 1 --postpone-cut-over-flag-file " +
      hold + " --metrics-port " + std::to_string(port));
  running_ = std::async(std::launch::async, [cmd] { return code_of(std::system(cmd.c_str())); });
  // A progress line after the copy (held before the cut-over, it reports every second). One may
  // come before it too: the first is due a second after the stream starts, the copy may be slower.
  const auto copied_all = [](const nlohmann::json& j) {
    return j.value("event", std::string()) == "progress" && j.value("rows_copied", std::int64_t{-1}) == 500;
  };
  ASSERT_TRUE(eventually(
      [&] {
        const auto text = read_file(err_);
        const auto end = text.rfind('\n');  // whole lines only: the last may be half written
        if (end == std::string::npos) return false;
        const auto lines = json_lines(text.substr(0, end + 1));
        return std::any_of(lines.begin(), lines.end(), copied_all);
      },
      60s))
      << read_file(err_);
  const auto metrics = ghostcut::test::http_get(port, "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_NE(metrics->body.find("ghostcut_build_info{version=\""), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("\",build_type=\""), std::string::npos) << metrics->body;
  std::filesystem::remove(hold);
  ASSERT_EQ(running_.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(running_.get(), 0) << read_file(err_);
  bool progress = false, done = false;
  for (const auto& j : json_lines(read_file(err_))) {
    if (j["event"] == "progress") {
      progress = progress || copied_all(j);
      EXPECT_TRUE(j["rows_copied"].is_number_unsigned()) << j.dump();
      EXPECT_TRUE(j["rows_estimated"].is_number()) << j.dump();
      EXPECT_TRUE(j["percent"].is_number()) << j.dump();
      EXPECT_TRUE(j["events_applied"].is_number()) << j.dump();
      EXPECT_LE(j["rows_copied"], 500) << j.dump();  // 0 from a line during the copy
    }
    if (j["event"] == "done") {
      done = true;
      EXPECT_EQ(j["rows_copied"], 500);
      EXPECT_TRUE(j["cut_over_attempts"].is_number());
    }
  }
  EXPECT_TRUE(progress);
  EXPECT_TRUE(done);
}

TEST_F(StructuredOutputTest, ASignalExitsOneHundredThirtyWithTheOriginalIntact) {
  make_table();
  const std::string hold = dir_ + "/hold";
  std::ofstream(hold) << "";
  const std::string pidfile = dir_ + "/pid";
  // exec: the shell becomes ghostcut, so $$ is its pid.
  const std::string script = dir_ + "/run.sh";
  std::ofstream(script)
      << "echo $$ > " << pidfile << "\nexec "
      << command(
             "--table t --alter 'ADD COLUMN c INT' --no-attempt-instant --execute --log-format json --no-serve-socket "
             "--postpone-cut-over-flag-file " +
             hold)
      << "\n";
  const std::string cmd = "sh " + script;
  running_ = std::async(std::launch::async, [cmd] { return code_of(std::system(cmd.c_str())); });
  ASSERT_TRUE(eventually([&] { return read_file(err_).find("cut-over postponed") != std::string::npos; }, 60s))
      << read_file(err_);
  const pid_t pid = std::stoi(read_file(pidfile));
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  ASSERT_EQ(running_.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(running_.get(), 130) << read_file(err_);
  const auto lines = json_lines(read_file(err_));
  ASSERT_FALSE(lines.empty());
  bool interrupted = false;
  for (const auto& j : lines) interrupted = interrupted || j["event"] == "interrupted";
  EXPECT_TRUE(interrupted) << read_file(err_);
  auto cols = conn_->query(
      "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't'", {db_});
  EXPECT_EQ(cols.rows[0][0].value_or(""), "2");
}

TEST(StructuredOutput, VersionSaysCommitBuildTypeAndLibraries) {
  FILE* p = popen((std::string(GHOSTCUT_BINARY) + " --version").c_str(), "r");
  std::string out;
  char buf[512];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0);
  EXPECT_EQ(out.rfind("ghostcut 0.", 0), 0u) << out;
  for (const char* want : {"\ncommit: ", "\nbuild type: Release", "Boost 1.", "spdlog ", "nlohmann-json 3.",
                           "MySQL Connector/C++ 1.1", "OpenSSL ", "zstd ", "zlib "})
    EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;
  // A git checkout: the commit is the 12-digit head, not "unknown".
  const auto commit = out.substr(out.find("commit: ") + 8, 12);
  EXPECT_EQ(commit.find_first_not_of("0123456789abcdef"), std::string::npos) << out;
}

TEST(StructuredOutput, HelpListsTheExitCodes) {
  FILE* p = popen((std::string(GHOSTCUT_BINARY) + " migrate --help").c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  for (const char* want : {"Exit status: 0 done; 1 failed, the original table intact; 2 bad usage; 4 refused",
                           "5 failed during or after the cut-over", "130 interrupted"})
    EXPECT_NE(out.find(want), std::string::npos) << want;
}

}  // namespace
