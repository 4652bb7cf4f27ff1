// --backfill 'col=EXPR' (#15): a new column filled from an SQL expression over the old row, both
// by the copy (INSERT … SELECT …, (EXPR) FROM t) and by the applier for rows from the binlog
// (after writing the row: UPDATE t_gho SET col = (EXPR) WHERE <its key>), so the ghost is complete
// at the cut-over. The two agree only if EXPR means the same on the original row and on the
// ghost's copy of it, so it is refused unless:
//   - col is a column the ALTER adds (not generated), named once;
//   - EXPR reads only columns the ALTER keeps with the same name and type (never a dropped,
//     renamed, retyped or new column), no variables, no subqueries, no qualified names;
//   - EXPR calls no non-deterministic function (NOW(), RAND(), UUID(), …) — the copy and the
//     binlog path would see different values — unless --allow-nondeterministic-backfill;
//   - EXPR parses and evaluates on a scratch ghost (an empty altered copy of the table) for a
//     sample of the table's rows, in both forms, without a warning.
// The checksum compares shared columns only, so backfilled (new) columns are never a difference.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "engine/inspect/plan.h"

namespace ghostcut::engine {

class SqlConnection;

struct BackfillSpec {
  std::string column;
  std::string expression;
};

// "col=EXPR" (col may be `quoted`) → spec; nullopt and `error` set when malformed.
std::optional<BackfillSpec> parse_backfill(const std::string& text, std::string& error);
// The non-deterministic functions EXPR calls, upper-cased ("NOW", "CURRENT_TIMESTAMP", …).
std::vector<std::string> nondeterministic_calls(const std::string& expression);
// The refusals for one spec against the plan (column and references; pure, no server).
std::vector<std::string> backfill_refusals(const MigrationPlan& plan, const BackfillSpec& spec,
                                           bool allow_nondeterministic);

// Validates every spec (the checks above, then on a scratch ghost) and records them in
// plan.mapping.backfills; a backfill rules out the instant path. Throws InspectionError.
void add_backfills(SqlConnection& conn, MigrationPlan& plan, const std::vector<std::string>& specs,
                   bool allow_nondeterministic);

}  // namespace ghostcut::engine
