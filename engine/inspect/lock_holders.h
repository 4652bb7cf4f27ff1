// Who holds a table's metadata lock (and so would block an instant ALTER or the cut-over's lock):
// the dry run lists them, a refused attempt names them, --kill-blockers-after ends them.
// The query per flavour is in phased_queries.h (MariaDB: every open InnoDB transaction).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/inspect/phased_queries.h"
#include "engine/inspect/plan.h"

namespace ghostcut::engine {

class SqlConnection;

struct LockHolder {
  std::uint64_t id = 0;  // connection id (KILL takes it)
  std::string user;
  long long seconds = 0;  // in its transaction (or its current command)
  std::string state;
  std::string statement;  // what it runs now (empty: idle inside a transaction)
  bool exact = true;      // read from a metadata-lock view (false: any open transaction, see phased_queries.h)
};

// Which view this server offers now (phased_queries.h LockView); never throws.
LockView lock_view(SqlConnection& conn, const ServerInfo& server);

// Never throws: an unreadable view gives an empty list (the caller says "unknown" where it matters).
std::vector<LockHolder> lock_holders(SqlConnection& conn, const MigrationPlan& plan);
// "id 12 (root, 40 s, idle in a transaction), id 15 (…)"; MariaDB's list is prefixed
// "open transactions, any may hold it:"; "none seen" when empty.
std::string describe_lock_holders(const std::vector<LockHolder>& holders, const ServerInfo& server);

}  // namespace ghostcut::engine
