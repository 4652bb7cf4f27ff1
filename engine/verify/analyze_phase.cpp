#include "engine/verify/analyze_phase.h"

#include <spdlog/spdlog.h>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {

void analyze_ghost(MigrationContext& m, SqlConnection& main) {
  m.status.set_state(Phase::kVerifying, "ANALYZE TABLE " + m.plan.ghost_table);
  const auto started = std::chrono::steady_clock::now();
  try {
    const auto r = main.query("/* ghostcut " + m.plan.database + "." + m.plan.table + " analyze */ ANALYZE TABLE " +
                              quote_qualified(m.plan.database, m.plan.ghost_table));
    for (const auto& row : r.rows) {
      // Table, Op, Msg_type, Msg_text: "status OK", or a note/warning/error worth passing on.
      const auto type = row.size() > 2 ? row[2].value_or("") : "";
      const auto text = row.size() > 3 ? row[3].value_or("") : "";
      if (!iequals(type, "status")) m.log->warn("analyze: {}: {} {}", m.plan.ghost_table, type, text);
    }
    m.log->info(
        "analyze: fresh statistics for {} in {} ms", m.plan.ghost_table,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
  } catch (const SqlError& e) {
    m.log->warn("analyze: ANALYZE TABLE {} failed ({}); the cut-over goes on with the statistics InnoDB has",
                m.plan.ghost_table, e.what());
  }
}

}  // namespace ghostcut::engine
