// Revert after a restart (--keep-old-table-in-sync, engine/revert/reverse_resume.h): the real
// ghostcut binary keeps the old table in sync after its cut-over and is killed with SIGKILL while
// model-checked writers keep writing to the new table; `ghostcut revert` (or the same migrate
// command again, then `ghostcut ctl revert=t`) resumes the reverse sync from its checkpoint in
// t_ghc and swaps the old table back: it must then equal the writers' model, every write before,
// during and after both cut-overs and the crash, with 0 writer errors. And the refusals, each with
// nothing touched: no checkpoint, another ghostcut holding the table, a sync that had stopped, the
// window passed, the checkpointed binlog purged.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <thread>

#include "engine/resume/resume.h"
#include "engine/resume/run_guard.h"
#include "engine/revert/reverse_checkpoint.h"
#include "engine/sql/binlog_settings.h"
#include "engine/sql/changelog.h"
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

constexpr int kRevertRows = 3000;
// An added column, a widening and a rename: each has an exact way back.
const char* kAlter = "'ADD COLUMN z INT NOT NULL DEFAULT 7, MODIFY a BIGINT NOT NULL, CHANGE c c2 INT NULL'";

class RevertRestartTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    // Short: a unix socket path holds at most 107 bytes.
    static std::atomic<int> n{0};
    tmp_ = "/tmp/ghostcut-revert-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    // t(id, a INT, b, c): writers own a and b; c is the seed's copy of id, renamed by the ALTER.
    conn_->execute(
        "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a INT NOT NULL, b VARCHAR(64) NOT NULL, c INT NULL)");
    conn_->execute("INSERT INTO t SELECT seq, seq, 'seed', seq FROM seq_1_to_" + std::to_string(kRevertRows));
  }
  void TearDown() override {
    stop_writers();
    for (const char* s : {".log", ".sock"}) ::unlink((tmp_ + s).c_str());
    LiveServerTest::TearDown();
  }

  void start_writers() {
    writers_.resize(3);
    seed_models(writers_, kRevertRows);
    for (auto& wr : writers_) threads_.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop_));
  }
  void stop_writers() {
    stop_ = true;
    for (auto& th : threads_) th.join();
    threads_.clear();
  }
  std::uint64_t ops() const {
    std::uint64_t n = 0;
    for (const auto& wr : writers_) n += wr.ops;
    return n;
  }
  // Waits (bounded only as a failure guard) until the writers made `n` more operations.
  void let_writers_write(std::uint64_t n) {
    const auto target = ops() + n;
    const auto deadline = Clock::now() + 120s;
    while (ops() < target && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
    EXPECT_GE(ops(), target) << "the writers stalled";
  }

  // `ghostcut <command> --database <db> <args>` as a child; output to <tmp>.log.
  pid_t start(const std::string& command, const std::string& args) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv("GHOSTCUT_PASSWORD", settings_.password.c_str(), 1);
      ::setenv("HOME", "/nonexistent-ghostcut-home", 1);
      const std::string cmd = std::string(GHOSTCUT_BINARY) + " " + command + " --host " + settings_.host + " --port " +
                              std::to_string(settings_.port) + " --user " + shell_quote(settings_.user) +
                              " --ssl-mode disabled --database " + shell_quote(db_) + " " + args + " >" +
                              shell_quote(tmp_ + ".log") + " 2>&1";
      ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return pid;
  }
  // Waits for the child; (exit code, output).
  std::pair<int, std::string> finish(pid_t pid) {
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), read_file(tmp_ + ".log")};
  }
  std::pair<int, std::string> run(const std::string& command, const std::string& args) {
    return finish(start(command, args));
  }
  std::string migrate_args() const {
    return std::string("--table t --alter ") + kAlter +
           " --execute --keep-old-table-in-sync 10m --heartbeat-interval-millis 100 --cut-over-lock-timeout-seconds 5"
           " --serve-socket-file " +
           shell_quote(tmp_ + ".sock");
  }
  // `ghostcut ctl --socket <tmp>.sock <command>`; its exit code.
  int ctl(const std::string& command) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const std::string cmd = std::string(GHOSTCUT_BINARY) + " ctl --socket " + shell_quote(tmp_ + ".sock") + " " +
                              shell_quote(command) + " >/dev/null 2>&1";
      ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  }
  std::optional<ReverseCheckpoint> checkpoint() {
    try {
      return ReverseCheckpointStore(db_, "t_ghc").read(*conn_);
    } catch (const std::exception&) {
      return std::nullopt;  // the table dropped between our reads? read again
    }
  }
  // Until the reverse checkpoint shows `ready` (the process must still run); false if it ended.
  bool wait_for_checkpoint(pid_t pid, const std::function<bool(const ReverseCheckpoint&)>& ready) {
    const auto deadline = Clock::now() + 180s;
    while (Clock::now() < deadline) {
      if (auto c = checkpoint(); c && ready(*c)) return true;
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        ADD_FAILURE() << "ghostcut ended early:\n" << read_file(tmp_ + ".log");
        return false;
      }
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "the reverse sync checkpoint was not reached:\n" << read_file(tmp_ + ".log");
    return false;
  }
  // The syncing process: killed with SIGKILL once its checkpoint holds writes made after the
  // cut-over (a checkpoint written after `n` operations on the new table). Returns that checkpoint.
  // With SIGTERM it stops cleanly instead, keeping t_ghc (the checkpoint) and t_del.
  ReverseCheckpoint kill_while_syncing(pid_t pid, std::uint64_t n, int sig = SIGKILL) {
    if (!wait_for_checkpoint(pid, [](const ReverseCheckpoint& c) { return c.state == "syncing" && c.past_rename; }))
      return {};
    if (!writers_.empty()) let_writers_write(n);
    const auto seen = checkpoint();
    if (!seen) return {};
    wait_for_checkpoint(pid, [&](const ReverseCheckpoint& c) { return c.applied > seen->applied; });
    ::kill(pid, sig);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (sig == SIGKILL) {
      EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << read_file(tmp_ + ".log");
    } else {
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_file(tmp_ + ".log");
      EXPECT_NE(read_file(tmp_ + ".log").find("kept t_ghc"), std::string::npos) << read_file(tmp_ + ".log");
    }
    wait_for_run_lock_free();
    auto c = checkpoint();
    EXPECT_TRUE(c);
    return c ? *c : ReverseCheckpoint{};
  }
  // The killed process's run lock goes with its session, once the server has noticed.
  void wait_for_run_lock_free() {
    const auto deadline = Clock::now() + 60s;
    while (conn_->query("SELECT IS_FREE_LOCK(?)", {run_lock_name(db_, "t")}).scalar().value_or("0") != "1") {
      ASSERT_LT(Clock::now(), deadline) << "the killed run's lock was not freed";
      std::this_thread::sleep_for(20ms);
    }
  }
  bool exists(const std::string& table) {
    return !conn_
                ->query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                        {db_, table})
                .empty();
  }
  std::string columns(const std::string& table) {
    return conn_
        ->query(
            "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            {db_, table})
        .scalar()
        .value_or("");
  }
  // Nothing swapped or dropped: t the new table, t_del the old, the checkpoint still there.
  void expect_untouched(const ReverseCheckpoint& was) {
    EXPECT_EQ(columns("t"), "id,a,b,c2,z");
    EXPECT_EQ(columns("t_del"), "id,a,b,c");
    EXPECT_FALSE(exists("t_rev"));
    auto now = checkpoint();
    ASSERT_TRUE(now);
    EXPECT_EQ(now->applied, was.applied);
  }
  // After the writers stopped: t is the old table again and equals their model.
  void expect_reverted_to_model() {
    std::uint64_t n = 0;
    const Table expected = model_rows(writers_);
    for (const auto& wr : writers_) {
      EXPECT_EQ(wr.errors, 0u) << wr.last_error;
      n += wr.ops;
    }
    EXPECT_GT(n, 600u) << "the writers barely ran";
    EXPECT_EQ(columns("t"), "id,a,b,c");
    const Table got = read_table(*conn_, db_, "t", "a, b", "id");
    EXPECT_EQ(count_differences(expected, got, read_table(*conn_, db_, "t_rev", "a, b", "id")), 0u);
    EXPECT_EQ(got.size(), expected.size());
    // The renamed column came back with its values through both swaps and the crash.
    EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE id <= 3000 AND NOT (c <=> id)").scalar().value_or("?"), "0");
    EXPECT_TRUE(exists("t_rev"));
    EXPECT_FALSE(exists("t_ghc"));
    EXPECT_FALSE(exists("t_del"));
  }

  std::string tmp_;
  std::vector<Writer> writers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
};

