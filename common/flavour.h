// The server family: its binlog events, replication handshake and SQL differ in places.
// One type for the binlog layers and the engine.
#pragma once
#include <cstdint>

namespace ghostcut {

enum class Flavour : std::uint8_t { kMySql, kMariaDb };

}  // namespace ghostcut
