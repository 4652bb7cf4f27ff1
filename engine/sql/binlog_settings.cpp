#include "engine/sql/binlog_settings.h"

#include <random>
#include <stdexcept>

#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

binlog::ConnectionSettings to_binlog_settings(const ConnectionSettings& s, std::uint32_t server_id) {
  binlog::ConnectionSettings b;
  b.host = s.host;
  b.port = s.port;
  b.user = s.user;
  b.password = s.password;
  if (!s.socket.empty()) b.unix_socket = s.socket;
  switch (s.tls) {
    case TlsMode::kDisabled: b.tls_mode = binlog::TlsMode::disabled; break;
    case TlsMode::kPreferred: b.tls_mode = binlog::TlsMode::preferred; break;
    case TlsMode::kRequired: b.tls_mode = binlog::TlsMode::required; break;
  }
  b.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(s.connect_timeout);
  b.server_id = server_id;
  return b;
}

std::uint32_t random_server_id() {
  std::random_device rd;
  return 1'000'000'000u + (rd() % 1'000'000'000u);
}

binlog::BinlogPosition current_binlog_position(SqlConnection& c, const std::string& server_version) {
  const std::string statement = binlog::binlog_status_statement(server_version);
  auto st = c.query(statement);
  if (st.empty() || st.rows[0].size() < 2 || !st.rows[0][0] || !st.rows[0][1])
    throw std::runtime_error(statement + " returned nothing: is the binary log on?");
  return binlog::BinlogPosition{*st.rows[0][0], to_uint64(st.rows[0][1])};
}

}  // namespace ghostcut::engine