TEST_F(RevertRestartTest, KilledWhileKeepingTheOldTableInSyncThenGhostcutRevertKeepsEveryWrite) {
  start_writers();
  const auto c = kill_while_syncing(start("migrate", migrate_args()), 300);
  ASSERT_FALSE(c.applied.empty());
  let_writers_write(300);  // while no ghostcut runs
  const pid_t revert = start("revert", "--table t --cut-over-lock-timeout-seconds 5 --no-serve-socket");
  let_writers_write(100);  // while it catches up and swaps
  auto [code, log] = finish(revert);
  ASSERT_EQ(code, 0) << log;
  EXPECT_NE(log.find("resuming the reverse sync"), std::string::npos) << log;
  EXPECT_NE(log.find("reverted: "), std::string::npos) << log;
  let_writers_write(200);  // into the old table again
  stop_writers();
  expect_reverted_to_model();
}

// A checkpoint written before the reverse stream reached the cut-over's RENAME (the process died
// right after the cut-over): the resumed stream starts there, skips through the RENAME and applies
// everything after it.
TEST_F(RevertRestartTest, ACheckpointFromBeforeTheCutOversRenameResumesThroughIt) {
  const auto began = current_binlog_position(*admin_, admin_->query("SELECT VERSION()").scalar().value_or(""));
  start_writers();
  const auto c = kill_while_syncing(start("migrate", migrate_args()), 300);
  ASSERT_FALSE(c.applied.empty());
  // The start of the RENAME's transaction (its GTID event): a transaction boundary before it.
  auto events = admin_->query("SHOW BINLOG EVENTS IN '" + began.file + "' FROM " + std::to_string(began.offset));
  std::string before_rename;
  std::string trx_start;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto type = events.at(i, "Event_type").value_or("");
    const auto info = events.at(i, "Info").value_or("");
    if (type == "Gtid" || type == "Anonymous_Gtid") trx_start = events.at(i, "Pos").value_or("");  // MariaDB, MySQL
    if (type == "Query" && info.find("RENAME TABLE") != std::string::npos &&
        info.find("`t_del`") != std::string::npos && info.find("`" + db_ + "`") != std::string::npos &&
        before_rename.empty())
      before_rename = trx_start;
  }
  ASSERT_FALSE(before_rename.empty()) << "the cut-over's RENAME was not found in " << began.file;
  conn_->update("UPDATE t_ghc SET value = ? WHERE id = 46", {began.file + ":" + before_rename + " before-rename"});
  let_writers_write(300);
  auto [code, log] = run("revert", "--table t --no-serve-socket");
  ASSERT_EQ(code, 0) << log;
  EXPECT_NE(log.find("the cut-over's RENAME is at"), std::string::npos) << log;
  EXPECT_NE(log.find("reverted: "), std::string::npos) << log;
  let_writers_write(200);
  stop_writers();
  expect_reverted_to_model();
}

