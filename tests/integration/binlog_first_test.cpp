// Binlog first: while the applier is further behind the binlog than max_applier_lag, the copy
// starts no new chunk, and goes on once the applier has caught up. The applier is held back for
// real: another session locks a ghost row the copy already wrote, and an UPDATE of the original
// row then waits on that lock in the applier while heartbeats pile up behind it.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "engine/sql/sql_connection.h"
#include "integration/migrator_config.h"
#include "integration/test_server.h"
#include "support/eventually.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using namespace ghostcut::testing;
using namespace std::chrono_literals;
using ghostcut::test::eventually;

namespace {

class BinlogFirstTest : public LiveServerTest {};

TEST_F(BinlogFirstTest, TheCopyWaitsWhileTheApplierLagsAndGoesOnWhenItCatchesUp) {
  constexpr int kRows = 20000;
  conn_->execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a INT NOT NULL, pad VARCHAR(64) NOT NULL)");
  conn_->execute("INSERT INTO t SELECT seq, seq, REPEAT('p', 60) FROM seq_1_to_" + std::to_string(kRows));
  Inspector inspector(*conn_, InspectorConfig{});
  auto plan = inspector.inspect(db_, "t", "ADD COLUMN z INT NOT NULL DEFAULT 7");
  auto cfg = test_migrator_config(settings_, 962000);
  cfg.max_applier_lag = 300ms;
  cfg.copier.initial_chunk_size = 100;
  // A gate before the copy's third chunk: the test stalls the applier while the copy is held there,
  // so the copy cannot finish before the lag builds up, however fast the machine.
  std::mutex mu;
  std::condition_variable cv;
  bool at_gate = false, gate_open = false;
  int calls = 0;
  cfg.copier.wait_if_throttled = [&](std::stop_token) {
    std::unique_lock lk(mu);
    if (++calls != 3) return;
    at_gate = true;
    cv.notify_all();
    cv.wait(lk, [&] { return gate_open; });
  };
  RuntimeSettings runtime;
  ProgressCounters progress;
  Migrator migrator(cfg, plan, runtime, progress, nullptr);
  BackgroundMigration mig(migrator);
  {
    std::unique_lock lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, 60s, [&] { return at_gate; })) << migrator.state();
  }
  // Hold the applier: lock ghost row 1 (copied by the first chunk), then change row 1 of t.
  auto locker = SqlConnection::open(settings_);
  locker->execute("BEGIN");
  ASSERT_EQ(locker->query("SELECT id FROM t_gho WHERE id = 1 FOR UPDATE").size(), 1u);
  conn_->update("UPDATE t SET a = a + 1000 WHERE id = 1");
  EXPECT_TRUE(eventually(
      [&] {
        const auto lag = migrator.metrics_snapshot().applier_lag_seconds;
        return lag && *lag > 0.3;
      },
      60s))
      << migrator.status_json();
  {
    std::lock_guard lk(mu);
    gate_open = true;
  }
  cv.notify_all();
  // The copy copies the chunk it was let through, then yields; while it does, no row is copied.
  EXPECT_TRUE(eventually([&] { return progress.copy_yielding.load() > 0; }, 60s)) << migrator.status_json();
  const auto copied = progress.rows_copied.load();
  EXPECT_LT(copied, static_cast<std::uint64_t>(kRows));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(progress.rows_copied.load(), copied) << "a chunk was copied while the applier lagged";
  EXPECT_GT(progress.copy_yielding.load(), 0u);
  // Let the applier go: it catches up, the copy goes on, the migration completes.
  locker->execute("ROLLBACK");
  mig.join();
  const auto& result = mig.result();
  EXPECT_EQ(result.rows_copied, static_cast<std::uint64_t>(kRows));
  EXPECT_GE(progress.copy_yielded_ms.load(), 500u);
  EXPECT_EQ(progress.copy_yielding.load(), 0u);
  EXPECT_NE(migrator.status_json().find("\"copy_yielded_ms\":"), std::string::npos);
  // Every row as the ALTER would leave it, the update included.
  EXPECT_EQ(conn_->query("SELECT COUNT(*) FROM t").scalar().value_or(""), std::to_string(kRows));
  EXPECT_EQ(
      conn_->query("SELECT COUNT(*) FROM t WHERE z = 7 AND pad = REPEAT('p', 60) AND a = id + IF(id = 1, 1000, 0)")
          .scalar()
          .value_or(""),
      std::to_string(kRows));
}

}  // namespace
