#include "engine/throttle/replica_lag_probe.h"

#include <charconv>
#include <set>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

binlog::Result<std::chrono::milliseconds> heartbeat_lag(const Cell& value, std::int64_t now_micros) {
  if (!value) return binlog::Error(binlog::Errc::bad_value, "heartbeat value is NULL");
  const std::string& text = *value;
  std::int64_t micros = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), micros);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    return binlog::Error(binlog::Errc::bad_value, "heartbeat value '" + text.substr(0, 40) + "' is not a number");
  const std::int64_t lag = now_micros > micros ? now_micros - micros : 0;
  return std::chrono::milliseconds(lag / 1000);
}

ReplicaLagProbe::ReplicaLagProbe(ConnectionSettings credentials, std::string database, std::string changelog_table)
    : credentials_(std::move(credentials)) {
  credentials_.socket.clear();
  credentials_.database.clear();
  // Short waits: an unreachable replica must not stall the probe (its lag counts as unknown-bad anyway).
  credentials_.connect_timeout = std::chrono::seconds(1);
  credentials_.read_timeout = std::chrono::seconds(1);
  query_ = "/* ghostcut " + database + "." + changelog_table + " heartbeat-read */ SELECT `value` FROM " +
           quote_qualified(database, changelog_table) + " WHERE `id` = 1";
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
    const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    auto lag = heartbeat_lag(result.rows.front().front(), now);
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
