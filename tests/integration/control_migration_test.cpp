// Issue #5 acceptance on the live server: running migrations driven through the control socket,
// and throttled by a real replica's lag. Every test ends by comparing full table contents.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "integration/test_server.h"
#include "support/eventually.h"
#include "support/mini_json.h"
#include "support/temp_dir.h"

using namespace ghostcut::engine;
using ghostcut::ConnectionSettings;
using namespace std::chrono_literals;
using ghostcut::testing::LiveServerTest;

using ghostcut::test::eventually;

namespace {

// Sends each line over one connection, half-closes, returns everything the server wrote.
std::string send_lines(const std::string& path, const std::vector<std::string>& lines) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket()");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect " + path + ": " + std::strerror(errno));
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  for (std::size_t off = 0; off < out.size();) {
    const auto n = ::write(fd, out.data() + off, out.size() - off);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string reply;
  char buf[4096];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return reply;
}
std::string send(const std::string& path, const std::string& line) { return send_lines(path, {line}); }

ghostcut::test::JsonNode parse_status_json(const std::string& text) {
  return ghostcut::test::parse_json_or_throw(text);
}
using ghostcut::test::json_get;

class ControlMigrationTest : public LiveServerTest {
 protected:
  void SetUp() override {
    LiveServerTest::SetUp();
    if (IsSkipped()) return;
    dir_ = ghostcut::test::make_temp_dir("gc-ctlmig");
    ASSERT_FALSE(dir_.empty());
    socket_ = dir_ + "/ghostcut.sock";
  }
  void TearDown() override {
    if (runner_.valid()) {  // a test that stopped early: its migration may be held (throttled, postponed)
      stop_.request_stop();
      runner_.wait();
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    LiveServerTest::TearDown();
  }

  // `rows` rows of (id, a, b); ids 1..rows.
  void make_table(int rows) {
    conn_->execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a BIGINT NOT NULL, b VARCHAR(64) NOT NULL)");
    conn_->execute("INSERT INTO t SELECT seq, seq * 7, CONCAT('row-', seq) FROM seq_1_to_" + std::to_string(rows));
  }
  MigratorConfig config() {
    MigratorConfig c;
    c.connection = settings_;
    c.server_id = 930000 + static_cast<std::uint32_t>(::getpid() % 10000);
    c.heartbeat_interval = 100ms;
    c.progress_interval = 60s;
    c.cut_over.retry_backoff = 200ms;
    c.control.socket_path = socket_;
    c.throttle.interval = 50ms;
    c.throttle.load_interval = 200ms;
    // Called by each copy worker just before the Throttler's wait: what the throttle was then.
    c.copier.wait_if_throttled = [this](std::stop_token) {
      const auto t = migrator_->throttle_status();
      std::lock_guard lk(visits_mu_);
      visits_[std::this_thread::get_id()] = t.throttled ? std::optional(t.since) : std::nullopt;
    };
    return c;
  }
  // Until every running copy worker waits in the throttle: it last came to the wait during the
  // throttle episode that still holds, so it has waited since (a chunk in flight finishes first).
  bool copy_held() {
    return eventually(
        [&] {
          const auto now = migrator_->throttle_status();
          if (!now.throttled) return false;
          std::lock_guard lk(visits_mu_);
          std::uint64_t waiting = 0;
          for (const auto& [thread, episode] : visits_) waiting += episode == now.since;
          return waiting >= progress_.copy_threads.load();
        },
        30s);
  }
  void start(MigratorConfig c, const std::string& alter = "ADD COLUMN c INT NULL") {
    Inspector inspector(*conn_, {});
    plan_ = inspector.inspect(db_, "t", alter);
    migrator_ = std::make_unique<Migrator>(std::move(c), plan_, runtime_, progress_, nullptr);
    runner_ = std::async(std::launch::async, [this] {
      SqlThreadGuard guard;
      try {
        migrator_->run(stop_.get_token());
        return std::string();
      } catch (const std::exception& e) {
        return std::string(e.what());
      }
    });
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(socket_); }, 10s)) << "no control socket";
  }
  std::string finish() {
    EXPECT_EQ(runner_.wait_for(60s), std::future_status::ready);
    return runner_.get();
  }
  std::string table_checksum(const std::string& table, const std::string& columns = "id, a, b") {
    auto r = conn_->query("SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('|', " + columns + "))), 0) FROM " +
                          quote_qualified(db_, table));
    return r.rows[0][0].value_or("") + "/" + r.rows[0][1].value_or("");
  }
  bool table_exists(const std::string& table) {
    return !conn_
                ->query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                        {db_, table})
                .empty();
  }

  // By copy worker: the throttle episode (its start) it last came to the throttle wait in.
  std::mutex visits_mu_;
  std::map<std::thread::id, std::optional<std::chrono::system_clock::time_point>> visits_;
  std::string dir_, socket_;
  RuntimeSettings runtime_;
  ProgressCounters progress_;
  MigrationPlan plan_;
  std::unique_ptr<Migrator> migrator_;
  std::stop_source stop_;
  std::future<std::string> runner_;
};

