// --include-triggers at inspection: reads the table's triggers and refuses, before anything is
// touched, what the cut-over could not recreate faithfully (names, privileges, charsets).
#pragma once
#include <string>
#include <vector>

#include "common/flavour.h"
#include "engine/inspect/plan.h"

namespace ghostcut::engine {

class SqlConnection;

struct TriggerOptions {
  bool include = false;        // --include-triggers
  std::string suffix;          // --trigger-suffix
  bool remove_suffix = false;  // --remove-trigger-suffix-if-exists
  bool reverse_sync = false;   // --keep-old-table-in-sync was given (refused with triggers)
};

// Usage checks of the flags alone (empty: fine): the suffix is required with --include-triggers,
// only [A-Za-z0-9_], and the other two flags need --include-triggers (gh-ost's rules).
[[nodiscard]] std::vector<std::string> check_trigger_options(const TriggerOptions& o);

// PURE: privilege problems for recreating triggers, from SHOW GRANTS lines. TRIGGER on the
// database; a DEFINER other than the current user needs SUPER or SET USER (MariaDB), SET_USER_ID
// or SET_ANY_DEFINER (MySQL).
[[nodiscard]] std::vector<std::string> missing_trigger_privileges(const std::vector<std::string>& grants,
                                                                  const std::string& database, Flavour flavour,
                                                                  bool other_definer);

// Reads the triggers of `plan.table` into plan.triggers (with --include-triggers) or refuses them.
void check_triggers(SqlConnection& conn, const TriggerOptions& options, const std::vector<std::string>& grants,
                    MigrationPlan& plan, std::vector<std::string>& refusals);

}  // namespace ghostcut::engine
