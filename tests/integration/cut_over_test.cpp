// The cut-over's safety argument (engine/cutover/cutover.h) checked on the live server: the RENAME's first
// lock is t's, a writer queued on t before the unlock always lands in the new table, aborted
// attempts leave nothing behind, and a cut-over interrupted at any step (process killed or
// stopped) leaves t with every committed write, in the original or the new table, never split.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <random>
#include <thread>

#include "engine/cutover/cutover.h"
#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "integration/migrator_config.h"
#include "integration/model_writer.h"
#include "integration/test_server.h"
#include "support/process.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using ghostcut::ConnectionSettings;
using namespace ghostcut::testing;
using namespace std::chrono_literals;
using ghostcut::test::read_file;
using ghostcut::test::shell_quote;

namespace {

using Clock = std::chrono::steady_clock;

// Until `id`'s session shows `state` (PROCESSLIST), or 30 s.
bool wait_state(SqlConnection& admin, std::uint64_t id, const std::string& state) {
  const auto until = Clock::now() + 30s;
  while (Clock::now() < until) {
    auto r = admin.query("SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = ?", {id});
    if (!r.empty() && r.rows[0][0] && *r.rows[0][0] == state) return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

class CutOverTest : public LiveServerTest {
 protected:
  MigratorConfig migrator_config() { return ghostcut::testing::test_migrator_config(settings_, 930000); }
  MigrationPlan plan_for(const std::string& table, const std::string& alter) {
    Inspector inspector(*conn_, InspectorConfig{});
    return inspector.inspect(db_, table, alter);
  }
  void make_table(int rows, std::vector<Writer>& writers) {
    create_seeded_table(*conn_, rows);
    seed_models(writers, rows);
  }
  // t's rows on (a, b) against the writers' models; 0 = equal.
  std::size_t compare_with_model(const std::vector<Writer>& writers, const std::string& old_table = "t_del") {
    const Table expected = model_rows(writers);
    const Table got = read_table(*conn_, db_, "t", "a, b", "id");
    Table old;
    if (!conn_->query("SHOW TABLES LIKE '" + old_table + "'").empty() &&
        !conn_->query("SHOW COLUMNS FROM " + quote_identifier(old_table) + " LIKE 'a'").empty())
      old = read_table(*conn_, db_, old_table, "a, b", "id");
    EXPECT_EQ(got.size(), expected.size());
    return count_differences(expected, got, old);
  }
};

// (a)-(c) of the argument, on the server itself: with the sentry and ghost named after the table,
// a RENAME waiting behind LOCK TABLES holds no lock on the ghost (t is its first), and a writer
// queued on t before the unlock runs only after the RENAME, on the new table — even while a third
// session makes the RENAME wait for the ghost name after it has taken t.
TEST_F(CutOverTest, TheRenameQueuesOnTheTableFirstAndQueuedWritersFollowIt) {
  auto locker = SqlConnection::open(settings_);
  auto renamer = SqlConnection::open(settings_);
  auto other = SqlConnection::open(settings_);
  auto writer = SqlConnection::open(settings_);
  other->execute("SET SESSION lock_wait_timeout = 1");
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    conn_->execute("DROP TABLE IF EXISTS t, t_gho, t_del");
    conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
    conn_->execute("CREATE TABLE t_gho (id INT PRIMARY KEY, v INT, z INT NOT NULL DEFAULT 7)");
    conn_->execute("CREATE TABLE t_del (id INT PRIMARY KEY)");
    locker->execute("LOCK TABLES t WRITE, t_del WRITE");
    auto rename = std::async(std::launch::async, [&] {
      SqlThreadGuard g;
      renamer->execute("RENAME TABLE t TO t_del, t_gho TO t");
    });
    ASSERT_TRUE(wait_state(*admin_, renamer->connection_id(), "Waiting for table metadata lock"));
    // It holds nothing on the ghost: another session can take it exclusively at once.
    other->execute("LOCK TABLES t_gho WRITE");
    auto write = std::async(std::launch::async, [&] {
      SqlThreadGuard g;
      writer->update("INSERT INTO t (id, v) VALUES (?, ?)", {1000 + round, round});
    });
    ASSERT_TRUE(wait_state(*admin_, writer->connection_id(), "Waiting for table metadata lock"));
    locker->execute("DROP TABLE t_del");
    locker->execute("UNLOCK TABLES");
    // The RENAME now holds t and waits for t_gho; the writer must still wait.
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + round * 5));
    EXPECT_EQ(write.wait_for(0ms), std::future_status::timeout) << "a queued writer overtook the RENAME";
    other->execute("UNLOCK TABLES");
    rename.get();
    write.get();
    // The write is in the new table (the one with z), none in the old.
    EXPECT_EQ(conn_->query("SELECT z FROM t WHERE id = ?", {1000 + round}).scalar(), "7");
    EXPECT_TRUE(conn_->query("SELECT 1 FROM t_del WHERE id = ?", {1000 + round}).empty());
  }
}