TEST_F(RevertRestartTest, StoppedWithSigtermWhileKeepingTheOldTableInSyncThenGhostcutRevertKeepsEveryWrite) {
  start_writers();
  const auto c = kill_while_syncing(start("migrate", migrate_args()), 300, SIGTERM);
  ASSERT_FALSE(c.applied.empty());
  EXPECT_EQ(c.state, "syncing");
  let_writers_write(300);
  const pid_t revert = start("revert", "--table t --no-serve-socket");
  let_writers_write(100);
  auto [code, log] = finish(revert);
  ASSERT_EQ(code, 0) << log;
  EXPECT_NE(log.find("reverted: "), std::string::npos) << log;
  let_writers_write(200);
  stop_writers();
  expect_reverted_to_model();
}

TEST_F(RevertRestartTest, KilledWhileKeepingTheOldTableInSyncThenTheSameCommandResumesAndCtlReverts) {
  start_writers();
  const auto c = kill_while_syncing(start("migrate", migrate_args()), 300);
  ASSERT_FALSE(c.applied.empty());
  let_writers_write(300);
  // Without --keep-old-table-in-sync the rerun refuses and says what to do.
  std::string args = migrate_args();
  args.erase(args.find(" --keep-old-table-in-sync 10m"), std::string(" --keep-old-table-in-sync 10m").size());
  auto [refused, why] = run("migrate", args);
  EXPECT_NE(refused, 0) << why;
  EXPECT_NE(why.find("ghostcut revert"), std::string::npos) << why;
  // The same command again resumes keeping the old table in sync (a new checkpoint shows it).
  const pid_t again = start("migrate", migrate_args());
  ASSERT_TRUE(wait_for_checkpoint(
      again, [&](const ReverseCheckpoint& k) { return k.state == "syncing" && k.applied > c.applied; }));
  let_writers_write(200);
  // revert=t is refused until the restarted process is keeping the old table in sync: ask again.
  const auto deadline = Clock::now() + 120s;
  while (ctl("revert=t") != 0) {
    int status = 0;
    ASSERT_NE(::waitpid(again, &status, WNOHANG), again) << read_file(tmp_ + ".log");
    ASSERT_LT(Clock::now(), deadline) << "revert=t was never accepted";
    std::this_thread::sleep_for(50ms);
  }
  auto [code, log] = finish(again);
  ASSERT_EQ(code, 0) << log;
  EXPECT_NE(log.find("resuming the reverse sync"), std::string::npos) << log;
  EXPECT_NE(log.find("reverted: "), std::string::npos) << log;
  let_writers_write(200);
  stop_writers();
  expect_reverted_to_model();
}

