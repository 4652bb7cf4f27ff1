// Crash drills for resume: the real ghostcut binary, killed with SIGKILL during the copy (at two
// points), while postponed and while throttled, with model-checked writers running throughout.
// Each rerun of the same command resumes from the checkpoint in t_ghc, copies fewer rows than the
// fresh run would have, and ends with t equal to the writers' model. A drill where the
// checkpointed binlog was purged: the rerun refuses, naming the file and --no-resume.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include "engine/resume/checkpoint.h"
#include "engine/resume/resume.h"
#include "engine/resume/run_guard.h"
#include "engine/sql/binlog_settings.h"
#include "engine/sql/server_queries.h"
#include "integration/model_writer.h"
#include "integration/test_server.h"
#include "support/process.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using namespace ghostcut::testing;
using namespace std::chrono_literals;
using ghostcut::test::read_file;
using ghostcut::test::shell_quote;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kDrillRows = 60000;
// A copy slow enough to be caught part-way by polling its checkpoint: small chunks, each followed
// by a sleep twice its length (the sleep scales with the machine's speed, so the copy does too).
const char* kArgs =
    "--table t --alter 'ADD COLUMN z INT NOT NULL DEFAULT 7' --execute --no-attempt-instant --chunk-size 300 --nice-ratio 2 "
    "--heartbeat-interval-millis 100 --no-serve-socket";

class ResumeDrillTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    writers_.resize(3);
    create_seeded_table(*conn_, kDrillRows);
    const int n = static_cast<int>(writers_.size());
    for (int w = 0; w < n; ++w) {
      writers_[w].w = w;
      writers_[w].writers = n;
      writers_[w].next_id = kDrillRows + w;
    }
    for (std::int64_t id = 1; id <= kDrillRows; ++id)
      writers_[static_cast<std::size_t>(id % n)].model[id] = {id, "seed"};
    for (auto& wr : writers_) threads_.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop_writers_));
    tmp_ = "/tmp/ghostcut-resume-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(tmp_.begin() + 5, tmp_.end(), '/', '-');  // parameterized names hold a '/
  }
  void TearDown() override {
    stop_writers_ = true;
    for (auto& th : threads_) th.join();
    for (const char* s : {".log", ".postpone", ".throttle"}) ::unlink((tmp_ + s).c_str());
    LiveServerTest::TearDown();
  }

  // `hold`: GHOSTCUT_TEST_HOLD_COPY ("<rows>[:<file>]"): the copy stops before its next chunk once
  // that many rows are copied, so the drill point does not depend on the machine's speed.
  pid_t start(const std::string& args, const std::string& hold = {}) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (!hold.empty()) ::setenv("GHOSTCUT_TEST_HOLD_COPY", hold.c_str(), 1);
      ::setenv("GHOSTCUT_PASSWORD", settings_.password.c_str(), 1);
      ::setenv("HOME", "/nonexistent-ghostcut-home", 1);
      const std::string cmd = std::string(GHOSTCUT_BINARY) + " migrate --host " + settings_.host + " --port " +
                              std::to_string(settings_.port) + " --user " + shell_quote(settings_.user) +
                              " --ssl-mode disabled --database " + shell_quote(db_) + " " + args + " >" +
                              shell_quote(tmp_ + ".log") + " 2>&1";
      ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return pid;
  }
  // Runs to the end; returns (exit code, output).
  std::pair<int, std::string> run(const std::string& args) {
    const pid_t pid = start(args);
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), read_file(tmp_ + ".log")};
  }
  std::optional<Checkpoint> checkpoint() {
    try {
      return CheckpointStore(db_, "t_ghc").read(*conn_);
    } catch (const std::exception&) {
      return std::nullopt;  // written between our reads of its rows? read again
    }
  }
  // Polls the checkpoint until `ready` holds (the process must still run), then SIGKILLs it.
  Checkpoint kill_when(pid_t pid, const std::function<bool(const Checkpoint&)>& ready) {
    const auto deadline = Clock::now() + 120s;
    while (Clock::now() < deadline) {
      if (auto c = checkpoint(); c && ready(*c)) {
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << read_file(tmp_ + ".log");
        return *checkpoint();  // the last one written before the kill
      }
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        ADD_FAILURE() << "ghostcut ended before the drill point:\n" << read_file(tmp_ + ".log");
        return {};
      }
      std::this_thread::sleep_for(20ms);
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ADD_FAILURE() << "drill point not reached:\n" << read_file(tmp_ + ".log");
    return {};
  }
  static std::uint64_t rows_copied(const std::string& log) {
    const std::string marker = "done: ";
    const auto p = log.find(marker);
    const auto end = p == std::string::npos ? p : log.find(" rows copied", p);
    EXPECT_NE(end, std::string::npos) << log;
    return end == std::string::npos ? 0 : std::stoull(log.substr(p + marker.size(), end - p - marker.size()));
  }
  // Reruns the same command to the end: it must resume, copy fewer rows than are in t, and
  // leave t equal to the model.
  void rerun_resumes(const std::string& args, std::uint64_t saved_at_least) {
    std::this_thread::sleep_for(300ms);  // the writers go on between the crash and the rerun
    const auto rows_now = to_uint64(conn_->query("SELECT COUNT(*) FROM t").scalar());
    auto [code, log] = run(args);
    ASSERT_EQ(code, 0) << log;
    EXPECT_NE(log.find("resuming the interrupted run"), std::string::npos) << log;
    const auto copied = rows_copied(log);
    EXPECT_LE(copied + saved_at_least, rows_now + 1000) << log;  // + rows the writers added meanwhile
    EXPECT_LT(copied, rows_now) << log;
    std::printf("[ drill ] t had %llu rows; the resumed run copied %llu (checkpoint: %llu below its mark)\n",
                static_cast<unsigned long long>(rows_now), static_cast<unsigned long long>(copied),
                static_cast<unsigned long long>(saved_at_least));
    stop_writers_ = true;
    for (auto& th : threads_) th.join();
    threads_.clear();
    for (const auto& wr : writers_) EXPECT_EQ(wr.errors, 0u) << wr.last_error;
    expect_model();
  }
  // t equals the writers' model, plus `also` (rows written outside the writers).
  void expect_model(const Table& also = {}) {
    Table expected = model_rows(writers_);
    expected.insert(also.begin(), also.end());
    const Table got = read_table(*conn_, db_, "t", "a, b", "id");
    Table old;
    EXPECT_EQ(got.size(), expected.size());
    EXPECT_EQ(count_differences(expected, got, old), 0u);
    EXPECT_FALSE(conn_->query("SHOW COLUMNS FROM t LIKE 'z'").empty()) << "not migrated";
  }

  std::vector<Writer> writers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_writers_{false};
  std::string tmp_;
};

class ResumeCopyDrillTest : public ResumeDrillTest, public ::testing::WithParamInterface<int> {};

// Killed when the checkpoint shows GetParam() % of the rows copied.
TEST_P(ResumeCopyDrillTest, KilledDuringTheCopyResumes) {
  const std::uint64_t at = static_cast<std::uint64_t>(kDrillRows) * static_cast<std::uint64_t>(GetParam()) / 100;
  const auto c = kill_when(start(kArgs, std::to_string(at)), [&](const Checkpoint& c) {
    return !c.ranges.empty() && !c.ranges[0].done && c.ranges[0].rows_below >= at;
  });
  ASSERT_FALSE(c.ranges.empty());
  ASSERT_GE(c.ranges[0].rows_below, at);
  EXPECT_EQ(c.phase, "copying");
  rerun_resumes(kArgs, c.ranges[0].rows_below);
}

INSTANTIATE_TEST_SUITE_P(Points, ResumeCopyDrillTest, ::testing::Values(20, 65));