// Why the names changed, shown on the server: with gh-ost's `_t_gho`/`_t_del` (sorting before t)
// the RENAME waits on the sentry first; once the sentry is dropped it takes it and then waits for
// the ghost name (here held by another session) while t is still unrequested. An unlock at that
// moment — which the old guard allowed, seeing the ghost name held — lets the queued writer into
// the OLD table: the write is in `_t_del` after the swap, lost.
TEST_F(CutOverTest, WithGhOstNamesAQueuedWriterOvertakesTheRename) {
  conn_->execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  conn_->execute("CREATE TABLE _t_gho (id INT PRIMARY KEY, v INT, z INT NOT NULL DEFAULT 7)");
  conn_->execute("CREATE TABLE _t_del (id INT PRIMARY KEY)");
  auto locker = SqlConnection::open(settings_);
  auto renamer = SqlConnection::open(settings_);
  auto other = SqlConnection::open(settings_);
  auto writer = SqlConnection::open(settings_);
  locker->execute("LOCK TABLES t WRITE, _t_del WRITE");
  auto rename = std::async(std::launch::async, [&] {
    SqlThreadGuard g;
    renamer->execute("RENAME TABLE t TO _t_del, _t_gho TO t");
  });
  ASSERT_TRUE(wait_state(*admin_, renamer->connection_id(), "Waiting for table metadata lock"));
  other->execute("LOCK TABLES _t_gho WRITE");
  auto write = std::async(std::launch::async, [&] {
    SqlThreadGuard g;
    writer->update("INSERT INTO t (id, v) VALUES (1, 1)");
  });
  ASSERT_TRUE(wait_state(*admin_, writer->connection_id(), "Waiting for table metadata lock"));
  locker->execute("DROP TABLE _t_del");
  // The RENAME now holds `_t_del` and waits for `_t_gho`, never having asked for t.
  ASSERT_TRUE(wait_state(*admin_, renamer->connection_id(), "Waiting for table metadata lock"));
  locker->execute("UNLOCK TABLES");
  // The writer is not held back: it commits into the original t while the RENAME still waits.
  EXPECT_EQ(write.wait_for(10s), std::future_status::ready) << "the writer stayed queued";
  other->execute("UNLOCK TABLES");
  rename.get();
  if (write.valid()) write.get();
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM _t_del WHERE id = 1").scalar(), "1")
      << "the write went to the old table";
  EXPECT_TRUE(conn_->query("SELECT 1 FROM t WHERE id = 1").empty());
}

