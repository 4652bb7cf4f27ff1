// Resume building blocks against the live server: the checkpoint in t_ghc (round trip, plan
// identity and its differences, a writer that follows a running copy), the copier resuming from a
// low-water mark (copying only what is left), the binlog-still-there check (a real PURGE), the
// one-migration-per-table lock, and connections that outlive the server closing them.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <thread>

#include "engine/copy/copier.h"
#include "engine/inspect/inspector.h"
#include "engine/resume/checkpoint.h"
#include "engine/resume/resume.h"
#include "engine/resume/run_guard.h"
#include "engine/sql/binlog_settings.h"
#include "engine/sql/changelog.h"
#include "integration/ghost_fixture.h"

using namespace ghostcut;
using namespace std::chrono_literals;
using ghostcut::testing::LiveServerTest;

namespace {

class ResumeTest : public LiveServerTest {
 protected:
  // t (id INT PK, v VARCHAR) with `rows` rows and gaps, its ghost with an added column, t_ghc.
  engine::MigrationPlan make_tables(int rows) {
    conn_->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40) CHARACTER SET utf8mb4)");
    conn_->execute("INSERT INTO t SELECT seq, CONCAT('é', seq) FROM seq_1_to_" + std::to_string(rows) +
                   " WHERE seq % 13 <> 0");
    conn_->execute("CREATE TABLE t_gho LIKE t");
    conn_->execute("ALTER TABLE t_gho ADD COLUMN extra INT NULL");
    auto plan = ghostcut::testing::make_plan(*conn_, db_, "t", "t_gho");
    plan.alter = "ADD COLUMN extra INT NULL";
    plan.ghost_create_statement = conn_->query("SHOW CREATE TABLE t_gho").at(0, "Create Table").value_or("");
    auto qb = engine::QueryBuilder::create(db_, "t", plan.chunk_key, plan.mapping, plan.original);
    EXPECT_TRUE(qb.has_value());
    conn_->execute(qb->changelog().create_query());
    return plan;
  }
  std::uint64_t count(const std::string& sql) { return engine::to_uint64(conn_->query(sql).scalar()); }
  // Every row of t with id <= low is in the ghost with the same value.
  void expect_copied_up_to(const engine::KeyTuple& low) {
    const auto id = std::get<std::int64_t>(low.at(0));
    const auto in_t = count("SELECT COUNT(*) FROM t WHERE id <= " + std::to_string(id));
    const auto in_both = count("SELECT COUNT(*) FROM t JOIN t_gho g USING (id) WHERE t.id <= " + std::to_string(id) +
                               " AND g.v <=> t.v");
    EXPECT_EQ(in_t, in_both) << "low-water mark " << id << " claims rows the ghost lacks";
  }
  void expect_same_content() {
    EXPECT_EQ(count("SELECT COUNT(*) FROM t"), count("SELECT COUNT(*) FROM t_gho"));
    EXPECT_EQ(count("SELECT COUNT(*) FROM t LEFT JOIN t_gho g USING (id) WHERE NOT (g.v <=> t.v)"), 0u);
  }
  // Waits (no fixed sleep) until connection `id` is gone from the server's process list.
  void wait_gone(std::uint64_t id) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (admin_->query("SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ?", {id}).empty()) return;
      std::this_thread::sleep_for(20ms);
    }
    FAIL() << "connection " << id << " still there";
  }

  engine::RuntimeSettings runtime_;
  engine::ProgressCounters progress_;
};

// ---- checkpoint ----

