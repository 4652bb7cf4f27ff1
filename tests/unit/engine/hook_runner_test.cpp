#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "engine/hooks/hook_runner.h"

using namespace ghostcut::engine;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

class HookRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ghostcut-hooks-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    sink_->set_pattern("%l %v");
    logger_ = std::make_shared<spdlog::logger>("hooks-test", sink_);
    logger_->set_level(spdlog::level::trace);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write_hook(std::string_view name, const std::string& body, bool executable = true) {
    const auto path = dir_ / std::string(name);
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(path, executable ? fs::perms::owner_all : fs::perms::owner_read | fs::perms::owner_write);
    return path;
  }
  std::string log() {
    logger_->flush();
    return log_.str();
  }
  HookContext ctx() const {
    HookContext c;
    c.database = "shop";
    c.table = "orders";
    c.ghost_table = "orders_gho";
    c.alter = "ADD COLUMN x INT";
    c.rows_copied = 7;
    return c;
  }
  static std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  fs::path dir_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> logger_;
};

bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';  // a zombie is dead
}

}  // namespace

TEST_F(HookRunnerTest, SuccessLogsOutputAndPassesTheEnvironment) {
  const auto env_file = dir_ / "env.txt";
  write_hook(kHookOnSuccess,
             "echo \"hello from $GHOSTCUT_HOOK\"\n"
             "echo 'to stderr' >&2\n"
             "if read line; then echo \"stdin had: $line\"; else echo 'stdin is empty'; fi\n"
             "env > '" +
                 env_file.string() +
                 "'\n"
                 "printf 'no newline at the end'");
  ::setenv("MYSQL_PWD", "hunter2", 1);
  ::setenv("GHOSTCUT_PASSWORD", "hunter2", 1);
  HookRunner runner(dir_.string(), seconds(10), logger_);
  const auto r = runner.run(kHookOnSuccess, ctx());
  ::unsetenv("MYSQL_PWD");
  ::unsetenv("GHOSTCUT_PASSWORD");
  EXPECT_TRUE(r.ran);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(r.ok());
  EXPECT_LT(r.duration, seconds(5));
  const auto text = log();
  EXPECT_NE(text.find("info hook on-success: hello from on-success\n"), std::string::npos) << text;
  EXPECT_NE(text.find("info hook on-success: to stderr\n"), std::string::npos) << text;
  EXPECT_NE(text.find("info hook on-success: stdin is empty\n"), std::string::npos) << text;
  EXPECT_NE(text.find("info hook on-success: no newline at the end\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hook on-success: done in"), std::string::npos) << text;
  const auto env = read_file(env_file);
  EXPECT_NE(env.find("GHOSTCUT_DATABASE_NAME=shop\n"), std::string::npos) << env;
  EXPECT_NE(env.find("GH_OST_TABLE_NAME=orders\n"), std::string::npos) << env;
  EXPECT_NE(env.find("GH_OST_COPIED_ROWS=7\n"), std::string::npos) << env;
  EXPECT_NE(env.find("PATH="), std::string::npos) << env;  // inherited variables pass through
  EXPECT_EQ(env.find("hunter2"), std::string::npos) << env;
}

TEST_F(HookRunnerTest, NonZeroExitIsAFailure) {
  write_hook(kHookOnBeforeCutOver, "echo 'not now' >&2\nexit 3");
  HookRunner runner(dir_.string(), seconds(10), logger_);
  const auto r = runner.run(kHookOnBeforeCutOver, ctx());
  EXPECT_TRUE(r.ran);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.ok());
  const auto text = log();
  EXPECT_NE(text.find("hook on-before-cut-over: not now"), std::string::npos) << text;
  EXPECT_NE(text.find("warning hook on-before-cut-over: failed with exit code 3"), std::string::npos) << text;
}

TEST_F(HookRunnerTest, KilledBySignalReports128PlusSignal) {
  write_hook(kHookOnFailure, "kill -USR1 $$");
  HookRunner runner(dir_.string(), seconds(10), logger_);
  const auto r = runner.run(kHookOnFailure, ctx());
  EXPECT_TRUE(r.ran);
  EXPECT_EQ(r.exit_code, 128 + SIGUSR1);
  EXPECT_FALSE(r.ok());
}

TEST_F(HookRunnerTest, TimeoutKillsTheProcessGroup) {
  const auto pid_file = dir_ / "child.pid";
  // A background child in the hook's group, and the hook waiting for it.
  write_hook(kHookOnStatus, "sleep 30 &\necho $! > '" + pid_file.string() + "'\necho started\nwait");
  HookRunner runner(dir_.string(), milliseconds(300), logger_);
  const auto r = runner.run(kHookOnStatus, ctx());
  EXPECT_TRUE(r.ran);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_GE(r.duration, milliseconds(300));
  EXPECT_LT(r.duration, milliseconds(1200));  // SIGTERM ends it at once: no 1 s grace needed
  const auto text = log();
  EXPECT_NE(text.find("hook on-status: started"), std::string::npos) << text;
  EXPECT_NE(text.find("still running after 300 ms; sending SIGTERM"), std::string::npos) << text;
  const pid_t child = std::stoi(read_file(pid_file));
  const auto until = steady_clock::now() + seconds(3);
  while (!process_gone(child) && steady_clock::now() < until) std::this_thread::sleep_for(milliseconds(10));
  EXPECT_TRUE(process_gone(child)) << "background child " << child << " survived";
}