// The lost-write race of issue #20, made certain: after the drain, another session takes the
// ghost name exclusively, and a writer queues on t. With the old names (`_t_gho` sorting before
// t) the RENAME waited on the ghost name while the unlock let the queued write into the OLD table;
// now the RENAME already waits on t, so the write goes to the new one.
TEST_F(CutOverTest, AForeignLockOnTheGhostCannotMisplaceAQueuedWrite) {
  std::vector<Writer> writers(2);
  make_table(2000, writers);
  auto plan = plan_for("t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
  RuntimeSettings runtime;
  ProgressCounters progress;
  auto other = SqlConnection::open(settings_);
  auto late = SqlConnection::open(settings_);
  std::future<void> late_write;
  std::thread releaser;
  auto cfg = migrator_config();
  cfg.cut_over.before_unlock = [&](int attempt) {
    if (attempt != 1) return;
    other->execute("LOCK TABLES " + quote_qualified(db_, "t_gho") + " WRITE");
    late_write = std::async(std::launch::async, [&] {
      SqlThreadGuard g;
      late->update("INSERT INTO " + quote_qualified(db_, "t") + " (id, a, b) VALUES (9999999, 1, 'late')");
    });
    ASSERT_TRUE(wait_state(*admin_, late->connection_id(), "Waiting for table metadata lock"));
    releaser = std::thread([&] {
      SqlThreadGuard g;
      std::this_thread::sleep_for(300ms);
      other->execute("UNLOCK TABLES");
    });
  };
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& wr : writers) threads.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop));
  std::exception_ptr failure;
  MigrationResult result;
  try {
    result = migrator.run(std::stop_token{});
  } catch (...) {
    failure = std::current_exception();
  }
  if (releaser.joinable()) releaser.join();
  std::this_thread::sleep_for(200ms);
  stop = true;
  for (auto& th : threads) th.join();
  if (failure) std::rethrow_exception(failure);
  ASSERT_TRUE(late_write.valid());
  late_write.get();
  EXPECT_EQ(result.cut_over.attempts, 1);
  EXPECT_EQ(conn_->query("SELECT z FROM t WHERE id = 9999999").scalar(), "7") << "the queued write is not in the new t";
  EXPECT_TRUE(conn_->query("SELECT 1 FROM t_del WHERE id = 9999999").empty()) << "the queued write went to the old t";
  writers[9999999 % 2].model[9999999] = {1, "late"};
  for (const auto& wr : writers) EXPECT_EQ(wr.errors, 0u) << wr.last_error;
  EXPECT_EQ(compare_with_model(writers), 0u);
}

