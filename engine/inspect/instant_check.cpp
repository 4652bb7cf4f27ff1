#include "engine/inspect/instant_check.h"

#include "engine/inspect/phased_queries.h"
#include "engine/inspect/scratch_table.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "engine/sql/sql_tokens.h"
#include "engine/text.h"

namespace ghostcut::engine {

bool is_instant_refusal(int code) { return code == 1845 || code == 1846 || code == 4092; }

std::optional<long long> instant_row_versions(SqlConnection& conn, const MigrationPlan& plan) {
  const auto sql = instant_row_versions_query(plan.server);
  const auto name = innodb_table_name(plan.database, plan.table);
  if (!sql || !name) return std::nullopt;
  try {
    const auto r = conn.query(*sql, {*name});
    if (r.empty() || !r.rows[0][0]) return std::nullopt;
    return std::stoll(*r.rows[0][0]);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

InstantEligibility check_instant(SqlConnection& conn, const MigrationPlan& plan, const std::string& clause,
                                 unsigned& counter) {
  InstantEligibility out;
  // An ALTER that picks its own algorithm or lock level is the user's to run natively.
  for (const auto& t : tokenize_sql(clause).tokens)
    if (t.kind == SqlTokKind::kWord && (iequals(t.text, "ALGORITHM") || iequals(t.text, "LOCK"))) {
      out.reason = "the ALTER names its own ALGORITHM or LOCK";
      return out;
    }
  out.row_versions = instant_row_versions(conn, plan);
  if (out.row_versions && row_version_verdict(*out.row_versions) == RowVersionVerdict::kExceeds) {
    out.reason = "the table has " + std::to_string(*out.row_versions) +
                 " instant row versions; one more would pass "
                 "InnoDB's limit of " +
                 std::to_string(kMaxInstantRowVersions) + " (the copy rebuilds it, back to 0)";
    return out;
  }
  ScratchTable scratch(conn, plan.database);
  std::string name;
  try {
    for (int attempt = 0; name.empty(); ++attempt) {
      const std::string n = "_gct_instant_" + std::to_string(conn.connection_id()) + "_" + std::to_string(counter++);
      try {
        conn.execute("CREATE /* ghostcut inspect */ TABLE " + quote_qualified(plan.database, n) + " LIKE " +
                     quote_qualified(plan.database, plan.table));
        name = n;
        scratch.created(n);
      } catch (const SqlError& e) {
        if (e.code() != 1050 || attempt >= 9) throw;  // someone else's table: next name
      }
    }
    conn.execute("ALTER /* ghostcut inspect */ TABLE " + quote_qualified(plan.database, name) + " " + clause +
                 ", ALGORITHM=INSTANT");
    out.possible = true;
    out.reason = "the server accepts ALGORITHM=INSTANT for this ALTER (tried on an empty copy)";
    if (out.row_versions && row_version_verdict(*out.row_versions) == RowVersionVerdict::kNear)
      out.reason += "; WARNING: the table has " + std::to_string(*out.row_versions) + " of " +
                    std::to_string(kMaxInstantRowVersions) + " instant row versions";
  } catch (const SqlError& e) {
    out.possible = false;
    std::string msg = e.what();
    for (auto p = msg.find(name); !name.empty() && p != std::string::npos; p = msg.find(name, p + 1))
      msg.replace(p, name.size(), plan.table);
    out.reason = is_instant_refusal(e.code()) ? "the server refuses ALGORITHM=INSTANT: " + msg
                                              : "could not try ALGORITHM=INSTANT on a scratch copy: " + msg;
  }
  if (auto failed = scratch.drop()) out.reason += "; " + *failed;
  return out;
}

}  // namespace ghostcut::engine
