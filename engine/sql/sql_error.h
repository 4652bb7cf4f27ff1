// The one error type SQL code throws: the server's error code and SQLSTATE, and a category
// that drives retry policy (only idempotent steps are retried; see DESIGN §5).
#pragma once
#include <stdexcept>
#include <string>

namespace ghostcut::engine {

enum class SqlErrorCategory {
  kRetryable,       // lock wait timeout (1205), deadlock (1213): the statement did not happen
  kConnectionLost,  // 2006, 2013, 2055, …: the outcome is unknown
  kFatal,           // everything else
};

class SqlError : public std::runtime_error {
 public:
  SqlError(int code, std::string sqlstate, const std::string& message, std::string context = {});

  int code() const noexcept { return code_; }
  const std::string& sqlstate() const noexcept { return sqlstate_; }
  SqlErrorCategory category() const noexcept { return category_; }
  const std::string& context() const noexcept { return context_; }
  bool retryable() const noexcept { return category_ == SqlErrorCategory::kRetryable; }
  bool connection_lost() const noexcept { return category_ == SqlErrorCategory::kConnectionLost; }

  static SqlErrorCategory categorize(int code) noexcept;

 private:
  int code_;
  std::string sqlstate_;
  SqlErrorCategory category_;
  std::string context_;
};

// Well-known server/client error codes we act on.
namespace sql_errc {
inline constexpr int kAccessDenied = 1045;
inline constexpr int kBadDb = 1049;
inline constexpr int kNoSuchTable = 1146;
inline constexpr int kTableExists = 1050;
inline constexpr int kDupEntry = 1062;
inline constexpr int kParseError = 1064;
inline constexpr int kLockWaitTimeout = 1205;
inline constexpr int kDeadlock = 1213;
inline constexpr int kQueryInterrupted = 1317;
inline constexpr int kTableNotLockedForWrite = 1099;
inline constexpr int kLockOrActiveTransaction = 1192;
inline constexpr int kCantConnect = 2003;
inline constexpr int kServerGone = 2006;
inline constexpr int kLostConnection = 2013;
inline constexpr int kConnectionKilled = 1927;  // MariaDB ER_CONNECTION_KILLED
inline constexpr int kCantConnectLocal = 2002;
inline constexpr int kClientInteractionTimeout = 4031;  // MySQL ≥ 8.0.24: closed by wait_timeout
}  // namespace sql_errc

// The session is gone, or cannot be made again yet (a restarting server: 2002/2003): work that
// holds no state on the server is done again on a new one.
inline bool session_gone(const SqlError& e) noexcept {
  return e.connection_lost() || e.code() == sql_errc::kCantConnectLocal || e.code() == sql_errc::kCantConnect;
}

}  // namespace ghostcut::engine