TEST_F(ResumeTest, CheckpointRoundTripsEveryFieldAndLeavesTheHeartbeatAlone) {
  const auto plan = make_tables(10);
  conn_->execute("INSERT INTO t_ghc (id, hint, value) VALUES (1, 'heartbeat', '123')");
  engine::CheckpointStore store(db_, plan.changelog_table);
  EXPECT_FALSE(store.read(*conn_).has_value());
  engine::Checkpoint c;
  c.plan = engine::plan_identity(*conn_, plan, "9.9.9");
  c.phase = "copying";
  c.applied = {"mysql-bin.000042", 12345};
  c.ranges.push_back({engine::KeyTuple{std::int64_t{-5}, std::string("a,b:\xC3\xA9\x00\xFF", 7), nullptr},
                      engine::KeyTuple{std::uint64_t{18446744073709551615ull}, std::string("zz"), 1.5}, 777, false});
  c.ranges.push_back({std::nullopt, std::nullopt, 0, false});
  store.write(*conn_, c);
  auto back = store.read(*conn_);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->plan, c.plan);
  EXPECT_EQ(back->phase, "copying");
  EXPECT_EQ(back->applied, c.applied);
  ASSERT_EQ(back->ranges.size(), 2u);
  EXPECT_EQ(back->ranges[0], c.ranges[0]);
  EXPECT_EQ(back->ranges[1], c.ranges[1]);
  EXPECT_GT(back->written_micros, 0);
  // A later write replaces it; the heartbeat row is untouched.
  c.phase = "postponed";
  c.ranges.resize(1);
  c.ranges[0].done = true;
  store.write(*conn_, c);
  back = store.read(*conn_);
  EXPECT_EQ(back->phase, "postponed");
  EXPECT_TRUE(back->ranges[0].done);
  EXPECT_EQ(conn_->query("SELECT value FROM t_ghc WHERE id = 1").scalar(), "123");
}

