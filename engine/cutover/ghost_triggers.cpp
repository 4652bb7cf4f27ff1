#include "engine/cutover/ghost_triggers.h"

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {
namespace {

// information_schema spells the definer user@host unquoted; a role (MariaDB) has no host.
std::string definer_sql(const std::string& definer) {
  const auto at = definer.rfind('@');
  if (at == std::string::npos) return quote_identifier(definer);
  return quote_string(definer.substr(0, at)) + "@" + quote_string(definer.substr(at + 1));
}

}  // namespace

void create_ghost_triggers(SqlConnection& c, const MigrationPlan& plan) {
  for (const auto& t : plan.triggers) {
    // The session as the trigger was created: the server stores these with the trigger and runs
    // its body under them.
    c.execute("SET SESSION sql_mode = " + quote_string(t.sql_mode) +
              ", character_set_client = " + quote_string(t.character_set_client) +
              ", collation_connection = " + quote_string(t.collation_connection));
    c.execute("CREATE DEFINER=" + definer_sql(t.definer) + " TRIGGER " + quote_qualified(plan.database, t.ghost_name) +
              " " + t.timing + " " + t.event + " ON " + quote_qualified(plan.database, plan.ghost_table) +
              " FOR EACH ROW " + t.body);
  }
}

int drop_table_triggers(SqlConnection& c, const std::string& database, const std::string& table) {
  auto r = c.query(
      "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ?",
      {database, table});
  for (const auto& row : r.rows) c.execute("DROP TRIGGER IF EXISTS " + quote_qualified(database, row[0].value_or("")));
  return static_cast<int>(r.rows.size());
}

}  // namespace ghostcut::engine
