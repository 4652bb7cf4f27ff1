// Replica lag, sub-second: on each replica the changelog's heartbeat row (engine/sql/changelog.h) is
// read back and lag = now - value. The value is ghostcut's own wall clock, so writer and reader
// share one clock; were they ever on different hosts, those would need NTP-synced clocks, as
// gh-ost assumes. A reading includes up to one heartbeat interval of staleness,
// so the heartbeat interval should be well under --max-lag-millis.
// One connection per replica, kept between probes; reopened after any error. Connections use
// short timeouts so an unreachable replica costs about a second per probe, not a stall.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "binlog/error.h"
#include "common/connection_settings.h"
#include "engine/control/runtime_settings.h"
#include "engine/sql/result.h"
#include "engine/throttle/throttle_state.h"

namespace ghostcut::engine {

class SqlConnection;

class ReplicaLagProbe {
 public:
  // `credentials`: user/password/TLS (host and port come from each ReplicaAddress).
  ReplicaLagProbe(ConnectionSettings credentials, std::string database, std::string changelog_table);
  ~ReplicaLagProbe();
  ReplicaLagProbe(const ReplicaLagProbe&) = delete;
  ReplicaLagProbe& operator=(const ReplicaLagProbe&) = delete;

  // One reading per replica, in the given order. Never throws: errors land in ReplicaLag::error.
  // Connections to replicas no longer listed are closed.
  std::vector<ReplicaLag> probe(const std::vector<ReplicaAddress>& replicas);

 private:
  ReplicaLag probe_one(const ReplicaAddress& replica);

  ConnectionSettings credentials_;
  std::string query_;
  std::map<std::string, std::unique_ptr<SqlConnection>> connections_;  // by "host:port"
};

}  // namespace ghostcut::engine