TEST_F(ResumeDrillTest, KilledWhilePostponedResumesWithoutCopying) {
  { std::ofstream(tmp_ + ".postpone") << "hold"; }
  const std::string args = std::string(kArgs) + " --postpone-cut-over-flag-file " + shell_quote(tmp_ + ".postpone");
  const auto c = kill_when(start(args), [](const Checkpoint& c) { return c.phase == "postponed"; });
  ASSERT_FALSE(c.ranges.empty());
  EXPECT_TRUE(c.ranges[0].done);
  ::unlink((tmp_ + ".postpone").c_str());
  rerun_resumes(args, c.ranges[0].rows_below);
}

TEST_F(ResumeDrillTest, KilledWhileThrottledResumes) {
  const std::string args = std::string(kArgs) + " --throttle-flag-file " + shell_quote(tmp_ + ".throttle");
  const pid_t pid = start(args, std::to_string(kDrillRows / 3));
  // Throttle it a third of the way through, then kill it while it waits.
  kill_when(pid, [&](const Checkpoint& c) {
    if (!c.ranges.empty() && c.ranges[0].rows_below >= kDrillRows / 3) std::ofstream(tmp_ + ".throttle") << "x";
    return c.phase == "copying (throttled)";
  });
  const auto c = checkpoint();
  ASSERT_TRUE(c && !c->ranges.empty());
  EXPECT_FALSE(c->ranges[0].done);
  ::unlink((tmp_ + ".throttle").c_str());
  rerun_resumes(args, c->ranges[0].rows_below);
}

// The checkpoint's binlog file purged while ghostcut was down: refused, naming the file and the way
// forward; --no-resume then starts over and succeeds.
TEST_F(ResumeDrillTest, PurgedBinlogRefusesNamingTheFile) {
  const auto c = kill_when(start(kArgs, std::to_string(kDrillRows / 5)), [](const Checkpoint& c) {
    return !c.ranges.empty() && c.ranges[0].rows_below >= kDrillRows / 5 && !c.applied.empty();
  });
  ASSERT_FALSE(c.applied.empty());
  admin_->execute("FLUSH BINARY LOGS");
  const auto now = current_binlog_position(*admin_, admin_->query("SELECT VERSION()").scalar().value_or(""));
  // The server keeps a file a dump thread still reads: wait until the killed run's is gone.
  const auto deadline = Clock::now() + 60s;
  for (;;) {
    admin_->execute("PURGE BINARY LOGS TO '" + now.file + "'");
    const auto logs = binary_logs(*admin_);
    if (std::find(logs.begin(), logs.end(), c.applied.file) == logs.end()) break;
    ASSERT_LT(Clock::now(), deadline) << c.applied.file << " not purged";
    std::this_thread::sleep_for(50ms);
  }
  auto [code, log] = run(kArgs);
  EXPECT_NE(code, 0) << log;
  EXPECT_NE(log.find(c.applied.file), std::string::npos) << log;
  EXPECT_NE(log.find("purged"), std::string::npos) << log;
  EXPECT_NE(log.find("--no-resume"), std::string::npos) << log;
  EXPECT_FALSE(conn_->query("SHOW TABLES LIKE 't_gho'").empty()) << "the refused run must not drop anything";

  auto [code2, log2] = run(std::string(kArgs) + " --no-resume");
  ASSERT_EQ(code2, 0) << log2;
  EXPECT_EQ(log2.find("resuming the interrupted run"), std::string::npos) << log2;
  const auto fresh = rows_copied(log2);
  EXPECT_GE(fresh, static_cast<std::uint64_t>(kDrillRows) * 9 / 10) << "--no-resume copies from the first row";
  std::printf("[ drill ] --no-resume started over and copied %llu rows\n", static_cast<unsigned long long>(fresh));
  stop_writers_ = true;
  for (auto& th : threads_) th.join();
  threads_.clear();
  expect_model();
}

