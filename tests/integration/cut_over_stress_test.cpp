// Many cut-overs back to back under hostile conditions: model-checked writers (inserts, updates,
// key changes, deletes, multi-statement transactions), a CPU hog per core, and a session that
// keeps reading the ghost table inside short transactions (holding its name for a few ms at a
// time). After EVERY migration the table is compared row by row with what the writers committed.
//   GHOSTCUT_CUT_OVER_STRESS_RUNS   migrations (default 20 in ctest; scripts/bench/cut-over-stress runs 200+)
//   GHOSTCUT_CUT_OVER_STRESS_HOGS   CPU hog threads (default 2)
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>

#include "engine/inspect/inspector.h"
#include "engine/migrator.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "integration/model_writer.h"
#include "integration/test_server.h"

using namespace ghostcut;
using namespace ghostcut::engine;
using namespace ghostcut::testing;
using namespace std::chrono_literals;

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(
      std::min<double>(static_cast<double>(v.size() - 1), p * static_cast<double>(v.size())))];
}

class CutOverStressTest : public LiveServerTest {};

TEST_F(CutOverStressTest, ManyCutOversUnderLoadLoseNothing) {
  const int runs = env_int("GHOSTCUT_CUT_OVER_STRESS_RUNS", 20);
  const int hogs = env_int("GHOSTCUT_CUT_OVER_STRESS_HOGS", 2);
  constexpr int kWriters = 3, kRows = 2000;
  create_seeded_table(*conn_, kRows);
  std::vector<Writer> writers(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers[w].w = w;
    writers[w].writers = kWriters;
    writers[w].next_id = kRows + w;
    writers[w].lock_wait_timeout = 30;
  }
  for (std::int64_t id = 1; id <= kRows; ++id)
    writers[static_cast<std::size_t>(id % kWriters)].model[id] = {id, "seed"};

  std::atomic<bool> done{false};
  std::vector<std::thread> hog_threads;
  for (int i = 0; i < hogs; ++i)
    hog_threads.emplace_back([&] {
      volatile std::uint64_t x = 0;
      while (!done) x = x + 1;
    });
  // The DBA peeking at the ghost: short transactions that hold the ghost's name a few ms each.
  std::atomic<std::uint64_t> peeks{0};
  std::thread reader([&] {
    SqlThreadGuard g;
    auto c = SqlConnection::open(settings_);
    std::mt19937 rng(7);
    while (!done) {
      try {
        c->execute("BEGIN");
        c->query("SELECT COUNT(*) FROM t_gho");
        std::this_thread::sleep_for(std::chrono::milliseconds(1 + rng() % 8));
        c->execute("COMMIT");
        ++peeks;
      } catch (const std::exception&) {
        try {
          c->execute("ROLLBACK");
        } catch (...) {
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 10));
    }
  });

  std::vector<double> stalls_ms, writer_waits_ms;
  int failed = 0, attempts_total = 0;
  std::size_t diffs_total = 0;
  std::uint64_t ops_total = 0;
  for (int run = 0; run < runs && !HasFatalFailure(); ++run) {
    const bool add = run % 2 == 0;
    Inspector inspector(*conn_, InspectorConfig{});
    auto plan = inspector.inspect(db_, "t", add ? "ADD COLUMN z INT NOT NULL DEFAULT 7" : "DROP COLUMN z");
    MigratorConfig cfg;
    cfg.connection = settings_;
    cfg.server_id = 940000 + static_cast<std::uint32_t>(::getpid() % 10000);
    cfg.heartbeat_interval = 100ms;
    cfg.cut_over_lag_threshold = 1000ms;
    cfg.progress_interval = 10s;
    cfg.cut_over.lock_timeout = 3s;
    cfg.cut_over.retries = 10;
    cfg.cut_over.retry_backoff = 100ms;
    cfg.ok_to_drop_table = true;
    RuntimeSettings runtime;
    ProgressCounters progress;
    auto logger = spdlog::default_logger()->clone("stress");
    logger->set_level(spdlog::level::warn);
    Migrator migrator(cfg, plan, runtime, progress, logger);

    std::atomic<bool> stop{false};
    for (auto& wr : writers) wr.longest = {};
    std::vector<std::thread> threads;
    for (auto& wr : writers) threads.emplace_back(writer_loop, std::ref(wr), settings_, std::ref(stop));
    MigrationResult result;
    std::string error;
    try {
      result = migrator.run(std::stop_token{});
    } catch (const std::exception& e) {
      error = e.what();
    }
    std::this_thread::sleep_for(50ms);  // writes after the swap land in the new t
    stop = true;
    for (auto& th : threads) th.join();

    double longest = 0;
    for (const auto& wr : writers) {
      EXPECT_EQ(wr.errors, 0u) << "run " << run << ": " << wr.last_error;
      longest = std::max(longest, std::chrono::duration<double, std::milli>(wr.longest).count());
    }
    writer_waits_ms.push_back(longest);
    if (!error.empty()) {
      ++failed;
      ADD_FAILURE() << "run " << run << " failed: " << error;
      // A failed run leaves the original live; clean up so the next run can start.
      for (const char* n : {"t_gho", "t_ghc", "t_del"}) conn_->execute(std::string("DROP TABLE IF EXISTS ") + n);
    } else {
      stalls_ms.push_back(static_cast<double>(result.cut_over.write_stall.count()));
      attempts_total += result.cut_over.attempts;
    }
    const Table expected = model_rows(writers);
    const Table got = read_table(*conn_, db_, "t", "a, b", "id");
    const auto diffs = count_differences(expected, got, Table{});
    diffs_total += diffs;
    EXPECT_EQ(diffs, 0u) << "run " << run;
    const bool has_z = !conn_->query("SHOW COLUMNS FROM t LIKE 'z'").empty();
    if (error.empty()) {
      EXPECT_EQ(has_z, add) << "run " << run;
    }
  }
  for (const auto& wr : writers) ops_total += wr.ops;
  done = true;
  reader.join();
  for (auto& h : hog_threads) h.join();

  std::printf(
      "cut-over stress: %d runs, %d failed, %zu lost/different rows, %d attempts, %llu writer ops, %llu ghost peeks; "
      "cut-over stall ms p50 %.0f p90 %.0f p99 %.0f max %.0f; longest writer wait ms p50 %.0f p90 %.0f p99 %.0f max %.0f\n",
      runs, failed, diffs_total, attempts_total, static_cast<unsigned long long>(ops_total),
      static_cast<unsigned long long>(peeks.load()), percentile(stalls_ms, 0.5), percentile(stalls_ms, 0.9),
      percentile(stalls_ms, 0.99), percentile(stalls_ms, 1.0), percentile(writer_waits_ms, 0.5),
      percentile(writer_waits_ms, 0.9), percentile(writer_waits_ms, 0.99), percentile(writer_waits_ms, 1.0));
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(diffs_total, 0u);
}

}  // namespace