TEST_F(ControlMigrationTest, OperatorDrivesARunningMigrationThroughTheSocket) {
  make_table(100000);
  const auto before = table_checksum("t");
  // Start held: manual throttle (nothing copied) and postponed cut-over.
  ASSERT_TRUE(runtime_.set_chunk_size(100));
  runtime_.set_manual_throttle(true);
  start(config());
  // Postponed through the socket while the copy is still held.
  const auto postponed = send(socket_, "postpone");
  EXPECT_NE(postponed.rfind("ERROR", 0), 0u) << postponed;
  EXPECT_TRUE(runtime_.postpone_cut_over());

  // The socket is private to its owner.
  struct stat st {};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // Throttled from the start: the state says so and no rows move.
  ASSERT_TRUE(eventually([&] { return migrator_->phase() == Phase::kCopying; }, 10s));
  ASSERT_TRUE(eventually([&] { return send(socket_, "status").find("throttled") != std::string::npos; }, 5s));
  auto json = parse_status_json(send(socket_, "status json"));
  EXPECT_EQ(json_get<std::string>(json, "database"), db_);
  EXPECT_EQ(json_get<std::string>(json, "table"), "t");
  EXPECT_EQ(json_get<std::string>(json, "state"), "throttled");
  EXPECT_TRUE(json_get<bool>(json, "throttled"));
  EXPECT_EQ(json_get<std::string>(json, "throttle_reason").rfind("manual", 0), 0u)
      << json_get<std::string>(json, "throttle_reason");
  EXPECT_EQ(json_get<std::uint64_t>(json, "chunk_size"), 100u);
  EXPECT_GE(json_get<std::uint64_t>(json, "rows_estimated"), 30000u);
  const auto held = progress_.rows_copied.load();
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(progress_.rows_copied.load(), held) << "rows were copied while throttled";

  // no-throttle: the copy runs; nice-ratio= slows it down.
  EXPECT_NE(send(socket_, "no-throttle").find("ERROR"), 0u);
  ASSERT_TRUE(eventually([&] { return progress_.rows_copied.load() > held; }, 5s));
  auto chunks_in = [&](std::chrono::milliseconds d) {
    const auto c = progress_.chunks_copied.load();
    std::this_thread::sleep_for(d);
    return progress_.chunks_copied.load() - c;
  };
  const auto fast = chunks_in(400ms);
  EXPECT_NE(send(socket_, "nice-ratio=10").find("->"), std::string::npos);
  EXPECT_DOUBLE_EQ(runtime_.nice_ratio(), 10.0);
  std::this_thread::sleep_for(100ms);  // the chunk in flight still sleeps the old ratio
  const auto slow = chunks_in(400ms);
  EXPECT_LT(slow * 2, fast) << "nice-ratio=10 did not slow the copy: " << fast << " then " << slow << " chunks";
  // chunk-size= answers old -> new and changes the chunks.
  const auto reply = send(socket_, "chunk-size=500");
  EXPECT_NE(reply.find("100 -> 500"), std::string::npos) << reply;
  EXPECT_EQ(runtime_.chunk_size(), 500u);
  // After the change each chunk holds 500 rows: measure over the next chunks.
  const auto r0 = progress_.rows_copied.load(), c0 = progress_.chunks_copied.load();
  ASSERT_TRUE(eventually([&] { return progress_.chunks_copied.load() >= c0 + 4; }, 20s));
  const auto r1 = progress_.rows_copied.load(), c1 = progress_.chunks_copied.load();
  // One chunk may still have been sized 100 when the change landed.
  EXPECT_GE(r1 - r0, (c1 - c0 - 1) * 500) << (r1 - r0) << " rows in " << (c1 - c0) << " chunks";

  // threads=: more copy workers run.
  EXPECT_NE(send(socket_, "threads=3").find("1 -> 3"), std::string::npos);
  ASSERT_TRUE(eventually([&] { return progress_.copy_threads.load() == 3; }, 5s)) << progress_.copy_threads.load();
  EXPECT_EQ(json_get<int>(parse_status_json(send(socket_, "status json")), "threads"), 3);

  // throttle again: rows stop (counted), then resume.
  send(socket_, "throttle");
  ASSERT_TRUE(eventually([&] { return migrator_->throttle_status().throttled; }, 2s));
  ASSERT_TRUE(copy_held()) << "a copy worker did not come back to the throttle wait";  // a chunk in flight finishes
  const auto paused_at = progress_.rows_copied.load();
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(progress_.rows_copied.load(), paused_at);
  send(socket_, "no-throttle");
  send(socket_, "nice-ratio=0");

  // Malformed and out-of-range commands: an error line, nothing changed.
  const auto bad = send_lines(socket_, {"chunk-size=abc", "threads=0", "bogus", "max-load=Threads_running"});
  std::istringstream lines(bad);
  std::string line;
  int errors = 0;
  while (std::getline(lines, line)) errors += line.rfind("ERROR:", 0) == 0;
  EXPECT_EQ(errors, 4) << bad;
  EXPECT_EQ(runtime_.chunk_size(), 500u);
  EXPECT_EQ(runtime_.threads(), 3u);

  // Two clients at once: a connection left open does not block another.
  {
    const int idle = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_.c_str());
    ASSERT_EQ(::connect(idle, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::write(idle, "sup\n", 4), 4);
    auto other = std::async(std::launch::async, [&] { return send(socket_, "sup"); });
    ASSERT_EQ(other.wait_for(5s), std::future_status::ready);
    EXPECT_NE(other.get().find("Copy:"), std::string::npos);
    char buf[512];
    const auto n = ::read(idle, buf, sizeof buf);  // the open one got its answer too
    ASSERT_GT(n, 0);
    EXPECT_NE(std::string(buf, static_cast<std::size_t>(n)).find("Copy:"), std::string::npos);
    ::close(idle);
  }

  // The copy finishes; the cut-over is held while postponed.
  ASSERT_TRUE(eventually([&] { return migrator_->phase() == Phase::kPostponed; }, 30s)) << migrator_->state();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(migrator_->phase(), Phase::kPostponed);
  EXPECT_NE(send(socket_, "status").find("postponed"), std::string::npos);
  EXPECT_TRUE(table_exists("t_gho"));
  EXPECT_NE(send(socket_, "unpostpone").find("ERROR"), 0u);
  EXPECT_EQ(finish(), "");
  EXPECT_EQ(migrator_->phase(), Phase::kDone);

  // Everything is there, and the socket is gone.
  EXPECT_EQ(table_checksum("t"), before);
  EXPECT_FALSE(std::filesystem::exists(socket_));
}

