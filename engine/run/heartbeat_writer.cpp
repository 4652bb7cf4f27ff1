#include "engine/run/heartbeat_writer.h"

#include <spdlog/spdlog.h>

#include "common/thread_name.h"
#include "engine/sql/retry.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

using Clock = std::chrono::steady_clock;

HeartbeatWriter::HeartbeatWriter(ConnectionSettings cs, const QueryBuilder& qb, std::chrono::milliseconds interval,
                                 std::shared_ptr<spdlog::logger> log)
    : cs_(std::move(cs)),
      changelog_(qb.changelog()),
      interval_(interval),
      silence_limit_(std::max<Clock::duration>(std::chrono::seconds(30), interval * 20)),
      log_(std::move(log)),
      last_ok_(Clock::now().time_since_epoch().count()),
      thread_([this](std::stop_token st) { run(st); }) {}

std::optional<std::string> HeartbeatWriter::silence() const {
  const auto since = Clock::now() - Clock::time_point(Clock::duration(last_ok_.load()));
  if (since <= silence_limit_) return std::nullopt;
  std::lock_guard lk(error_mu_);
  return "no heartbeat written for " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since).count()) +
         " s: " + error_;
}

void HeartbeatWriter::run(std::stop_token stop) {
  name_this_thread("gc-heartbeat");
  SqlThreadGuard guard;
  std::unique_ptr<SqlConnection> c;
  bool failing = false;
  while (!stop.stop_requested()) {
    try {
      if (!c) c = SqlConnection::open(cs_);
      changelog_.write_heartbeat(*c);
      last_ok_ = Clock::now().time_since_epoch().count();
      if (failing) log_->info("heartbeat: writing again");
      failing = false;
    } catch (const std::exception& e) {
      if (!failing) log_->warn("heartbeat: {}; retrying", e.what());
      failing = true;
      c.reset();
      std::lock_guard lk(error_mu_);
      error_ = e.what();
    }
    sleep_for(stop, failing ? std::max(interval_, std::chrono::milliseconds(1000)) : interval_);
  }
}

}  // namespace ghostcut::engine
