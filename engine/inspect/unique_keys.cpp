#include "engine/inspect/unique_keys.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

// ---- unique keys whose comparison the ALTER changes ----

int int_rank(const std::string& t) {
  static const char* const kTypes[] = {"tinyint", "smallint", "mediumint", "int", "bigint"};
  for (int i = 0; i < 5; ++i)
    if (t == kTypes[i]) return i;
  return -1;
}

// Number in "varchar(20)" / "decimal(14,2)": the first (and second) parenthesised integers.
std::pair<long, long> type_args(const std::string& column_type) {
  long a = -1, b = -1;
  const auto p = column_type.find('(');
  if (p != std::string::npos) {
    try {
      std::size_t used = 0;
      a = std::stol(column_type.substr(p + 1), &used);
      const auto q = p + 1 + used;
      if (q < column_type.size() && column_type[q] == ',') b = std::stol(column_type.substr(q + 1));
    } catch (const std::exception&) {
    }
  }
  return {a, b};
}

// Could two values distinct under the original column compare equal (or become equal) under the
// ghost column? False only for what cannot merge: same type and collation, or a plain widening.
bool comparison_may_merge(const ColumnInfo& o, const ColumnInfo& g) {
  if (o.collation != g.collation) return true;
  if (lower(o.column_type) == lower(g.column_type)) return false;
  const auto ot = lower(o.data_type), gt = lower(g.data_type);
  if (int_rank(ot) >= 0 && int_rank(gt) >= int_rank(ot) && o.is_unsigned == g.is_unsigned) return false;
  const bool strings = (ot == "varchar" || ot == "char" || ot == "varbinary" || ot == "binary");
  if (strings && ot == gt && type_args(g.column_type).first >= type_args(o.column_type).first) return false;
  if (ot == "decimal" && gt == "decimal" && o.is_unsigned == g.is_unsigned) {
    const auto [op, os] = type_args(o.column_type);
    const auto [gp, gs] = type_args(g.column_type);
    if (gs == os && gp >= op) return false;
  }
  return true;
}

// The original column's value as the ghost column would compare it (for the GROUP BY probe).
std::string as_ghost_compares(const ColumnInfo& o, const ColumnInfo& g, const std::string& part) {
  std::string e = quote_identifier(o.name);
  const auto gt = lower(g.data_type);
  if (g.collation && g.charset) {
    e = "CONVERT(" + e + " USING " + *g.charset + ") COLLATE " + *g.collation;
  } else if (!g.collation && o.collation) {
    e = "CAST(" + e + " AS BINARY)";
  } else if (gt == "decimal") {
    const auto [p, sc] = type_args(g.column_type);
    if (p > 0) e = "CAST(" + e + " AS DECIMAL(" + std::to_string(p) + "," + std::to_string(std::max(0L, sc)) + "))";
  } else if (gt == "datetime" || gt == "timestamp" || gt == "time") {
    const auto [f, unused] = type_args(g.column_type);
    e = "CAST(" + e + " AS " + (gt == "time" ? "TIME" : "DATETIME") + "(" + std::to_string(std::max(0L, f)) + "))";
  } else if (gt == "date") {
    e = "CAST(" + e + " AS DATE)";
  }
  // A prefix key part "col(10)" compares the first 10 characters (bytes for binary strings).
  if (const auto p = part.find('('); p != std::string::npos)
    e = "LEFT(" + e + ", " + std::to_string(std::stol(part.substr(p + 1))) + ")";
  return e;
}

}  // namespace

