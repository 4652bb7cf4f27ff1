// HeartbeatWriter: a thread writing the time into the changelog table every interval. The row's
// trip through the binlog measures the applier's lag; replicas' copies of it measure replication
// lag. A failing write reconnects and retries; silence() says when it has failed for so long that
// neither lag can be told (the watchdog then stops the migration).
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/connection_settings.h"
#include "engine/sql/changelog.h"
#include "engine/sql/query_builder.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

class HeartbeatWriter {
 public:
  HeartbeatWriter(ConnectionSettings cs, const QueryBuilder& qb, std::chrono::milliseconds interval,
                  std::shared_ptr<spdlog::logger> log);
  void stop() { thread_.request_stop(); }
  std::optional<std::string> silence() const;

 private:
  void run(std::stop_token stop);

  const ConnectionSettings cs_;
  const Changelog changelog_;
  const std::chrono::milliseconds interval_;
  const std::chrono::steady_clock::duration silence_limit_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<std::int64_t> last_ok_;
  mutable std::mutex error_mu_;
  std::string error_;    // guarded by error_mu_
  std::jthread thread_;  // last: starts once the rest is set
};

}  // namespace ghostcut::engine
