// Plain settings for one SQL connection. The password is never printed: use redacted().
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "binlog/tls_mode.h"

namespace ghostcut::engine {

using binlog::TlsMode;  // one type for the binlog client and the SQL connections

struct ConnectionSettings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3306;
  std::string user;
  std::string password;
  std::string socket;    // unix socket path; when set it is used instead of host:port
  std::string database;  // default schema (may be empty)
  TlsMode tls = TlsMode::kDisabled;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds read_timeout{0};  // 0 = none; long statements (copy chunks) must not be cut

  // "ghostcut@127.0.0.1:3306/db" — safe for logs and error messages.
  std::string redacted() const;
};

}  // namespace ghostcut::engine