// MariaDB's backup locks: a BACKUP STAGE BLOCK_DDL (mariabackup) requested while the cut-over holds
// its lock waits behind it and would be granted at the unlock, and the RENAME, which only TRIES the
// backup lock after taking t, would then give t back to the queued writers (found by review, seen
// here: a write landed in the old table). The cut-over sees the waiting backup request, stops the
// RENAME, unlocks into the original and retries: the queued write ends up in the new table.
TEST_F(CutOverTest, ABackupStageWaitingAtTheUnlockCannotMisplaceAQueuedWrite) {
  std::vector<Writer> writers(1);
  make_table(500, writers);
  auto plan = plan_for("t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
  RuntimeSettings runtime;
  ProgressCounters progress;
  auto backup = SqlConnection::open(settings_);
  auto late = SqlConnection::open(settings_);
  std::future<void> late_write, backup_stage;
  auto cfg = migrator_config();
  cfg.cut_over.at_step = [&](CutOverStep s, const CutOverSessions&) {
    if (s != CutOverStep::kSentryDropped || late_write.valid()) return;
    late_write = std::async(std::launch::async, [&] {
      SqlThreadGuard g;
      late->update("INSERT INTO " + quote_qualified(db_, "t") + " (id, a, b) VALUES (9999999, 1, 'late')");
    });
    ASSERT_TRUE(wait_state(*admin_, late->connection_id(), "Waiting for table metadata lock"));
    backup_stage = std::async(std::launch::async, [&] {
      SqlThreadGuard g;
      backup->execute("BACKUP STAGE START");
      backup->execute("BACKUP STAGE BLOCK_DDL");
      std::this_thread::sleep_for(300ms);
      backup->execute("BACKUP STAGE END");
    });
    // Until the backup request waits (behind our lock).
    const auto until = Clock::now() + 20s;
    while (Clock::now() < until) {
      auto r =
          admin_->query("SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = ?", {backup->connection_id()});
      if (!r.empty() && r.rows[0][0] && r.rows[0][0]->find("lock") != std::string::npos) break;
      std::this_thread::sleep_for(1ms);
    }
  };
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  MigrationResult result = migrator.run(std::stop_token{});
  ASSERT_TRUE(late_write.valid());
  late_write.get();
  backup_stage.get();
  EXPECT_GE(result.cut_over.attempts, 2);
  EXPECT_EQ(conn_->query("SELECT z FROM t WHERE id = 9999999").scalar(), "7") << "the queued write is not in the new t";
  writers[0].model[9999999] = {1, "late"};
  EXPECT_EQ(compare_with_model(writers), 0u);
}

// Aborted attempts (a failure injected after the drain, twice) undo themselves: the server shows no
// RENAME left running, the sentry is gone before the next attempt, and the third attempt swaps.
TEST_F(CutOverTest, AbortedAttemptsLeaveNoRenameAndNoSentry) {
  std::vector<Writer> writers(2);
  make_table(1000, writers);
  auto plan = plan_for("t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
  RuntimeSettings runtime;
  ProgressCounters progress;
  auto cfg = migrator_config();
  std::vector<std::string> seen;
  cfg.cut_over.at_step = [&](CutOverStep s, const CutOverSessions&) {
    if (s == CutOverStep::kSentryCreated) {
      // The previous attempt's RENAME has ended on the server.
      auto r = admin_->query(
          "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%cut-over rename%' "
          "AND INFO NOT LIKE '%PROCESSLIST%'");
      seen.push_back("renames running: " + r.scalar().value_or("?"));
    }
  };
  cfg.cut_over.before_unlock = [&](int attempt) {
    if (attempt <= 2) throw std::runtime_error("injected failure " + std::to_string(attempt));
  };
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& wr : writers) threads.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop));
  std::exception_ptr failure;
  MigrationResult result;
  try {
    result = migrator.run(std::stop_token{});
  } catch (...) {
    failure = std::current_exception();
  }
  std::this_thread::sleep_for(200ms);
  stop = true;
  for (auto& th : threads) th.join();
  if (failure) std::rethrow_exception(failure);
  EXPECT_EQ(result.cut_over.attempts, 3);
  ASSERT_EQ(seen.size(), 3u);
  for (const auto& s : seen) EXPECT_EQ(s, "renames running: 0");
  for (const auto& wr : writers) EXPECT_EQ(wr.errors, 0u) << wr.last_error;
  EXPECT_EQ(compare_with_model(writers), 0u);
}

// One of ghostcut's own connections killed by the server (a DBA's KILL, a proxy's idle cut, a
// failover of the connection) at each step while writers run: the attempt is undone or completes
// from what the server says, never from what the client guesses; the migration finishes (a retry
// if needed) and t holds every committed write.
class CutOverConnectionKillTest : public CutOverTest,
                                  public ::testing::WithParamInterface<std::tuple<CutOverStep, bool>> {};

