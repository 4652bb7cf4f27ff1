#include "engine/revert/reverse_plan.h"

#include <algorithm>
#include <stdexcept>

#include "engine/sql/query_builder.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

// Key columns by their names in the new table; nullopt when one is not carried over.
std::optional<std::vector<std::string>> renamed(const MigrationPlan& f, const IndexInfo& k) {
  std::vector<std::string> out;
  for (const auto& c : k.columns) {
    const auto* sc = f.mapping.find_source(c);
    if (!sc) return std::nullopt;
    out.push_back(lower(sc->target_name));
  }
  return out;
}

std::vector<std::string> lowered(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(lower(s));
  return out;
}

// The new table's unique key with exactly these (new-name) columns, in order.
const IndexInfo* new_unique_key(const MigrationPlan& f, const std::vector<std::string>& columns) {
  for (const auto& g : f.ghost.indexes)
    if (g.unique && lowered(g.columns) == columns) return &g;
  return nullptr;
}

}  // namespace

std::vector<std::string> reverse_sync_refusals(const MigrationPlan& f) {
  std::vector<std::string> out;
  if (!f.mapping.dropped.empty())
    out.push_back("the ALTER drops column(s) " + join(f.mapping.dropped) +
                  ": a row changed after the cut-over could not get its old value back");
  if (!f.changed_unique_keys.empty())
    out.push_back("the ALTER changes how unique key " + key_text(f.changed_unique_keys[0]) +
                  " compares: rows written after the cut-over could collide in the old table");
  for (const auto& k : f.original.indexes) {
    if (!k.unique) continue;
    const auto cols = renamed(f, k);
    const IndexInfo* g = cols ? new_unique_key(f, *cols) : nullptr;
    bool same = g != nullptr;
    for (std::size_t i = 0; same && i < k.columns.size(); ++i) {
      const auto* sc = f.mapping.find_source(k.columns[i]);
      const auto& o = f.original.columns[sc->source_index];
      const auto& n = f.ghost.columns[sc->target_index];
      same = o.column_type == n.column_type && o.collation == n.collation;
    }
    if (!same)
      out.push_back("unique key " + key_text(k) +
                    " of the old table has no identical unique key in the new one: "
                    "rows written after the cut-over could collide in the old table");
  }
  return out;
}

MigrationPlan reverse_plan(const MigrationPlan& f) {
  if (auto why = reverse_sync_refusals(f); !why.empty()) throw std::logic_error("reverse plan: " + why[0]);
  MigrationPlan r;
  r.database = f.database;
  r.table = f.table;
  r.alter = "the reverse of: " + f.alter;
  r.ghost_table = f.old_table;
  r.changelog_table = f.changelog_table;
  r.old_table = revert_table_name(f.table);
  r.original = f.ghost;
  r.original.table = f.table;
  r.ghost = f.original;
  r.ghost.table = f.old_table;
  r.server = f.server;
  for (const auto& sc : f.mapping.shared) {
    SharedColumn b = sc;
    std::swap(b.source_name, b.target_name);
    std::swap(b.source_index, b.target_index);
    b.tz_shift = -sc.tz_shift;
    r.mapping.shared.push_back(b);
  }
  std::sort(r.mapping.shared.begin(), r.mapping.shared.end(),
            [](const SharedColumn& a, const SharedColumn& b) { return a.source_index < b.source_index; });
  r.mapping.dropped = f.mapping.added;
  r.mapping.added = f.mapping.dropped;
  r.mapping.generated = f.mapping.generated;
  for (const auto& [from, to] : f.mapping.renamed) r.mapping.renamed.emplace_back(to, from);
  // The chunk key as the new table names it; it is one of the identical unique keys.
  const auto key_cols = renamed(f, f.chunk_key);
  const IndexInfo* key = key_cols ? new_unique_key(f, *key_cols) : nullptr;
  if (!key) throw std::logic_error("reverse plan: the chunk key " + key_text(f.chunk_key) + " is not in the new table");
  r.chunk_key = *key;
  for (const auto& k : f.original.indexes)
    if (k.unique) r.kept_unique_keys.push_back(k.name);
  return r;
}

}  // namespace ghostcut::engine