TEST_F(ResumeTest, PlanDifferencesAreNamedAndDecideTheResume) {
  const auto plan = make_tables(10);
  const auto was = engine::plan_identity(*conn_, plan, "0.1.0");
  EXPECT_EQ(was, engine::plan_identity(*conn_, plan, "0.1.0"));  // stable
  EXPECT_TRUE(engine::plan_differences(was, was).empty());
  engine::Checkpoint c;
  c.plan = was;
  c.phase = "copying";
  c.applied = {"mysql-bin.000001", 4};
  EXPECT_EQ(engine::decide_resume(c, was, true, false).verdict, engine::ResumeVerdict::kResume);
  EXPECT_EQ(engine::decide_resume(c, was, true, true).verdict, engine::ResumeVerdict::kFresh);
  EXPECT_EQ(engine::decide_resume(std::nullopt, was, true, false).verdict, engine::ResumeVerdict::kRefuse);
  EXPECT_EQ(engine::decide_resume(c, was, false, false).verdict, engine::ResumeVerdict::kRefuse);

  auto other = plan;
  other.alter = "ADD COLUMN other BIGINT";
  const auto now = engine::plan_identity(*conn_, other, "0.1.0");
  const auto d = engine::decide_resume(c, now, true, false);
  EXPECT_EQ(d.verdict, engine::ResumeVerdict::kRefuse);
  EXPECT_NE(d.reason.find("the ALTER differs"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("ADD COLUMN extra INT NULL"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("ADD COLUMN other BIGINT"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("--no-resume"), std::string::npos) << d.reason;

  // The original changed under the interrupted run (AUTO_INCREMENT alone does not count).
  conn_->execute("ALTER TABLE t AUTO_INCREMENT = 5000");
  EXPECT_EQ(engine::plan_identity(*conn_, plan, "0.1.0"), was);
  conn_->execute("ALTER TABLE t ADD INDEX v_idx (v)");
  const auto diff = engine::plan_differences(was, engine::plan_identity(*conn_, plan, "0.1.0"));
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_NE(diff[0].find("original table's definition changed"), std::string::npos) << diff[0];
  const auto ver = engine::plan_differences(was, engine::plan_identity(*conn_, plan, "0.2.0"));
  ASSERT_GE(ver.size(), 1u);
  EXPECT_NE(ver.back().find("0.1.0 then, 0.2.0 now"), std::string::npos);
  // A long ALTER is cut but still tells plans apart.
  EXPECT_NE(engine::stored_alter(std::string(5000, 'a')), engine::stored_alter(std::string(4999, 'a') + "b"));
  EXPECT_LT(engine::stored_alter(std::string(5000, 'a')).size(), 4096u);
}

// The writer follows a running copy (3 threads): every checkpoint it writes claims only rows that
// are in the ghost, and a write on demand waits for the copy's current mark.
TEST_F(ResumeTest, WriterFollowsARunningCopyAndNeverOverclaims) {
  const auto plan = make_tables(30000);
  ASSERT_TRUE(runtime_.set_threads(3));
  ASSERT_TRUE(runtime_.set_chunk_size(500));
  engine::CopierConfig cfg;
  std::atomic<engine::Copier*> copier_ptr{nullptr};
  engine::CheckpointStore store(db_, plan.changelog_table);
  const auto identity = engine::plan_identity(*conn_, plan, "test");
  engine::CheckpointWriter writer(
      settings_, store,
      [&] {
        engine::Checkpoint c;
        c.plan = identity;
        c.phase = "copying";
        c.applied = {"mysql-bin.000001", 4};
        if (auto* p = copier_ptr.load()) c.ranges.push_back(p->progress_mark());
        return c;
      },
      20ms, nullptr);
  std::atomic<int> calls{0};
  std::mutex check_mu;
  int checked = 0;
  cfg.wait_if_throttled = [&](std::stop_token) {
    // Every 7th chunk: a checkpoint now, then its claim checked against the ghost.
    if (++calls % 7 != 0) return;
    std::lock_guard lk(check_mu);
    ASSERT_TRUE(writer.write_now());
    auto c2 = engine::SqlConnection::open(settings_);
    const auto back = store.read(*c2);
    ASSERT_TRUE(back && back->ranges.size() == 1);
    if (back->ranges[0].low_water) {
      const auto id = std::get<std::int64_t>(back->ranges[0].low_water->at(0));
      const auto in_t = engine::to_uint64(c2->query("SELECT COUNT(*) FROM t WHERE id <= ?", {id}).scalar());
      const auto in_g = engine::to_uint64(c2->query("SELECT COUNT(*) FROM t_gho WHERE id <= ?", {id}).scalar());
      EXPECT_EQ(in_t, in_g) << "mark " << id;
      EXPECT_EQ(back->ranges[0].rows_below, in_t) << "mark " << id;
      ++checked;
    }
  };
  engine::Copier copier(settings_, plan, runtime_, progress_, cfg, nullptr);
  copier_ptr = &copier;
  writer.start();
  std::stop_source stop;
  copier.run(stop.get_token());
  ASSERT_TRUE(writer.write_now());
  writer.stop();
  EXPECT_GE(checked, 3);
  EXPECT_GE(writer.writes(), 4u);
  const auto last = store.read(*conn_);
  ASSERT_TRUE(last && last->ranges.size() == 1);
  EXPECT_TRUE(last->ranges[0].done);
  EXPECT_EQ(last->ranges[0].low_water, last->ranges[0].max);
  EXPECT_EQ(last->ranges[0].rows_below, count("SELECT COUNT(*) FROM t"));
  expect_same_content();
}

// The inspector lets an interrupted run's t_gho + t_ghc through when resume is on (the execute
// path decides), drops them for --no-resume, and still refuses a t_del.
TEST_F(ResumeTest, InspectorLeavesAnInterruptedRunToTheResume) {
  conn_->execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT)");
  conn_->execute("CREATE TABLE t_gho LIKE t");
  conn_->execute("CREATE TABLE t_ghc (id INT PRIMARY KEY)");
  engine::InspectorConfig off;
  EXPECT_THROW(engine::Inspector(*conn_, off).inspect(db_, "t", "ADD COLUMN c INT"), engine::InspectionError);
  engine::InspectorConfig on;
  on.resume = true;
  const auto plan = engine::Inspector(*conn_, on).inspect(db_, "t", "ADD COLUMN c INT");
  EXPECT_TRUE(plan.leftover_tables.empty());
  EXPECT_NE(plan.describe().find("resumes it"), std::string::npos) << plan.describe();
  engine::InspectorConfig over;
  over.start_over = true;
  EXPECT_EQ(engine::Inspector(*conn_, over).inspect(db_, "t", "ADD COLUMN c INT").leftover_tables,
            (std::vector<std::string>{"t_ghc", "t_gho"}));
  conn_->execute("CREATE TABLE t_del (id INT)");
  EXPECT_THROW(engine::Inspector(*conn_, on).inspect(db_, "t", "ADD COLUMN c INT"), engine::InspectionError);
}

// ---- copier resume ----

// A copy stopped part-way (3 threads, chunks in flight) resumes from its low-water mark: the second
// copier copies only the rows above it, reports the rest as skipped, and the ghost equals t.
TEST_F(ResumeTest, CopierResumesFromTheLowWaterMark) {
  const auto plan = make_tables(20000);
  const auto total = count("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(runtime_.set_threads(3));
  ASSERT_TRUE(runtime_.set_chunk_size(400));
  std::stop_source stop;
  engine::CopierConfig cfg;
  std::atomic<int> calls{0};
  cfg.wait_if_throttled = [&](std::stop_token) {
    if (++calls == 20) stop.request_stop();  // "killed" with chunks in flight
  };
  engine::Copier first(settings_, plan, runtime_, progress_, cfg, nullptr);
  first.run(stop.get_token());
  const auto mark = first.progress_mark();
  ASSERT_TRUE(mark.low_water && mark.max);
  EXPECT_FALSE(mark.done);
  expect_copied_up_to(*mark.low_water);
  EXPECT_EQ(mark.rows_below, count("SELECT COUNT(*) FROM t WHERE id <= " +
                                   std::to_string(std::get<std::int64_t>(mark.low_water->at(0)))));
  ASSERT_LT(mark.rows_below, total);
  ASSERT_GT(mark.rows_below, 0u);

  engine::ProgressCounters second_progress;
  engine::CopierConfig resume;
  resume.resume_from = mark;
  engine::Copier second(settings_, plan, runtime_, second_progress, resume, nullptr);
  std::stop_source no_stop;
  second.run(no_stop.get_token());
  EXPECT_EQ(second.rows_skipped(), mark.rows_below);
  // Rows the first run's in-flight chunks copied above the mark are skipped by INSERT IGNORE.
  EXPECT_LE(second_progress.rows_copied.load(), total - mark.rows_below);
  EXPECT_LT(second_progress.rows_copied.load(), total);
  EXPECT_TRUE(second.progress_mark().done);
  EXPECT_EQ(second.progress_mark().rows_below, total);
  expect_same_content();
  std::printf("[ resume ] fresh copy: %llu rows; resumed copy: %llu rows copied, %llu skipped\n",
              static_cast<unsigned long long>(total),
              static_cast<unsigned long long>(second_progress.rows_copied.load()),
              static_cast<unsigned long long>(second.rows_skipped()));

  // A finished range copies nothing when resumed again.
  engine::ProgressCounters third_progress;
  engine::CopierConfig again;
  again.resume_from = second.progress_mark();
  engine::Copier third(settings_, plan, runtime_, third_progress, again, nullptr);
  third.run(no_stop.get_token());
  EXPECT_EQ(third_progress.rows_copied.load(), 0u);
  EXPECT_EQ(third.rows_skipped(), total);
}

// ---- binlog still there ----

TEST_F(ResumeTest, PurgedBinlogIsRefusedNamingTheFileAndTheWayForward) {
  const auto version = conn_->query("SELECT VERSION()").scalar().value_or("");
  const auto here = engine::current_binlog_position(*admin_, version);
  EXPECT_NO_THROW(engine::require_binlog_present(*admin_, here));
  admin_->execute("FLUSH BINARY LOGS");
  const auto next = engine::current_binlog_position(*admin_, version);
  ASSERT_NE(next.file, here.file);
  // The server keeps a file a dump thread still reads (a replica, an earlier test's stream): purge
  // until it is gone.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    admin_->execute("PURGE BINARY LOGS TO '" + next.file + "'");
    const auto logs = engine::binary_logs(*admin_);
    if (std::find(logs.begin(), logs.end(), here.file) == logs.end()) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << here.file << " not purged";
    std::this_thread::sleep_for(50ms);
  }
  try {
    engine::require_binlog_present(*admin_, here);
    FAIL() << "a purged binlog was accepted";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(here.file), std::string::npos) << what;
    EXPECT_NE(what.find("purged"), std::string::npos) << what;
    EXPECT_NE(what.find("--no-resume"), std::string::npos) << what;
  }
  EXPECT_NO_THROW(engine::require_binlog_present(*admin_, next));
}

// ---- one migration per table ----

TEST_F(ResumeTest, SecondRunOnTheSameTableRefusesNamingTheHolder) {
  auto first = engine::RunGuard::acquire(settings_, db_, "t", nullptr);
  try {
    engine::RunGuard::acquire(settings_, db_, "t", nullptr);
    FAIL() << "a second run took the lock";
  } catch (const engine::TableBusy& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(engine::run_lock_name(db_, "t")), std::string::npos) << what;
    EXPECT_NE(what.find("id " + std::to_string(first->connection_id())), std::string::npos) << what;
    EXPECT_NE(what.find(settings_.user + "@"), std::string::npos) << what;
  }
  auto other_table = engine::RunGuard::acquire(settings_, db_, "u", nullptr);  // another table: fine
  first.reset();
  EXPECT_NO_THROW(engine::RunGuard::acquire(settings_, db_, "t", nullptr));  // freed with its run

  const std::string long_table(64, 'x');
  const auto a = engine::run_lock_name(db_, long_table), b = engine::run_lock_name(db_, long_table + "y");
  EXPECT_LE(a.size(), 64u);
  EXPECT_NE(a, b);
}

