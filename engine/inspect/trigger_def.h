// A trigger of the migrated table as --include-triggers recreates it on the ghost (engine/cutover/
// ghost_triggers.h): everything SHOW CREATE TRIGGER states, read from information_schema.TRIGGERS.
#pragma once
#include <string>

namespace ghostcut::engine {

struct TriggerDef {
  std::string name;        // on the original table
  std::string ghost_name;  // on the ghost: name + suffix (or name minus the suffix, see below)
  std::string timing;      // BEFORE | AFTER
  std::string event;       // INSERT | UPDATE | DELETE
  long long action_order = 0;
  std::string definer;  // user@host as information_schema spells it (a role: no '@')
  std::string sql_mode, character_set_client, collation_connection;
  std::string body;  // ACTION_STATEMENT
};

// gh-ost's naming: name + suffix; with --remove-trigger-suffix-if-exists a name that already ends
// with the suffix loses it instead (so alternate migrations toggle between the two names).
inline std::string ghost_trigger_name(const std::string& name, const std::string& suffix, bool remove_if_exists) {
  if (remove_if_exists && !suffix.empty() && name.size() > suffix.size() &&
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
    return name.substr(0, name.size() - suffix.size());
  return name + suffix;
}

}  // namespace ghostcut::engine
