#include "engine/inspect/plan.h"

#include "engine/text.h"

#include <cctype>
#include <sstream>
#include <tuple>

namespace ghostcut::engine {
std::string ServerInfo::name() const {
  return std::string(flavour == Flavour::kMariaDb ? "MariaDB " : "MySQL ") + std::to_string(major) + "." +
         std::to_string(minor) + "." + std::to_string(patch);
}

bool ServerInfo::at_least(int a, int b, int c) const { return std::tie(major, minor, patch) >= std::tie(a, b, c); }

ServerInfo parse_server_version(const std::string& version, const std::string& version_comment) {
  ServerInfo s;
  s.version = version;
  const bool maria =
      version.find("MariaDB") != std::string::npos || version_comment.find("MariaDB") != std::string::npos;
  s.flavour = maria ? Flavour::kMariaDb : Flavour::kMySql;
  int* parts[] = {&s.major, &s.minor, &s.patch};
  std::size_t i = 0;
  for (int* part : parts) {
    if (i >= version.size() || !std::isdigit(static_cast<unsigned char>(version[i]))) break;
    int v = 0;
    while (i < version.size() && std::isdigit(static_cast<unsigned char>(version[i])) && v < 100000)
      v = v * 10 + (version[i++] - '0');
    *part = v;
    if (i < version.size() && version[i] == '.') ++i;
    else break;
  }
  return s;
}

std::string MigrationPlan::describe() const {
  std::ostringstream o;
  o << "Migration plan\n";
  o << "  server:          " << server.name() << " (" << server.version << "), server_id " << server.server_id
    << ", binlog_format " << server.binlog_format << ", binlog_row_image " << server.binlog_row_image << "\n";
  o << "  table:           `" << database << "`.`" << table << "`\n";
  o << "  alter:           " << alter << "\n";
  o << "  estimated rows:  " << estimated_rows << " (information_schema estimate)\n";
  o << "  chunk key:       " << chunk_key.name << " (" << join(chunk_key.columns) << ")\n";
  o << "  ghost table:     " << ghost_table << "\n";
  o << "  changelog table: " << changelog_table << "\n";
  o << "  old table:       " << old_table << " (after cut-over)\n";
  o << "  columns copied:  " << mapping.shared.size();
  if (!mapping.shared.empty()) o << " (" << join(mapping.source_names()) << ")";
  o << "\n";
  std::vector<std::string> changed;
  for (const auto& c : mapping.shared)
    if (c.type_changed) {
      const auto& from = original.columns.at(c.source_index).column_type;
      const auto& to = ghost.columns.at(c.target_index).column_type;
      changed.push_back(c.source_name + " " + from + " -> " + to);
    }
  for (const auto& [from, to] : mapping.renamed)
    o << "  column renamed:  " << from << " -> " << to << " (values carried)\n";
  if (!mapping.added.empty()) o << "  columns added:   " << join(mapping.added) << "\n";
  if (!mapping.dropped.empty()) o << "  columns dropped: " << join(mapping.dropped) << "\n";
  if (!changed.empty()) o << "  types changed:   " << join(changed) << "\n";
  if (!mapping.generated.empty()) o << "  generated (not copied): " << join(mapping.generated) << "\n";
  if (!new_unique_keys.empty()) {
    std::vector<std::string> keys;
    for (const auto& k : new_unique_keys) keys.push_back(k.name + " (" + join(k.columns) + ")");
    o << "  new unique keys: " << join(keys) << "\n";
  }
  if (!changed_unique_keys.empty()) {
    std::vector<std::string> keys;
    for (const auto& k : changed_unique_keys) keys.push_back(k.name + " (" + join(k.columns) + ")");
    o << "  unique keys compared differently after the ALTER: " << join(keys)
      << " (collisions fail the migration with 1062, like native ALTER)\n";
  }
  if (!implicit_default_columns.empty())
    o << "  implicit defaults: " << join(implicit_default_columns) << " (NOT NULL without DEFAULT, as native ALTER)\n";
  o << "  instant:         " << (instant.possible ? "yes: " : "no: ") << instant.reason << "\n";
  o << "  cut-over:        queued rename (LOCK TABLES + sentry table, RENAME queued behind it)\n";
  for (const auto& t : triggers)
    o << "  trigger:         " << t.name << " (" << t.timing << " " << t.event << ", definer " << t.definer << ") -> "
      << t.ghost_name << " on the new table, created in the cut-over\n";
  if (!leftover_tables.empty())
    o << "  leftover tables: " << join(leftover_tables) << " (will be dropped before the migration starts)\n";
  o << "  ghost table DDL:\n";
  std::istringstream ddl(ghost_create_statement);
  for (std::string line; std::getline(ddl, line);) o << "    " << line << "\n";
  for (const auto& n : notes) o << "  note: " << n << "\n";
  return o.str();
}

}  // namespace ghostcut::engine