void find_changed_unique_keys(SqlConnection& conn, MigrationPlan& plan,
                              const std::map<std::string, std::vector<std::string>>& ghost_parts,
                              std::vector<std::string>& refusals) {
  const std::string where = quote_qualified(plan.database, plan.table);
  for (const auto& g : plan.ghost.indexes) {
    if (!g.unique) continue;
    if (std::any_of(plan.new_unique_keys.begin(), plan.new_unique_keys.end(),
                    [&](const IndexInfo& n) { return n.name == g.name; }))
      continue;  // handled as a new key (--allow-add-unique-key)
    const auto gp = ghost_parts.find(g.name);
    bool changed = false, probe_exact = true;
    std::vector<std::string> exprs, not_null;
    for (std::size_t i = 0; i < g.columns.size(); ++i) {
      const auto gi = plan.ghost.column_index(g.columns[i]);
      const SharedColumn* sc = nullptr;
      for (const auto& s : plan.mapping.shared)
        if (iequals(s.target_name, g.columns[i])) sc = &s;
      if (!gi || !sc) {
        probe_exact = false;  // a new or generated column: nothing to compare beforehand
        continue;
      }
      const auto& oc = plan.original.columns[sc->source_index];
      const auto& gc = plan.ghost.columns[*gi];
      if (comparison_may_merge(oc, gc)) changed = true;
      const std::string part = gp != ghost_parts.end() && i < gp->second.size() ? gp->second[i] : std::string();
      exprs.push_back(as_ghost_compares(oc, gc, part));
      not_null.push_back(quote_identifier(oc.name) + " IS NOT NULL");
      const auto t = lower(gc.data_type);
      if (!gc.collation && !oc.collation && t != "decimal" && t != "datetime" && t != "timestamp" && t != "time" &&
          t != "date" && lower(oc.column_type) != lower(gc.column_type) && int_rank(t) < 0)
        probe_exact = false;
    }
    if (!changed) continue;
    plan.changed_unique_keys.push_back(g);
    if (exprs.empty()) continue;
    const std::string cols = join(exprs);
    MigrationPlan::CollisionProbe probe{g.name, "SELECT /* ghostcut collision probe */ " + cols + ", COUNT(*) FROM " +
                                                    where + " WHERE " + join(not_null, " AND ") + " GROUP BY " + cols +
                                                    " HAVING COUNT(*) > 1 LIMIT 1"};
    auto dup = conn.query(probe.sql);
    plan.collision_probes.push_back(probe);
    if (!dup.empty()) {
      std::vector<std::string> values;
      for (std::size_t i = 0; i + 1 < dup.rows[0].size(); ++i) values.push_back(dup.rows[0][i].value_or("NULL"));
      refusals.push_back("the ALTER changes how unique key " + g.name + " compares, and " +
                         dup.rows[0].back().value_or("?") +
                         " rows of the original collide under the new rules: "
                         "native ALTER TABLE fails with error 1062: Duplicate entry '" +
                         join(values, "-") + "' for key '" + g.name + "'");
    } else {
      plan.notes.push_back("the ALTER changes how unique key " + g.name + " (" + join(g.columns) +
                           ") compares: no collisions among the current rows" +
                           (probe_exact ? "" : " (probed approximately for this type change)") +
                           "; a collision made by writes during the migration fails it before cut-over");
    }
  }
  if (plan.changed_unique_keys.empty()) return;
  // The chunk key's identity under the original rules: rows that only collide under the new
  // rules are different rows and must never replace each other.
  for (const auto& k : plan.chunk_key.columns) {
    const auto* sc = plan.mapping.find_source(k);
    if (!sc) continue;
    const auto& oc = plan.original.columns[sc->source_index];
    const auto& gc = plan.ghost.columns[sc->target_index];
    if (oc.collation && oc.charset && oc.collation != gc.collation)
      plan.key_identity_terms.push_back("CONVERT({T} USING " + *oc.charset + ") COLLATE " + *oc.collation +
                                        " = CONVERT({V} USING " + *oc.charset + ") COLLATE " + *oc.collation);
    else plan.key_identity_terms.push_back("{T} = {V}");
  }
}

void probe_new_unique_keys(SqlConnection& conn, MigrationPlan& plan,
                           const std::map<std::string, std::vector<std::string>>& ghost_parts,
                           bool allow_add_unique_key, std::vector<std::string>& refusals) {
  const std::string where = quote_qualified(plan.database, plan.table);
  for (const auto& k : plan.new_unique_keys) {
    if (!allow_add_unique_key) {
      refusals.push_back("the ALTER adds unique key " + key_text(k) +
                         ": rows violating it would be lost silently during the copy; pass --allow-add-unique-key "
                         "to check the current rows for duplicates and go ahead");
      continue;
    }
    std::vector<std::string> missing;
    for (const auto& c : k.columns)
      if (!plan.original.column_index(c)) missing.push_back(c);
    if (!missing.empty()) {
      plan.notes.push_back("new unique key " + key_text(k) + " uses new column(s) " + join(missing) +
                           ": it cannot be checked for duplicates beforehand");
      continue;
    }
    std::string cols, not_null;
    const auto kp = ghost_parts.find(k.name);
    for (std::size_t i = 0; i < k.columns.size(); ++i) {
      const auto& c = k.columns[i];
      if (!cols.empty()) {
        cols += ", ";
        not_null += " AND ";
      }
      // A prefix key part (c(10)) is unique on its first characters only.
      std::string expr = quote_identifier(c);
      if (kp != ghost_parts.end() && i < kp->second.size()) {
        const auto& part = kp->second[i];
        std::string lower_name = c;
        for (auto& ch : lower_name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (part.size() > lower_name.size() + 2 && part.compare(0, lower_name.size(), lower_name) == 0 &&
            part[lower_name.size()] == '(')
          expr = "LEFT(" + expr + ", " + std::to_string(std::stoll(part.substr(lower_name.size() + 1))) + ")";
      }
      cols += expr;
      not_null += quote_identifier(c) + " IS NOT NULL";
    }
    // NULLs never collide in a unique key, so rows with a NULL part are left out.
    auto dup = conn.query("SELECT /* ghostcut unique-key probe */ " + cols + ", COUNT(*) FROM " + where + " WHERE " +
                          not_null + " GROUP BY " + cols + " HAVING COUNT(*) > 1 LIMIT 1");
    if (!dup.empty()) {
      std::vector<std::string> values;
      for (std::size_t i = 0; i < k.columns.size(); ++i)
        values.push_back(k.columns[i] + "=" + quote_string(dup.rows[0][i].value_or("NULL")));
      refusals.push_back("the new unique key " + key_text(k) + " would be violated by existing rows: " + join(values) +
                         " appears " + dup.rows[0].back().value_or("?") + " times");
    } else {
      plan.notes.push_back("new unique key " + key_text(k) + ": no duplicates among the current rows");
    }
  }
}

}  // namespace ghostcut::engine
