// The server family: its binlog events, replication handshake and SQL differ in places.
// Shared by the binlog layers and the engine (one type for both).
#pragma once
#include <cstdint>

namespace ghostcut::binlog {

enum class Flavour : std::uint8_t { kMySql, kMariaDb };

}  // namespace ghostcut::binlog
