// Unique keys whose comparison the ALTER changes (collation, charset, type, prefix): rows distinct
// before may collide after. Probed against the current rows (native ALTER's 1062 up front).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "engine/inspect/plan.h"

namespace ghostcut::engine {

class SqlConnection;

// Fills plan.changed_unique_keys, collision_probes and key_identity_terms; a collision among the
// current rows is a refusal (appended), none a note.
void find_changed_unique_keys(SqlConnection& conn, MigrationPlan& plan,
                              const std::map<std::string, std::vector<std::string>>& ghost_parts,
                              std::vector<std::string>& refusals);

// Unique keys the ALTER adds (plan.new_unique_keys): refused without --allow-add-unique-key (rows
// violating them would be lost silently); with it, the current rows are probed for duplicates.
void probe_new_unique_keys(SqlConnection& conn, MigrationPlan& plan,
                           const std::map<std::string, std::vector<std::string>>& ghost_parts,
                           bool allow_add_unique_key, std::vector<std::string>& refusals);

}  // namespace ghostcut::engine