TEST_P(CutOverConnectionKillTest, LosesNoWrite) {
  const auto [at, kill_lock] = GetParam();
  std::vector<Writer> writers(2);
  make_table(1500, writers);
  for (auto& wr : writers) wr.lock_wait_timeout = 20;
  auto plan = plan_for("t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
  RuntimeSettings runtime;
  ProgressCounters progress;
  auto cfg = migrator_config();
  bool killed = false;
  cfg.cut_over.at_step = [&](CutOverStep s, const CutOverSessions& ids) {
    if (s != at || killed) return;
    killed = true;
    admin_->execute("KILL CONNECTION " + std::to_string(kill_lock ? ids.lock_id : ids.rename_id));
  };
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& wr : writers) threads.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop));
  std::exception_ptr failure;
  MigrationResult result;
  try {
    result = migrator.run(std::stop_token{});
  } catch (...) {
    failure = std::current_exception();
  }
  std::this_thread::sleep_for(200ms);
  stop = true;
  for (auto& th : threads) th.join();
  if (failure) std::rethrow_exception(failure);
  EXPECT_TRUE(killed);
  for (const auto& wr : writers) EXPECT_EQ(wr.errors, 0u) << wr.last_error;
  EXPECT_FALSE(conn_->query("SHOW COLUMNS FROM t LIKE 'z'").empty()) << "not swapped in the end";
  EXPECT_EQ(compare_with_model(writers), 0u);
  std::cerr << "cut-over in " << result.cut_over.attempts << " attempt(s)\n";
}

INSTANTIATE_TEST_SUITE_P(Steps, CutOverConnectionKillTest,
                         ::testing::Combine(::testing::Values(CutOverStep::kLocked, CutOverStep::kRenameQueued,
                                                              CutOverStep::kDrained, CutOverStep::kSentryDropped),
                                            ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(to_string(std::get<0>(info.param))) +
                                  (std::get<1>(info.param) ? "_LockSession" : "_RenameSession");
                         });

// ---- crash drills: the real binary, stopped or killed at each step of the cut-over ----

struct Child {
  pid_t pid = -1;
  std::string log;  // its output file
};

// Starts `ghostcut migrate` in the background with the password in the environment.
Child start_ghostcut(const ConnectionSettings& s, const std::string& db, const std::string& args,
                     const std::string& fault, const std::string& log) {
  Child c;
  c.log = log;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::setenv("GHOSTCUT_PASSWORD", s.password.c_str(), 1);
    ::setenv("HOME", "/nonexistent-ghostcut-home", 1);
    if (!fault.empty()) ::setenv("GHOSTCUT_TEST_CUT_OVER_FAULT", fault.c_str(), 1);
    const std::string cmd = std::string(GHOSTCUT_BINARY) + " migrate --host " + s.host + " --port " +
                            std::to_string(s.port) + " --user " + shell_quote(s.user) +
                            " --ssl-mode disabled --no-serve-socket --database " + shell_quote(db) + " " + args + " >" +
                            shell_quote(log) + " 2>&1";
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return c;
}

class CutOverDrillTest : public CutOverTest, public ::testing::WithParamInterface<const char*> {};