// The reverse checkpoint's rows (40..48) sit beside the forward checkpoint (16..31) and the
// heartbeat (1) in t_ghc, and round-trip every field.
TEST_F(RevertRestartTest, ReverseCheckpointRoundTripsBesideTheForwardOneAndTheHeartbeat) {
  conn_->execute(Changelog(db_, "t_ghc").create_query());
  conn_->execute("INSERT INTO t_ghc (id, hint, value) VALUES (1, 'heartbeat', '123'), (16, 'checkpoint.alter', 'x')");
  ReverseCheckpointStore store(db_, "t_ghc");
  EXPECT_FALSE(store.read(*conn_).has_value());
  ReverseCheckpoint c;
  c.plan = {"ADD COLUMN z INT, COMMENT 'a\nb'", "0123456789abcdef", "fedcba9876543210", "PRIMARY (id)", "9.9.9"};
  c.table = "t";
  c.old_table = "t_del";
  c.applied = {"mysql-bin.000042", 12345};
  c.past_rename = true;
  c.until_epoch = 1900000000;
  c.state = "syncing";
  store.write(*conn_, c);
  auto back = store.read(*conn_);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->plan, c.plan);
  EXPECT_EQ(back->table, "t");
  EXPECT_EQ(back->old_table, "t_del");
  EXPECT_EQ(back->applied, c.applied);
  EXPECT_TRUE(back->past_rename);
  EXPECT_EQ(back->until_epoch, 1900000000);
  EXPECT_EQ(back->state, "syncing");
  EXPECT_GT(back->written_micros, 0);
  c.past_rename = false;
  c.state = "stopped: reverse sync stopped: Out of range value for column 'a'";
  store.write(*conn_, c);
  back = store.read(*conn_);
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->past_rename);
  EXPECT_EQ(back->state, c.state);
  EXPECT_EQ(conn_->query("SELECT value FROM t_ghc WHERE id = 1").scalar(), "123");
  EXPECT_EQ(conn_->query("SELECT value FROM t_ghc WHERE id = 16").scalar(), "x");
}

