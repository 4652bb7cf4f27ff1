// The binlog client's settings from the common ones plus a replica server id: one place for every caller.
#pragma once
#include <cstdint>
#include <string>

#include "binlog/net/binlog_connection.h"
#include "binlog/position.h"
#include "common/connection_settings.h"
#include "engine/sql/server_queries.h"  // current_binlog_position, for the Migrator until it includes it

namespace ghostcut::engine {

binlog::BinlogConnectionSettings to_binlog_settings(const ConnectionSettings& s, std::uint32_t server_id);
// A random replica server id in [10^9, 2·10^9): clear of real replicas' (usually small) ids.
std::uint32_t random_server_id();

}  // namespace ghostcut::engine