// A killed lock connection is replaced and the lock taken back; if another run got it first, the
// guard reports the loss instead of running on.
TEST_F(ResumeTest, RunGuardTakesTheLockBackOrReportsItsLoss) {
  auto guard = engine::RunGuard::acquire(settings_, db_, "t", nullptr, 50ms);
  const auto first_id = guard->connection_id();
  admin_->execute("KILL CONNECTION " + std::to_string(first_id));
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (guard->connection_id() == first_id && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_NE(guard->connection_id(), first_id);
  EXPECT_EQ(conn_->query("SELECT IS_USED_LOCK(?)", {guard->lock_name()}).scalar(),
            std::to_string(guard->connection_id()));
  EXPECT_FALSE(guard->failure());

  // Another session queues for the lock before the guard's connection dies: it gets it.
  auto rival = engine::SqlConnection::open(settings_);
  auto got = std::async(std::launch::async, [&] {
    engine::SqlThreadGuard g;
    return rival->query("SELECT GET_LOCK(?, 60)", {guard->lock_name()}).scalar();
  });
  while (conn_
             ->query("SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ? AND STATE LIKE '%lock%'",
                     {rival->connection_id()})
             .empty() &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  admin_->execute("KILL CONNECTION " + std::to_string(guard->connection_id()));
  EXPECT_EQ(got.get(), "1");
  while (!guard->failure() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(guard->failure());
  EXPECT_NE(guard->failure()->find("id " + std::to_string(rival->connection_id())), std::string::npos)
      << *guard->failure();
}

// ---- connections that outlive quiet periods ----

TEST_F(ResumeTest, IdleConnectionClosedByWaitTimeoutIsReopenedWithItsSetup) {
  auto c = engine::SqlConnection::open(settings_);
  const auto setup = [](engine::SqlConnection& s) {
    s.execute("SET @ghostcut_setup = 7");
    s.execute("SET SESSION wait_timeout = 1");
  };
  setup(*c);
  c->reopen_when_idle(setup);
  const auto before = c->connection_id();
  wait_gone(before);  // the server closed it after a second of silence
  EXPECT_EQ(c->query("SELECT @ghostcut_setup").scalar(), "7");
  EXPECT_EQ(c->reopened(), 1u);
  EXPECT_NE(c->connection_id(), before);

  // Without the opt-in the same silence is an error.
  auto plain = engine::SqlConnection::open(settings_);
  plain->execute("SET SESSION wait_timeout = 1");
  wait_gone(plain->connection_id());
  try {
    plain->query("SELECT 1");
    FAIL() << "a closed connection answered";
  } catch (const engine::SqlError& e) {
    EXPECT_TRUE(e.connection_lost()) << e.what();
  }
}

TEST_F(ResumeTest, KilledConnectionIsReopenedOnlyOutsideATransaction) {
  conn_->execute("CREATE TABLE k (id INT PRIMARY KEY)");
  auto c = engine::SqlConnection::open(settings_);
  c->reopen_when_idle({}, 0ms);
  admin_->execute("KILL CONNECTION " + std::to_string(c->connection_id()));
  wait_gone(c->connection_id());
  c->update("INSERT INTO k VALUES (1)");
  EXPECT_EQ(c->reopened(), 1u);

  // Inside a transaction a lost connection stays an error: its first statements are gone.
  c->execute("BEGIN");
  c->update("INSERT INTO k VALUES (2)");
  admin_->execute("KILL CONNECTION " + std::to_string(c->connection_id()));
  wait_gone(c->connection_id());
  EXPECT_THROW(c->update("INSERT INTO k VALUES (3)"), engine::SqlError);
  EXPECT_THROW(c->execute("COMMIT"), engine::SqlError);
  EXPECT_EQ(c->reopened(), 1u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM k"), 1u);               // 2 was rolled back with its session, 3 never ran
  EXPECT_EQ(c->query("SELECT COUNT(*) FROM k").scalar(), "1");  // after the transaction: reopened
  EXPECT_EQ(c->reopened(), 2u);
}

// The copier's sessions, killed while it waits (throttled), are reopened and the copy completes.
TEST_F(ResumeTest, CopierSurvivesItsSessionsKilledWhileThrottled) {
  const auto plan = make_tables(20000);
  ASSERT_TRUE(runtime_.set_threads(2));
  ASSERT_TRUE(runtime_.set_chunk_size(1000));
  engine::CopierConfig cfg;
  std::atomic<int> calls{0};
  std::mutex mu;
  std::condition_variable cv;
  int waiting = 0;
  bool killed = false;
  cfg.wait_if_throttled = [&](std::stop_token) {
    if (++calls < 5) return;
    std::unique_lock lk(mu);
    if (killed) return;
    // From the fifth chunk on both workers wait here (as throttled): the first waits for the
    // other, which could otherwise still be connecting, or copy every chunk left meanwhile.
    if (++waiting < 2) {
      cv.wait_for(lk, 60s, [&] { return killed; });
      return;
    }
    engine::SqlThreadGuard g;
    auto c = engine::SqlConnection::open(settings_);
    const auto ids = c->query("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID NOT IN (?, ?, ?)",
                              {db_, conn_->connection_id(), admin_->connection_id(), c->connection_id()});
    EXPECT_GE(ids.size(), 2u);
    for (const auto& row : ids.rows) {
      try {
        c->execute("KILL CONNECTION " + *row[0]);
      } catch (const engine::SqlError& e) {
        if (e.code() != 1094) throw;  // unknown thread: a session that was closing anyway
      }
      wait_gone(engine::to_uint64(row[0]));
    }
    killed = true;
    cv.notify_all();
    std::this_thread::sleep_for(300ms);  // longer than the idle check's 250 ms: this worker pings first
  };
  engine::Copier copier(settings_, plan, runtime_, progress_, cfg, nullptr);
  std::stop_source stop;
  copier.run(stop.get_token());
  EXPECT_TRUE(killed) << "the two workers never waited together";
  expect_same_content();
}

}  // namespace