TEST_F(ControlMigrationTest, PanicNeedsTheTableNameAndLeavesTheOriginalUntouched) {
  make_table(20000);
  const auto before = table_checksum("t");
  runtime_.set_manual_throttle(true);  // keep it mid-copy
  start(config());
  ASSERT_TRUE(eventually([&] { return migrator_->phase() == Phase::kCopying; }, 10s));
  for (const char* refused : {"panic", "panic=", "panic=other", "panic=T"}) {
    SCOPED_TRACE(refused);
    EXPECT_EQ(send(socket_, refused).rfind("ERROR:", 0), 0u);
  }
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(migrator_->phase(), Phase::kCopying);
  send(socket_, "panic=t");
  const auto error = finish();
  EXPECT_NE(error.find("panic"), std::string::npos) << error;
  EXPECT_EQ(migrator_->phase(), Phase::kFailed);
  EXPECT_EQ(table_checksum("t"), before);
  auto cols = conn_->query(
      "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't'", {db_});
  EXPECT_EQ(cols.rows[0][0].value_or(""), "3") << "the original's schema changed";
  EXPECT_FALSE(std::filesystem::exists(socket_));
}

TEST_F(ControlMigrationTest, CriticalLoadAbortsCleanly) {
  make_table(5000);
  const auto before = table_checksum("t");
  runtime_.set_manual_throttle(true);
  ASSERT_TRUE(runtime_.set_critical_load({{"Threads_connected", 1}}));  // always reached
  start(config());
  const auto error = finish();
  EXPECT_NE(error.find("Threads_connected"), std::string::npos) << error;
  EXPECT_EQ(table_checksum("t"), before);
  EXPECT_FALSE(table_exists("t_del"));
}

