#include "engine/cutover/blockers.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {

std::vector<LockHolder> kill_blockers(const MigrationContext& m, SqlConnection& admin, std::chrono::seconds after,
                                      const std::vector<std::uint64_t>& own) {
  std::vector<LockHolder> killed;
  const auto holders = lock_holders(admin, m.plan);
  if (holders.empty()) return killed;
  if (!holders.front().exact) {
    m.log->warn("kill-blockers: the holders of {}'s metadata lock are not known exactly now ({}); killing nobody",
                m.plan.table, lock_view_missing(m.plan.server));
    return killed;
  }
  for (const auto& h : holders) {
    if (h.seconds < after.count()) continue;
    if (h.id == admin.connection_id() || std::find(own.begin(), own.end(), h.id) != own.end()) continue;
    if (h.statement.find("/* ghostcut ") != std::string::npos) continue;  // one of ours
    const std::string what = h.statement.empty() ? "idle in a transaction" : "running: " + h.statement;
    try {
      admin.execute("KILL CONNECTION " + std::to_string(h.id));
      m.log->warn("kill-blockers: killed session {} (user {}, holding {}'s metadata lock for {} s, {})", h.id, h.user,
                  m.plan.table, h.seconds, what);
      killed.push_back(h);
    } catch (const SqlError& e) {
      // 1094: it ended meanwhile — what was wanted.
      if (e.code() != 1094)
        m.log->warn("kill-blockers: could not kill session {} ({} s, {}): {}", h.id, h.seconds, what, e.what());
    }
  }
  return killed;
}

}  // namespace ghostcut::engine
