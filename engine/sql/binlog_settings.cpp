#include "engine/sql/binlog_settings.h"

#include <random>

namespace ghostcut::engine {

binlog::ConnectionSettings to_binlog_settings(const ConnectionSettings& s, std::uint32_t server_id) {
  binlog::ConnectionSettings b;
  b.host = s.host;
  b.port = s.port;
  b.user = s.user;
  b.password = s.password;
  if (!s.socket.empty()) b.unix_socket = s.socket;
  b.tls_mode = s.tls;
  b.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(s.connect_timeout);
  b.server_id = server_id;
  return b;
}

std::uint32_t random_server_id() {
  std::random_device rd;
  return 1'000'000'000u + (rd() % 1'000'000'000u);
}

}  // namespace ghostcut::engine