// The server restarts mid-copy (a clean SHUTDOWN, then the same mariadbd command line): the same
// ghostcut process pauses — its connections and the binlog stream reconnect — and carries on to a
// correct cut-over, without a rerun. The writers pause over the restart, so the model stays exact.
TEST_F(ResumeDrillTest, ServerRestartMidCopyIsAPauseForTheSameProcess) {
  { std::ofstream(tmp_ + ".postpone") << "hold"; }  // holds the copy (not the cut-over) here
  const pid_t pid = start(kArgs, std::to_string(kDrillRows / 4) + ":" + tmp_ + ".postpone");
  const auto deadline = Clock::now() + 120s;
  for (;;) {
    auto c = checkpoint();
    if (c && !c->ranges.empty() && c->ranges[0].rows_below >= kDrillRows / 4) break;
    ASSERT_LT(Clock::now(), deadline) << read_file(tmp_ + ".log");
    std::this_thread::sleep_for(20ms);
  }
  stop_writers_ = true;
  for (auto& th : threads_) th.join();
  threads_.clear();

  // The server's own command line, then a clean shutdown and the same command again.
  const auto pid_file = admin_->query("SELECT @@pid_file").scalar().value_or("");
  const pid_t server = static_cast<pid_t>(std::stol(read_file(pid_file)));
  std::string cmdline = read_file("/proc/" + std::to_string(server) + "/cmdline");
  ASSERT_FALSE(cmdline.empty());
  std::vector<std::string> argv_s;
  for (std::size_t p = 0; p < cmdline.size();) {
    const auto z = cmdline.find('\0', p);
    argv_s.push_back(cmdline.substr(p, z - p));
    p = z == std::string::npos ? cmdline.size() : z + 1;
  }
  try {
    admin_->execute("SHUTDOWN");
  } catch (const SqlError&) {  // the connection may go before the answer
  }
  conn_.reset();
  admin_.reset();
  while (::kill(server, 0) == 0 && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_NE(::kill(server, 0), 0) << "the server did not stop";
  const pid_t launcher = ::fork();
  if (launcher == 0) {
    ::setsid();
    if (::fork() == 0) {
      std::vector<char*> argv;
      for (auto& a : argv_s) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::_exit(0);
  }
  ::waitpid(launcher, nullptr, 0);
  auto admin_settings = settings_;
  admin_settings.database.clear();
  for (;;) {
    try {
      admin_ = SqlConnection::open(admin_settings);
      conn_ = SqlConnection::open(settings_);
      break;
    } catch (const SqlError&) {
      ASSERT_LT(Clock::now(), deadline) << "the server did not come back";
      std::this_thread::sleep_for(50ms);
    }
  }
  stop_writers_ = false;
  for (auto& wr : writers_) threads_.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop_writers_));
  std::this_thread::sleep_for(300ms);
  ::unlink((tmp_ + ".postpone").c_str());  // the copy goes on

  int status = 0;
  const auto until = Clock::now() + 180s;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (Clock::now() > until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL() << "ghostcut did not finish after the restart:\n" << read_file(tmp_ + ".log");
    }
    std::this_thread::sleep_for(50ms);
  }
  const auto log = read_file(tmp_ + ".log");
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log;
  EXPECT_NE(log.find("binlog stream: "), std::string::npos) << "the stream should have reconnected:\n" << log;
  EXPECT_EQ(log.find("resuming the interrupted run"), std::string::npos) << log;
  stop_writers_ = true;
  for (auto& th : threads_) th.join();
  threads_.clear();
  for (const auto& wr : writers_) EXPECT_EQ(wr.errors, 0u) << wr.last_error;
  expect_model();
}

