#include "engine/inspect/column_mapping.h"

#include "engine/text.h"

#include <algorithm>

namespace ghostcut::engine {

std::vector<std::string> ColumnMapping::source_names() const {
  std::vector<std::string> out;
  out.reserve(shared.size());
  for (const auto& c : shared) out.push_back(c.source_name);
  return out;
}

std::vector<std::string> ColumnMapping::target_names() const {
  std::vector<std::string> out;
  out.reserve(shared.size());
  for (const auto& c : shared) out.push_back(c.target_name);
  return out;
}

const SharedColumn* ColumnMapping::find_source(std::string_view name) const {
  for (const auto& c : shared)
    if (iequals(c.source_name, name)) return &c;
  return nullptr;
}

namespace {

ColumnMapping map_columns(const TableSchema& original, const TableSchema& ghost, const AlterColumnChanges& changes,
                          bool checked, std::vector<std::string>& refusals) {
  auto listed = [](const std::vector<std::string>& v, std::string_view n) {
    return std::any_of(v.begin(), v.end(), [&](const std::string& x) { return iequals(x, n); });
  };
  ColumnMapping m;
  std::vector<bool> fed(ghost.columns.size(), false);
  for (std::size_t i = 0; i < original.columns.size(); ++i) {
    const auto& col = original.columns[i];
    // Names in an ALTER refer to the original table; the last clause naming a column wins
    // (the server rejects a column changed twice anyway).
    std::string target_name = col.name;
    bool renamed = false, dropped = false;
    for (const auto& [from, to] : changes.renames)
      if (iequals(from, col.name)) {
        target_name = to;
        renamed = true;
      }
    if (!renamed && listed(changes.dropped, col.name)) dropped = true;
    const auto j = dropped ? std::nullopt : ghost.column_index(target_name);
    if (!j) {
      m.dropped.push_back(col.name);
      if (renamed)
        refusals.push_back("the ALTER renames column " + col.name + " to " + target_name +
                           ", but the altered table has no column " + target_name +
                           ": ghostcut cannot tell where its values go");
      else if (checked && !dropped)
        refusals.push_back(
            "column " + col.name +
            " is not in the altered table, but the ALTER neither drops nor "
            "renames it (as ghostcut reads the text): refusing rather than guessing where its values go");
      continue;
    }
    if (fed[*j]) {
      refusals.push_back("two columns of the original table map to column " + ghost.columns[*j].name +
                         " of the altered table: ghostcut cannot tell which one's values it holds");
      continue;
    }
    fed[*j] = true;
    const auto& target = ghost.columns[*j];
    if (col.generated && target.generated) {
      m.generated.push_back(col.name);
    } else if (col.generated) {
      m.added.push_back(target.name);  // a stored value in the ghost that no source column feeds
    } else if (target.generated) {
      m.dropped.push_back(col.name);  // its value will be computed; nothing to copy into it
    } else {
      m.shared.push_back({col.name, target.name, i, *j, col.column_type != target.column_type});
      if (col.name != target.name) m.renamed.emplace_back(col.name, target.name);
    }
  }
  for (std::size_t j = 0; j < ghost.columns.size(); ++j) {
    if (fed[j]) continue;
    const auto& name = ghost.columns[j].name;
    m.added.push_back(name);
    if (checked && !listed(changes.added, name))
      refusals.push_back("column " + name +
                         " appears in the altered table, but the ALTER neither adds it nor "
                         "renames a column to it (as ghostcut reads the text): refusing rather than guessing "
                         "which values it should hold");
  }
  return m;
}

}  // namespace

ColumnMapping build_column_mapping(const TableSchema& original, const TableSchema& ghost) {
  std::vector<std::string> ignored;
  return map_columns(original, ghost, AlterColumnChanges{}, false, ignored);
}

ColumnMapping build_column_mapping(const TableSchema& original, const TableSchema& ghost,
                                   const AlterColumnChanges& changes, std::vector<std::string>& refusals) {
  return map_columns(original, ghost, changes, true, refusals);
}

}  // namespace ghostcut::engine
