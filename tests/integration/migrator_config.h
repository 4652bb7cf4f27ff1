// The MigratorConfig integration tests start from: a unique replica id, fast heartbeats and
// short cut-over timeouts, so a test migration finishes in seconds.
#pragma once
#include <chrono>
#include <cstdint>

#include "engine/migration_config.h"
#include "integration/ghost_fixture.h"

namespace ghostcut::testing {

inline engine::MigratorConfig test_migrator_config(const engine::ConnectionSettings& settings,
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

}  // namespace ghostcut::testing
