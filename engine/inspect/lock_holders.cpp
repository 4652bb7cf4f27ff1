#include "engine/inspect/lock_holders.h"

#include "engine/inspect/phased_queries.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

LockView lock_view(SqlConnection& conn, const ServerInfo& server) {
  try {
    return lock_view_for(server, conn.query(lock_view_probe_query(server)).scalar().value_or("0") != "0");
  } catch (const std::exception&) {
    return LockView::kOpenTransactions;
  }
}

std::vector<LockHolder> lock_holders(SqlConnection& conn, const MigrationPlan& plan) {
  std::vector<LockHolder> out;
  try {
    const auto view = lock_view(conn, plan.server);
    const bool exact = view != LockView::kOpenTransactions;
    const auto sql = lock_holders_query(view);
    const auto r = exact ? conn.query(sql, {plan.database, plan.table}) : conn.query(sql);
    for (const auto& row : r.rows) {
      LockHolder h;
      h.id = std::stoull(row[0].value_or("0"));
      h.user = row[1].value_or("");
      h.seconds = std::stoll(row[2].value_or("0"));
      h.state = row[3].value_or("");
      h.statement = row[4].value_or("");
      h.exact = exact;
      if (h.statement.size() > 120) h.statement = h.statement.substr(0, 117) + "...";
      out.push_back(std::move(h));
    }
  } catch (const std::exception&) {
  }
  return out;
}

std::string describe_lock_holders(const std::vector<LockHolder>& holders, const ServerInfo& server) {
  if (holders.empty()) return "none seen";
  (void)server;
  std::string s = holders.front().exact ? "" : "open transactions, any may hold it: ";
  for (std::size_t i = 0; i < holders.size(); ++i) {
    const auto& h = holders[i];
    s += (i ? ", " : "") + std::string("id ") + std::to_string(h.id) + " (" + h.user + ", " +
         std::to_string(h.seconds) + " s, " +
         (h.statement.empty() ? "idle in a transaction" : "running: " + h.statement) + ")";
  }
  return s;
}

}  // namespace ghostcut::engine