TEST_F(RevertRestartTest, NothingCheckpointedIsRefused) {
  auto [code, log] = run("revert", "--table t --no-serve-socket");
  EXPECT_NE(code, 0) << log;
  EXPECT_NE(log.find("no reverse sync of `" + db_ + "`.`t` is checkpointed"), std::string::npos) << log;
  EXPECT_NE(log.find("Nothing was changed"), std::string::npos) << log;
  EXPECT_EQ(columns("t"), "id,a,b,c");
  // A migration without --keep-old-table-in-sync leaves no checkpoint either: refused, t_del untouched.
  auto [m, mlog] =
      run("migrate", std::string("--table t --alter ") + kAlter + " --execute --no-attempt-instant --no-serve-socket");
  ASSERT_EQ(m, 0) << mlog;
  auto [code2, log2] = run("revert", "--table t --no-serve-socket");
  EXPECT_NE(code2, 0) << log2;
  EXPECT_NE(log2.find("t_ghc does not exist"), std::string::npos) << log2;
  EXPECT_EQ(columns("t"), "id,a,b,c2,z");
  EXPECT_EQ(columns("t_del"), "id,a,b,c");
}

// After a crash: each refusal leaves everything as it was; the last one (purged binlog) for good.
TEST_F(RevertRestartTest, BusyStoppedExpiredAndPurgedAreRefusedWithNothingTouched) {
  const auto c = kill_while_syncing(start("migrate", migrate_args()), 0);
  ASSERT_FALSE(c.applied.empty());
  conn_->execute("UPDATE t SET b = 'after the crash' WHERE id = 5");

  {  // another ghostcut holds the table (its run lock)
    auto other = SqlConnection::open(settings_);
    ASSERT_EQ(other->query("SELECT GET_LOCK(?, 0)", {run_lock_name(db_, "t")}).scalar().value_or(""), "1");
    auto [code, log] = run("revert", "--table t --no-serve-socket");
    EXPECT_NE(code, 0) << log;
    EXPECT_NE(log.find("another ghostcut is already migrating"), std::string::npos) << log;
    EXPECT_NE(log.find(run_lock_name(db_, "t")), std::string::npos) << log;
    expect_untouched(c);
  }
  wait_for_run_lock_free();

  {  // the sync had stopped before the crash (a value the old type cannot hold)
    conn_->execute("UPDATE t_ghc SET value = 'stopped: reverse sync stopped: Out of range value' WHERE id = 48");
    auto [code, log] = run("revert", "--table t --no-serve-socket");
    EXPECT_NE(code, 0) << log;
    EXPECT_NE(log.find("had stopped"), std::string::npos) << log;
    EXPECT_NE(log.find("Out of range"), std::string::npos) << log;
    expect_untouched(c);
    conn_->execute("UPDATE t_ghc SET value = 'syncing' WHERE id = 48");
  }

  {  // the window passed while no ghostcut ran
    conn_->execute("UPDATE t_ghc SET value = CAST(UNIX_TIMESTAMP() - 5 AS CHAR) WHERE id = 47");
    auto [code, log] = run("revert", "--table t --no-serve-socket");
    EXPECT_NE(code, 0) << log;
    EXPECT_NE(log.find("revert window"), std::string::npos) << log;
    EXPECT_NE(log.find("ended"), std::string::npos) << log;
    expect_untouched(c);
    conn_->execute("UPDATE t_ghc SET value = CAST(UNIX_TIMESTAMP() + 600 AS CHAR) WHERE id = 47");
  }

  {  // the checkpoint's binary log purged: the writes since cannot reach t_del
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
    auto [code, log] = run("revert", "--table t --no-serve-socket");
    EXPECT_NE(code, 0) << log;
    EXPECT_NE(log.find(c.applied.file), std::string::npos) << log;
    EXPECT_NE(log.find("purged"), std::string::npos) << log;
    expect_untouched(c);
  }
  EXPECT_EQ(conn_->query("SELECT b FROM t WHERE id = 5").scalar().value_or(""), "after the crash");
}

}  // namespace
