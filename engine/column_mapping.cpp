#include "engine/column_mapping.h"

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

ColumnMapping build_column_mapping(const TableSchema& original, const TableSchema& ghost) {
  ColumnMapping m;
  for (std::size_t i = 0; i < original.columns.size(); ++i) {
    const auto& col = original.columns[i];
    const auto j = ghost.column_index(col.name);
    if (!j) {
      m.dropped.push_back(col.name);
      continue;
    }
    const auto& target = ghost.columns[*j];
    if (col.generated && target.generated) {
      m.generated.push_back(col.name);
    } else if (col.generated) {
      m.added.push_back(target.name);  // a stored value in the ghost that no source column feeds
    } else if (target.generated) {
      m.dropped.push_back(col.name);  // its value will be computed; nothing to copy into it
    } else {
      m.shared.push_back({col.name, target.name, i, *j, col.column_type != target.column_type});
    }
  }
  for (const auto& col : ghost.columns)
    if (!original.column_index(col.name)) m.added.push_back(col.name);
  return m;
}

}  // namespace ghostcut::engine
