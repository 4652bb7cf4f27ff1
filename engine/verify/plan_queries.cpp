#include "engine/verify/plan_queries.h"

namespace ghostcut::engine {

std::string explain_prefix(const ServerInfo& server) {
  return server.flavour == Flavour::kMySql ? "EXPLAIN FORMAT=TRADITIONAL " : "EXPLAIN ";
}

bool digest_samples_always(const ServerInfo& server) {
  return server.flavour == Flavour::kMySql && server.at_least(8, 0, 3);
}

std::string digest_like(const std::string& table) {
  std::string p = "%`";
  for (char c : table) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c == '`' ? std::string("``") : std::string(1, c);
  }
  return p + "`%";
}

std::string statement_consumers_query() {
  return "SELECT /* ghostcut plan check */ GROUP_CONCAT(NAME ORDER BY NAME) FROM performance_schema.setup_consumers "
         "WHERE NAME LIKE 'events\\_statements\\_%' AND ENABLED = 'YES'";
}

std::string digests_on_query(const ServerInfo&) { return "SELECT /* ghostcut plan check */ @@performance_schema"; }

std::string top_digests_query(const ServerInfo& server, int limit) {
  const std::string where =
      " FROM performance_schema.events_statements_summary_by_digest d WHERE d.SCHEMA_NAME = ? "
      "AND d.DIGEST_TEXT LIKE 'SELECT%' AND d.DIGEST_TEXT LIKE ? ORDER BY d.SUM_TIMER_WAIT DESC LIMIT " +
      std::to_string(limit);
  if (digest_samples_always(server))
    return "SELECT /* ghostcut plan check */ d.DIGEST_TEXT, d.QUERY_SAMPLE_TEXT, d.COUNT_STAR" + where;
  auto sample = [](const char* table) {
    return std::string("(SELECT h.SQL_TEXT FROM performance_schema.") + table +
           " h WHERE h.DIGEST = d.DIGEST AND h.SQL_TEXT NOT LIKE '%/* ghostcut %' LIMIT 1)";
  };
  return "SELECT /* ghostcut plan check */ d.DIGEST_TEXT, COALESCE(" + sample("events_statements_history_long") + ", " +
         sample("events_statements_history") + "), d.COUNT_STAR" + where;
}

}  // namespace ghostcut::engine