// The rerun asks for a different ALTER: refused, naming both ALTERs, nothing dropped; the original
// command then resumes.
TEST_F(ResumeDrillTest, DifferentPlanIsRefusedNamingTheDifference) {
  const auto c = kill_when(start(kArgs, std::to_string(kDrillRows / 10)), [](const Checkpoint& c) {
    return !c.ranges.empty() && !c.ranges[0].done && c.ranges[0].rows_below >= kDrillRows / 10;
  });
  ASSERT_FALSE(c.ranges.empty());
  std::string other = kArgs;
  other.replace(other.find("ADD COLUMN z INT NOT NULL DEFAULT 7"), 35, "ADD COLUMN y INT");
  auto [code, log] = run(other);
  EXPECT_NE(code, 0) << log;
  EXPECT_NE(log.find("the ALTER differs"), std::string::npos) << log;
  EXPECT_NE(log.find("ADD COLUMN z INT NOT NULL DEFAULT 7"), std::string::npos) << log;
  EXPECT_NE(log.find("ADD COLUMN y INT"), std::string::npos) << log;
  EXPECT_NE(log.find("--no-resume"), std::string::npos) << log;
  EXPECT_FALSE(conn_->query("SHOW TABLES LIKE 't_gho'").empty()) << "the refused run must not drop anything";
  rerun_resumes(kArgs, c.ranges[0].rows_below);
}

// A second ghostcut on the same table refuses at once, naming the first.
TEST_F(ResumeDrillTest, SecondRunRefusesWhileTheFirstRuns) {
  { std::ofstream(tmp_ + ".postpone") << "hold"; }
  const std::string args = std::string(kArgs) + " --postpone-cut-over-flag-file " + shell_quote(tmp_ + ".postpone");
  const pid_t first = start(args);
  const auto deadline = Clock::now() + 120s;
  while (Clock::now() < deadline && !checkpoint()) std::this_thread::sleep_for(20ms);
  const std::string log_first = tmp_ + ".log";
  const std::string saved = tmp_;
  tmp_ += "-second";
  auto [code, log] = run(args);
  tmp_ = saved;
  ::unlink((saved + "-second.log").c_str());
  EXPECT_NE(code, 0) << log;
  EXPECT_NE(log.find("another ghostcut is already migrating"), std::string::npos) << log;
  EXPECT_NE(log.find(run_lock_name(db_, "t")), std::string::npos) << log;
  ::kill(first, SIGKILL);
  ::waitpid(first, nullptr, 0);
}

// --defer-secondary-indexes killed mid-copy: the ghost lacks its plain keys; the rerun (without the
// flag) resumes, builds them after the copy, and the new table is the one native ALTER makes.
TEST_F(ResumeDrillTest, KilledDuringADeferredCopyResumesAndBuildsTheKeys) {
  conn_->execute("ALTER TABLE t ADD KEY ka (a), ADD KEY kab (a, b(8)) COMMENT 'two'");
  conn_->execute("CREATE TABLE native LIKE t");
  conn_->execute("ALTER TABLE native ADD COLUMN z INT NOT NULL DEFAULT 7");
  const auto show = [&](const char* table) {
    return conn_->query(std::string("SHOW CREATE TABLE ") + table).at(0, "Create Table").value_or("");
  };
  const std::uint64_t at = kDrillRows / 5;
  const std::string first = std::string(kArgs) + " --defer-secondary-indexes";
  const auto c = kill_when(start(first, std::to_string(at)), [&](const Checkpoint& c) {
    return !c.ranges.empty() && !c.ranges[0].done && c.ranges[0].rows_below >= at;
  });
  ASSERT_FALSE(c.ranges.empty());
  const auto ghost = show("t_gho");
  EXPECT_EQ(ghost.find("KEY `ka`"), std::string::npos) << ghost;
  EXPECT_EQ(ghost.find("KEY `kab`"), std::string::npos) << ghost;
  rerun_resumes(kArgs, c.ranges[0].rows_below);
  EXPECT_EQ(schema_fingerprint(show("t"), "t"), schema_fingerprint(show("native"), "native")) << show("t");
}

