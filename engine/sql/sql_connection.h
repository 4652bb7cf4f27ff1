// One blocking SQL connection over MySQL Connector/C++ 1.1. Every sql::SQLException becomes
// a SqlError with the server's code and SQLSTATE. Auto-reconnect stays off: it would silently
// drop LOCK TABLES, GET_LOCK and session variables that the cut-over relies on.
// Connector/C++ is not thread-safe per connection: one thread uses a connection at a time,
// and every thread that uses one holds a SqlThreadGuard.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/connection_settings.h"
#include "engine/sql/result.h"
#include "engine/sql/sql_error.h"

namespace sql {
class Connection;
}

namespace ghostcut::engine {

// A bound parameter. std::string carries raw bytes (binary-safe).
using SqlParam = std::variant<std::nullptr_t, std::int64_t, std::uint64_t, double, std::string>;

// Call once on the main thread before any connection is opened (creates the driver).
void sql_driver_init();

// RAII threadInit()/threadEnd() for a thread that uses Connector/C++.
class SqlThreadGuard {
 public:
  SqlThreadGuard();
  ~SqlThreadGuard();
  SqlThreadGuard(const SqlThreadGuard&) = delete;
  SqlThreadGuard& operator=(const SqlThreadGuard&) = delete;
};

class SqlConnection {
 public:
  // Connects or throws SqlError (e.g. 1045 for a wrong password, 2003 for an unreachable host).
  static std::unique_ptr<SqlConnection> open(const ConnectionSettings& settings);
  ~SqlConnection();
  SqlConnection(const SqlConnection&) = delete;
  SqlConnection& operator=(const SqlConnection&) = delete;

  // Runs a statement, discarding any result.
  void execute(std::string_view sql);
  // Runs a statement with bound parameters; returns the affected-row count.
  std::uint64_t update(std::string_view sql, const std::vector<SqlParam>& params = {});
  // Runs a query and reads its whole result (the first result set; later ones are drained).
  ResultTable query(std::string_view sql, const std::vector<SqlParam>& params = {});

  std::uint64_t connection_id() const noexcept { return connection_id_; }
  const ConnectionSettings& settings() const noexcept { return settings_; }
  bool is_valid();  // a cheap ping; false when the connection is gone

  // Opt-in, for connections that may sit idle (copier, applier, heartbeat): before a statement,
  // when the connection has been idle for `idle` or longer and no transaction is open (BEGIN /
  // START TRANSACTION / XA START / LOCK TABLES … until COMMIT / ROLLBACK / UNLOCK TABLES), it is
  // pinged; one the server closed (wait_timeout, KILL, a restart) is reopened and `setup` re-run
  // before the statement goes out. A statement already sent is never sent again, and inside a
  // transaction a lost connection stays an error (its work is gone; only the caller can redo it).
  void reopen_when_idle(std::function<void(SqlConnection&)> setup,
                        std::chrono::milliseconds idle = std::chrono::milliseconds(250));
  std::uint64_t reopened() const noexcept { return reopened_; }
  bool in_transaction() const noexcept { return in_transaction_; }

 private:
  SqlConnection(ConnectionSettings settings, std::unique_ptr<sql::Connection> conn);
  void before(std::string_view sql);
  void track(std::string_view sql);
  ConnectionSettings settings_;
  std::unique_ptr<sql::Connection> conn_;
  std::uint64_t connection_id_ = 0;
  std::function<void(SqlConnection&)> reopen_setup_;
  bool reopen_ = false;
  std::chrono::milliseconds reopen_idle_{0};
  std::chrono::steady_clock::time_point last_used_ = std::chrono::steady_clock::now();
  bool in_transaction_ = false;
  bool reopening_ = false;
  std::uint64_t reopened_ = 0;
};

}  // namespace ghostcut::engine
