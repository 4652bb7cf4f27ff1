#include "engine/sql/binlog_settings.h"

#include <random>

namespace ghostcut::engine {

binlog::BinlogConnectionSettings to_binlog_settings(const ConnectionSettings& s, std::uint32_t server_id) {
  binlog::BinlogConnectionSettings b;
  static_cast<ConnectionSettings&>(b) = s;  // host, credentials, TLS, timeouts: one type
  b.database.clear();                       // a dump needs no default schema
  b.server_id = server_id;
  return b;
}

std::uint32_t random_server_id() {
  std::random_device rd;
  return 1'000'000'000u + (rd() % 1'000'000'000u);
}

}  // namespace ghostcut::engine