// An XA transaction on t prepared during the migration, ghostcut killed after a checkpoint written
// while the PREPARE was applied past (its rows held), the rerun without the checksum, then the XA
// COMMIT: the rerun must read the PREPARE again, so its rows reach the new table. Before the fix
// the checkpoint passed the PREPARE and the rerun never saw the rows.
TEST_F(ResumeDrillTest, KilledWhileAnXaTransactionIsPreparedResumesWithItsRows) {
  { std::ofstream(tmp_ + ".postpone") << "hold"; }
  // The copy at full speed: the drill point is the postponed cut-over.
  const std::string args =
      "--table t --alter 'ADD COLUMN z INT NOT NULL DEFAULT 7' --execute --no-attempt-instant "
      "--heartbeat-interval-millis 100 --no-serve-socket --postpone-cut-over-flag-file " +
      shell_quote(tmp_ + ".postpone");
  const pid_t pid = start(args);
  auto xa = SqlConnection::open(settings_);
  // A prepared XA transaction outlives its connection: never leave one behind (it would hold t).
  struct RollBack {
    SqlConnection& c;
    bool done = false;
    ~RollBack() {
      if (!done) try {
          c.execute("XA ROLLBACK 'held'");
        } catch (const SqlError&) {
        }
    }
  } roll_back{*xa};
  const auto version = xa->query("SELECT VERSION()").scalar().value_or("");
  binlog::BinlogPosition after_prepare;
  std::int64_t marker_applied_at = 0;
  Table xa_rows;
  const auto c = kill_when(pid, [&](const Checkpoint& c) {
    if (after_prepare.empty()) {
      if (c.phase != "postponed") return false;
      // Ids no writer owns, above the copy's range: only the applier can bring them.
      xa->execute("XA START 'held'");
      for (int i = 1; i <= 20; ++i) {
        const auto id = std::to_string(5000000 + i);
        xa->execute("INSERT INTO t VALUES (" + id + ", " + std::to_string(i) + ", 'xa')");
        xa_rows[id] = {std::to_string(i), "xa"};
      }
      xa->execute("XA END 'held'");
      xa->execute("XA PREPARE 'held'");
      after_prepare = current_binlog_position(*xa, version);
      // A marker after the PREPARE: once it is in the ghost, the applier has passed the PREPARE.
      conn_->execute("INSERT INTO t VALUES (5000100, 1, 'marker')");
      xa_rows["5000100"] = {"1", "marker"};
      return false;
    }
    if (marker_applied_at == 0) {
      if (conn_->query("SELECT 1 FROM t_gho WHERE id = 5000100").empty()) return false;
      marker_applied_at =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
    }
    return c.written_micros > marker_applied_at + 100000;  // a checkpoint taken after that
  });
  ASSERT_FALSE(after_prepare.empty());
  EXPECT_LT(c.applied, after_prepare) << "the checkpoint passed the held XA PREPARE";
  EXPECT_TRUE(conn_->query("SELECT 1 FROM t_gho WHERE id = 5000001").empty()) << "XA rows applied at PREPARE";

  const pid_t rerun = start(args + " --skip-checksum");
  const auto deadline = Clock::now() + 120s;
  for (;;) {  // the rerun's own checkpoint: it has resumed
    auto now = checkpoint();
    if (now && now->written_micros > c.written_micros && now->phase == "postponed") break;
    ASSERT_LT(Clock::now(), deadline) << read_file(tmp_ + ".log");
    std::this_thread::sleep_for(20ms);
  }
  xa->execute("XA COMMIT 'held'");
  roll_back.done = true;
  ::unlink((tmp_ + ".postpone").c_str());
  int status = 0;
  ASSERT_EQ(::waitpid(rerun, &status, 0), rerun);
  const auto log = read_file(tmp_ + ".log");
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log;
  EXPECT_NE(log.find("resuming the interrupted run"), std::string::npos) << log;
  stop_writers_ = true;
  for (auto& th : threads_) th.join();
  threads_.clear();
  for (const auto& wr : writers_) EXPECT_EQ(wr.errors, 0u) << wr.last_error;
  expect_model(xa_rows);
}

}  // namespace
