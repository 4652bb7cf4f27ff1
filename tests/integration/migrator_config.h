// The MigratorConfig integration tests start from: a unique replica id, fast heartbeats and
// short cut-over timeouts, so a test migration finishes in seconds.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <thread>

#include "engine/migration_config.h"
#include "engine/migrator.h"
#include "engine/sql/sql_connection.h"
#include "integration/ghost_fixture.h"

namespace ghostcut::testing {

inline engine::MigratorConfig test_migrator_config(const ghostcut::ConnectionSettings& settings,
                                                   std::uint32_t server_id_base) {
  using namespace std::chrono_literals;
  engine::MigratorConfig cfg;
  cfg.connection = settings;
  cfg.server_id = test_server_id(server_id_base);
  cfg.heartbeat_interval = 100ms;
  cfg.cut_over_lag_threshold = 1000ms;
  cfg.progress_interval = 2s;
  cfg.cut_over.lock_timeout = 3s;
  cfg.cut_over.retries = 5;
  cfg.cut_over.retry_backoff = 200ms;
  return cfg;
}

// A Migrator's run() on its own thread: the test drives it (control commands, writers) meanwhile.
class BackgroundMigration {
 public:
  explicit BackgroundMigration(engine::Migrator& m)
      : migrator_(m), thread_([this] {
          engine::SqlThreadGuard guard;
          try {
            result_ = migrator_.run(std::stop_token{});
          } catch (...) {
            failure_ = std::current_exception();
          }
          ended_ = true;
        }) {}
  ~BackgroundMigration() { join(); }
  BackgroundMigration(const BackgroundMigration&) = delete;
  BackgroundMigration& operator=(const BackgroundMigration&) = delete;

  // True once the migration is in phase `p`; false when it ended or `timeout` passed first.
  bool wait_for_phase(engine::Phase p, std::chrono::milliseconds timeout = std::chrono::seconds(60)) const {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (migrator_.phase() != p && !ended_ && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return migrator_.phase() == p;
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  // After join(): the result, or rethrows the run's exception.
  const engine::MigrationResult& result() const {
    if (failure_) std::rethrow_exception(failure_);
    return result_;
  }
  std::exception_ptr failure() const { return ended_ ? failure_ : nullptr; }

 private:
  engine::Migrator& migrator_;
  engine::MigrationResult result_;
  std::exception_ptr failure_;
  std::atomic<bool> ended_{false};
  std::thread thread_;  // last: starts once the rest is set
};

}  // namespace ghostcut::testing