TEST_F(ControlMigrationTest, FlagFileAndThrottleQueryHoldTheCopy) {
  make_table(20000);
  const auto before = table_checksum("t");
  const std::string flag = dir_ + "/throttle.flag";
  { std::ofstream(flag) << "x"; }
  auto c = config();
  c.throttle.flag_file = flag;
  ASSERT_TRUE(runtime_.set_chunk_size(200));
  start(c);
  // Start-up first (inspect, create, stream: slow on a starved machine), then the throttler's answer.
  ASSERT_TRUE(eventually([&] { return migrator_->phase() == Phase::kCopying; }, 10s)) << migrator_->state();
  ASSERT_TRUE(eventually([&] { return migrator_->throttle_status().reason == "flag-file"; }, 5s))
      << migrator_->throttle_status().to_string();
  const auto held = progress_.rows_copied.load();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(progress_.rows_copied.load(), held);
  // Swap the flag file for a throttle query that says "yes".
  const auto tq = send(socket_, "throttle-query=SELECT 1");
  EXPECT_NE(tq.rfind("ERROR", 0), 0u) << tq;
  EXPECT_EQ(runtime_.throttle_query(), "SELECT 1");
  std::filesystem::remove(flag);
  ASSERT_TRUE(eventually([&] { return migrator_->throttle_status().reason == "throttle-query"; }, 5s))
      << migrator_->throttle_status().to_string();
  const auto held2 = progress_.rows_copied.load();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(progress_.rows_copied.load(), held2);
  send(socket_, "throttle-query=SELECT 0");
  EXPECT_EQ(finish(), "");
  EXPECT_EQ(table_checksum("t"), before);
}

// A real replica (scripts/test starts one): stopping its SQL thread throttles the copy for "lag".
TEST_F(ControlMigrationTest, ReplicaLagThrottlesAndResumes) {
  const char* rport = std::getenv("GHOSTCUT_TEST_REPLICA_PORT");
  if (!rport) GTEST_SKIP() << "no replica (GHOSTCUT_TEST_REPLICA_PORT unset; scripts/test starts one)";
  ConnectionSettings rs = settings_;
  rs.port = static_cast<std::uint16_t>(std::atoi(rport));
  rs.database.clear();
  auto replica = SqlConnection::open(rs);
  // The replica must have caught up with this test's database before the migration starts.
  make_table(30000);
  ASSERT_TRUE(eventually(
      [&] {
        return !replica
                    ->query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't'",
                            {db_})
                    .empty();
      },
      10s));
  const auto before = table_checksum("t");
  ASSERT_TRUE(runtime_.set_throttle_control_replicas({{"127.0.0.1", rs.port}}));
  ASSERT_TRUE(runtime_.set_max_lag_millis(500));
  ASSERT_TRUE(runtime_.set_chunk_size(500));
  runtime_.set_manual_throttle(true);  // hold the copy until the replica is stopped
  start(config());
  ASSERT_TRUE(eventually([&] { return migrator_->phase() == Phase::kCopying; }, 10s));
  // With the replica healthy, only the manual throttle holds.
  ASSERT_TRUE(eventually([&] { return migrator_->throttle_status().reason == "manual"; }, 5s));
  // The replica must hold a heartbeat before its SQL thread stops: without one its lag is unknown,
  // which does not throttle (a busy machine's replica can be that far behind).
  ASSERT_TRUE(eventually(
      [&] {
        try {
          return !replica->query("SELECT 1 FROM " + quote_qualified(db_, changelog_table_name("t")) + " WHERE id = 1")
                      .empty();
        } catch (const std::exception&) {
          return false;  // the changelog table has not reached the replica yet
        }
      },
      10s));

  replica->execute("STOP SLAVE SQL_THREAD");
  struct Restart {
    SqlConnection& r;
    ~Restart() {
      try {
        r.execute("START SLAVE SQL_THREAD");
      } catch (...) {
      }
    }
  } restart{*replica};
  // The replica's heartbeat ages by the wall clock once its SQL thread stops: after 1 s it is past
  // max-lag (500 ms) whatever the load, so the lag throttle holds before the copy can run away
  // (a fast copy used to finish, and cut over, first).
  std::this_thread::sleep_for(1s);
  send(socket_, "no-throttle");
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return migrator_->throttle_status().reason == "lag"; }, 2s))
      << migrator_->throttle_status().to_string();
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 2s);
  auto json = parse_status_json(send(socket_, "status json"));
  EXPECT_EQ(json_get<std::string>(json, "throttle_reason").rfind("lag", 0), 0u);
  const auto held = progress_.rows_copied.load();
  ASSERT_TRUE(copy_held()) << "the copy worker did not come back to the throttle wait";
  const auto held2 = progress_.rows_copied.load();  // a chunk in flight may have finished
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(progress_.rows_copied.load(), held2);
  EXPECT_LT(held, 30000u) << "the copy finished before the lag throttle";

  replica->execute("START SLAVE SQL_THREAD");
  ASSERT_TRUE(eventually([&] { return !migrator_->throttle_status().throttled; }, 10s))
      << migrator_->throttle_status().to_string();
  EXPECT_EQ(finish(), "");
  EXPECT_EQ(table_checksum("t"), before);
}

}  // namespace
