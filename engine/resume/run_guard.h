// RunGuard: one migration per table. A server-side named lock, GET_LOCK('ghostcut:<db>.<table>', 0),
// held on a connection of its own for the whole run; a second ghostcut on the same table fails to
// take it and refuses at once, naming the holder (IS_USED_LOCK → its connection → the process
// list). The lock dies with its connection, so a killed run frees it for the resume. The
// connection's wait_timeout is raised and a keep-alive pings it, so a quiet run does not lose the
// lock; if the connection is lost anyway, the guard takes the lock again on a new one and fails
// (failure()) when someone else got it meanwhile.
#pragma once
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/connection_settings.h"

namespace spdlog {
class logger;
}

namespace ghostcut::engine {

class SqlConnection;

// Another run holds the table's lock.
class TableBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "ghostcut:<db>.<table>", or, past 64 characters (the server's limit), a cut name ending in a hash.
std::string run_lock_name(const std::string& database, const std::string& table);

class RunGuard {
 public:
  // Takes the lock or throws TableBusy (naming the holder) or SqlError.
  static std::unique_ptr<RunGuard> acquire(const ConnectionSettings& settings, const std::string& database,
                                           const std::string& table, std::shared_ptr<spdlog::logger> logger,
                                           std::chrono::milliseconds keepalive = std::chrono::seconds(5));
  ~RunGuard();  // releases the lock
  RunGuard(const RunGuard&) = delete;
  RunGuard& operator=(const RunGuard&) = delete;

  const std::string& lock_name() const { return name_; }
  std::uint64_t connection_id() const;
  // Set when the lock was lost and could not be taken back (another run holds it now).
  std::optional<std::string> failure() const;

 private:
  RunGuard(ConnectionSettings settings, std::string name, std::string what, std::shared_ptr<spdlog::logger> logger);
  void keepalive(std::stop_token stop, std::chrono::milliseconds every);

  ConnectionSettings settings_;
  std::string name_, what_;
  std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mu_;
  std::unique_ptr<SqlConnection> conn_;  // guarded by mu_
  std::optional<std::string> failure_;   // guarded by mu_
  std::jthread thread_;
};

}  // namespace ghostcut::engine