// Killed (SIGKILL) right after each step while model-checked writers run: t holds every committed
// write, in the original (killed before the sentry drop) or the new table (after it), nothing
// stays locked (the writers' lock_wait_timeout would fail them), and the next run says what to do.
TEST_P(CutOverDrillTest, KilledAfterEachStepLosesNoWrite) {
  const std::string step = GetParam();
  std::vector<Writer> writers(3);
  make_table(3000, writers);
  for (auto& wr : writers) wr.lock_wait_timeout = 20;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& wr : writers) threads.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop));
  const std::string log = "/tmp/ghostcut-drill-" + std::to_string(::getpid()) + "-" + step + ".log";
  auto child = start_ghostcut(settings_, db_,
                              "--table t --alter 'ADD COLUMN z INT NOT NULL DEFAULT 7' --execute --no-attempt-instant "
                              "--cut-over-lock-timeout-seconds 2 --heartbeat-interval-millis 100",
                              step + ":kill", log);
  int status = 0;
  ASSERT_EQ(::waitpid(child.pid, &status, 0), child.pid);
  const std::string out = read_file(log);
  ::unlink(log.c_str());
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "not killed at '" << step << "':\n" << out;
  std::this_thread::sleep_for(500ms);  // writes after the crash, on whichever table is t
  stop = true;
  for (auto& th : threads) th.join();
  std::chrono::steady_clock::duration longest{};
  for (const auto& wr : writers) {
    EXPECT_EQ(wr.errors, 0u) << wr.last_error;
    longest = std::max(longest, wr.longest);
  }
  // No write waited longer than a cut-over may hold it: the lock and a RENAME's wait.
  EXPECT_LT(longest, 2 * 2s + 1s + 2s) << std::chrono::duration_cast<std::chrono::milliseconds>(longest).count()
                                       << " ms";

  const bool swapped = !conn_->query("SHOW COLUMNS FROM t LIKE 'z'").empty();
  const bool after_drop = step == "dropped" || step == "unlocked";
  EXPECT_EQ(swapped, after_drop) << "step " << step;
  EXPECT_EQ(compare_with_model(writers, swapped ? "t_del" : "none"), 0u);
  if (swapped) {
    EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t WHERE z <> 7").scalar(), "0");
  }
  // No RENAME left behind on the server.
  EXPECT_EQ(admin_
                ->query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%cut-over rename%' "
                        "AND INFO NOT LIKE '%PROCESSLIST%'")
                .scalar(),
            "0");

  // The next run finds the leftovers and says what they are and what to do.
  auto next = start_ghostcut(settings_, db_, "--table t --alter 'ADD COLUMN y INT'", "", log);
  ASSERT_EQ(::waitpid(next.pid, &status, 0), next.pid);
  const std::string advice = read_file(log);
  ::unlink(log.c_str());
  EXPECT_NE(WEXITSTATUS(status), 0) << advice;
  EXPECT_NE(advice.find(swapped ? "cut-over completed" : "interrupted"), std::string::npos) << advice;
  EXPECT_NE(advice.find("--drop-leftover-tables"), std::string::npos) << advice;
}

INSTANTIATE_TEST_SUITE_P(Steps, CutOverDrillTest,
                         ::testing::Values("sentry", "lock", "queued", "drained", "dropped", "unlocked"));

// A stopped ghostcut (SIGSTOP: a VM pause, a debugger) holding LOCK TABLES: the server ends its
// silent sessions after session_idle_bound, which releases the lock; writers resume on the
// original table, which is intact.
TEST_F(CutOverTest, AStoppedGhostcutsLockIsReleasedByTheServerWithinTheBound) {
  std::vector<Writer> writers(1);
  make_table(500, writers);
  const std::string log = "/tmp/ghostcut-stop-" + std::to_string(::getpid()) + ".log";
  auto child = start_ghostcut(settings_, db_,
                              "--table t --alter 'ADD COLUMN z INT NOT NULL DEFAULT 7' --execute --no-attempt-instant "
                              "--cut-over-lock-timeout-seconds 1",
                              "drained:stop", log);
  int status = 0;
  ASSERT_EQ(::waitpid(child.pid, &status, WUNTRACED), child.pid);
  ASSERT_TRUE(WIFSTOPPED(status)) << read_file(log);
  const auto stopped_at = Clock::now();
  // t is locked now; a write waits until the server ends the stopped process's lock session.
  auto w = SqlConnection::open(settings_);
  w->execute("SET SESSION lock_wait_timeout = 60");
  w->update("INSERT INTO t (id, a, b) VALUES (1000000, 1, 'after')");
  const auto waited = Clock::now() - stopped_at;
  const auto bound = session_idle_bound(1s);
  ::kill(child.pid, SIGKILL);
  ::waitpid(child.pid, &status, 0);
  ::unlink(log.c_str());
  std::cerr << "lock released " << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
            << " ms after the stop (bound " << bound.count() << " s)\n";
  // Released by the server's own timeout (no earlier: nobody else could), and within the bound
  // plus the server's scheduling slack.
  EXPECT_GE(waited, bound - 1s);
  EXPECT_LT(waited, bound + 5s);
  EXPECT_TRUE(conn_->query("SHOW COLUMNS FROM t LIKE 'z'").empty()) << "swapped although stopped before the drop";
  writers[0].model[1000000] = {1, "after"};
  EXPECT_EQ(compare_with_model(writers, "none"), 0u);
}

}  // namespace
