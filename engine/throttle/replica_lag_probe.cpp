#include "engine/throttle/replica_lag_probe.h"

#include <set>

#include "engine/sql/changelog.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

ReplicaLagProbe::ReplicaLagProbe(ConnectionSettings credentials, std::string database, std::string changelog_table)
    : credentials_(std::move(credentials)) {
  credentials_.socket.clear();
  credentials_.database.clear();
  // Short waits: an unreachable replica must not stall the probe (its lag counts as unknown-bad anyway).
  credentials_.connect_timeout = std::chrono::seconds(1);
  credentials_.read_timeout = std::chrono::seconds(1);
  query_ = Changelog(std::move(database), std::move(changelog_table)).read_heartbeat_query();
}

ReplicaLagProbe::~ReplicaLagProbe() = default;

std::vector<ReplicaLag> ReplicaLagProbe::probe(const std::vector<ReplicaAddress>& replicas) {
  std::set<std::string> wanted;
  for (const auto& r : replicas) wanted.insert(r.to_string());
  for (auto it = connections_.begin(); it != connections_.end();)
    it = wanted.count(it->first) ? std::next(it) : connections_.erase(it);

  std::vector<ReplicaLag> out;
  out.reserve(replicas.size());
  for (const auto& r : replicas) out.push_back(probe_one(r));
  return out;
}

ReplicaLag ReplicaLagProbe::probe_one(const ReplicaAddress& replica) {
  ReplicaLag out;
  out.address = replica.to_string();
  auto& conn = connections_[out.address];
  try {
    if (!conn) {
      ConnectionSettings s = credentials_;
      s.host = replica.host;
      s.port = replica.port;
      conn = SqlConnection::open(s);
    }
    const ResultTable result = conn->query(query_);
    if (result.empty()) return out;  // no heartbeat yet: lag unknown
    auto lag = Changelog::lag(result.rows.front().front(), wall_clock_micros());
    if (!lag) {
      out.error = lag.error().context;
      return out;
    }
    out.lag = *lag;
  } catch (const std::exception& e) {
    conn.reset();  // reopen on the next probe
    out.error = e.what();
  } catch (...) {
    conn.reset();
    out.error = "unknown error";
  }
  return out;
}

}  // namespace ghostcut::engine