TEST_F(HookRunnerTest, TimeoutEscalatesToSigkill) {
  write_hook(kHookOnThrottled, "trap '' TERM\necho ignoring TERM\nwhile :; do sleep 0.05; done");
  HookRunner runner(dir_.string(), milliseconds(200), logger_);
  const auto r = runner.run(kHookOnThrottled, ctx());
  EXPECT_TRUE(r.ran);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, 128 + SIGKILL);
  EXPECT_GE(r.duration, milliseconds(200) + HookRunner::kKillGrace);
  EXPECT_LT(r.duration, milliseconds(200) + HookRunner::kKillGrace + milliseconds(800));
  const auto text = log();
  EXPECT_NE(text.find("sent SIGKILL"), std::string::npos) << text;
}

TEST_F(HookRunnerTest, BackgroundChildDoesNotHoldTheRunner) {
  // gh-ost's advice: long work goes to the background. The child keeps the output pipe open;
  // run() returns when the hook itself exits.
  write_hook(kHookOnRowCopyComplete, "sleep 3 &\necho forked");
  HookRunner runner(dir_.string(), seconds(10), logger_);
  const auto r = runner.run(kHookOnRowCopyComplete, ctx());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_LT(r.duration, milliseconds(1500));
  EXPECT_NE(log().find("hook on-row-copy-complete: forked"), std::string::npos);
}

TEST_F(HookRunnerTest, MissingHookDoesNotRun) {
  HookRunner runner(dir_.string(), seconds(10), logger_);
  const auto r = runner.run(kHookOnValidated, ctx());
  EXPECT_FALSE(r.ran);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(log(), "");  // nothing to say about a hook nobody wrote
}

TEST_F(HookRunnerTest, NotExecutableFileDoesNotRun) {
  const auto marker = dir_ / "ran";
  write_hook(kHookOnStartup, "touch '" + marker.string() + "'", false);
  fs::create_directory(dir_ / std::string(kHookOnBeginPostponed));  // a directory is not a hook either
  HookRunner runner(dir_.string(), seconds(10), logger_);
  const auto r = runner.run(kHookOnStartup, ctx());
  EXPECT_FALSE(r.ran);
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(fs::exists(marker));
  EXPECT_FALSE(runner.run(kHookOnBeginPostponed, ctx()).ran);
  const auto text = log();
  EXPECT_NE(
      text.find("warning hook on-startup: " + (dir_ / "on-startup").string() + " is not an executable file; not run"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("warning hook on-begin-postponed:"), std::string::npos) << text;
}

TEST_F(HookRunnerTest, UnstartableExecutableIsAFailure) {
  const auto path = dir_ / std::string(kHookOnSuccess);
  std::ofstream(path) << "echo no shebang line\n";  // posix_spawn has no shell to fall back to
  fs::permissions(path, fs::perms::owner_all);
  HookRunner runner(dir_.string(), seconds(10), logger_);
  const auto r = runner.run(kHookOnSuccess, ctx());
  EXPECT_TRUE(r.ran);
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(log().find("error hook on-success: cannot run " + path.string() + ": Exec format error"), std::string::npos)
      << log();
}

TEST_F(HookRunnerTest, HooksOffAndUnknownNames) {
  write_hook(kHookOnSuccess, "exit 0");
  HookRunner off("", seconds(10), logger_);
  EXPECT_FALSE(off.enabled());
  EXPECT_FALSE(off.run(kHookOnSuccess, ctx()).ran);
  write_hook("on-whatever", "exit 0");
  HookRunner runner(dir_.string() + "/", seconds(10), logger_);
  EXPECT_TRUE(runner.enabled());
  EXPECT_EQ(runner.directory(), dir_.string());
  EXPECT_FALSE(runner.run("on-whatever", ctx()).ran);
  EXPECT_NE(log().find("error hook 'on-whatever' is not a known hook name; not run"), std::string::npos) << log();
}

TEST_F(HookRunnerTest, ConcurrentRuns) {
  write_hook(kHookOnStatus, "echo \"rows $GHOSTCUT_COPIED_ROWS\"");
  HookRunner runner(dir_.string(), seconds(10), logger_);
  std::vector<std::thread> threads;
  std::vector<HookResult> results(4);
  for (std::size_t i = 0; i < results.size(); ++i)
    threads.emplace_back([&, i] {
      auto c = ctx();
      c.rows_copied = 100 + i;
      results[i] = runner.run(kHookOnStatus, c);
    });
  for (auto& t : threads) t.join();
  const auto text = log();
  for (std::size_t i = 0; i < results.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(results[i].ran);
    EXPECT_TRUE(results[i].ok());
    EXPECT_NE(text.find("hook on-status: rows " + std::to_string(100 + i) + "\n"), std::string::npos) << text;
  }
}
