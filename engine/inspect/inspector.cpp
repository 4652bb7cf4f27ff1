#include "engine/inspect/inspector.h"

#include "engine/text.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "engine/inspect/key_bounds.h"
#include "engine/inspect/alter_text.h"
#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "engine/sql/server_queries.h"
#include "engine/sql/sql_tokens.h"
#include "engine/sql/sql_connection.h"

#include <spdlog/spdlog.h>

namespace ghostcut::engine {
namespace {

std::string qualified(const std::string& db, const std::string& t) { return quote_qualified(db, t); }

bool same_columns(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!iequals(a[i], b[i])) return false;
  return true;
}

std::string key_text(const IndexInfo& k) { return k.name + " (" + join(k.columns) + ")"; }

// ---- ALTER text scanning ----

using TokKind = SqlTokKind;
using Token = SqlToken;

bool is_word(const Token& t, std::string_view w) { return t.kind == TokKind::kWord && iequals(t.text, w); }
bool is_name(const Token& t) { return t.kind == TokKind::kWord || t.kind == TokKind::kQuotedIdent; }

// ---- grants ----

// MySQL LIKE with '\' escapes, as database names in GRANT ... ON `db\_x`.* are patterns.
bool like_match(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  if (pattern[0] == '%') {
    for (std::size_t k = 0; k <= text.size(); ++k)
      if (like_match(pattern.substr(1), text.substr(k))) return true;
    return false;
  }
  if (text.empty()) return false;
  if (pattern[0] == '\\' && pattern.size() > 1)
    return pattern[1] == text[0] && like_match(pattern.substr(2), text.substr(1));
  if (pattern[0] == '_' || pattern[0] == text[0]) return like_match(pattern.substr(1), text.substr(1));
  return false;
}

struct Grant {
  std::set<std::string> privileges;  // upper case; column lists removed
  bool global = false;
  std::optional<std::string> database_pattern;  // ON `db`.*
};

std::optional<Grant> parse_grant(const std::string& line) {
  if (line.rfind("GRANT ", 0) != 0) return std::nullopt;
  // Find " ON " outside parentheses and backticks.
  int depth = 0;
  bool tick = false;
  std::size_t on = std::string::npos;
  for (std::size_t i = 6; i + 4 <= line.size(); ++i) {
    const char c = line[i];
    if (c == '`') tick = !tick;
    if (tick) continue;
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth == 0 && line.compare(i, 4, " ON ") == 0) {
      on = i;
      break;
    }
  }
  if (on == std::string::npos) return std::nullopt;  // a role grant: GRANT role TO user
  Grant g;
  std::string item;
  depth = 0;
  auto flush = [&] {
    std::string p(trim(item));
    if (!p.empty()) g.privileges.insert(upper(p));
    item.clear();
  };
  for (std::size_t i = 6; i < on; ++i) {
    const char c = line[i];
    if (c == '(') ++depth;
    else if (c == ')') --depth;
    else if (depth == 0 && c == ',') flush();
    else if (depth == 0) item += c;
  }
  flush();
  const auto to = line.find(" TO ", on + 4);
  const std::string target(trim(line.substr(on + 4, to == std::string::npos ? std::string::npos : to - on - 4)));
  if (target == "*.*") {
    g.global = true;
  } else if (target.size() > 2 && target.compare(target.size() - 2, 2, ".*") == 0) {
    std::string db = target.substr(0, target.size() - 2);
    if (db.size() >= 2 && db.front() == '`' && db.back() == '`') {
      std::string un;
      for (std::size_t i = 1; i + 1 < db.size(); ++i) {
        un += db[i];
        if (db[i] == '`' && db[i + 1] == '`') ++i;
      }
      db = un;
    }
    g.database_pattern = db;
  } else {
    return std::nullopt;  // table- or routine-level grants don't let us create tables
  }
  return g;
}

// The Inspector's scratch table: dropped by drop() or, on an exception, by the destructor. When
// the inspecting connection fails, a fresh connection tries once more. Its DDL stays out of the
// binlog when the user may turn sql_log_bin off (SUPER / BINLOG ADMIN): replicas need no scratch
// table and the dry run then writes nothing to the binlog; without that privilege the CREATE,
// ALTER and DROP of an empty table are replicated, harmlessly.
class ScratchTable {
 public:
  ScratchTable(SqlConnection& conn, std::string database) : conn_(conn), database_(std::move(database)) {
    try {
      if (conn_.query("SELECT @@session.sql_log_bin").scalar().value_or("0") == "1") {
        conn_.execute("SET SESSION sql_log_bin = 0");
        unlogged_ = true;
      }
    } catch (const SqlError&) {  // not allowed: stay logged
    }
  }
  ~ScratchTable() {
    if (auto failed = drop()) spdlog::warn("{}", *failed);
    if (unlogged_) {
      try {
        conn_.execute("SET SESSION sql_log_bin = 1");
      } catch (const std::exception& e) {
        spdlog::warn("could not turn sql_log_bin back on for the inspecting session: {}", e.what());
      }
    }
  }
  ScratchTable(const ScratchTable&) = delete;
  ScratchTable& operator=(const ScratchTable&) = delete;
  void created(std::string name) { name_ = std::move(name); }
  // nullopt once dropped (or never created); else what the operator must drop by hand.
  std::optional<std::string> drop() noexcept {
    if (name_.empty()) return std::nullopt;
    const std::string q = quote_qualified(database_, name_);
    const std::string sql = "DROP /* ghostcut inspect */ TABLE IF EXISTS " + q;
    std::string error;
    try {
      conn_.execute(sql);
      name_.clear();
      return std::nullopt;
    } catch (const std::exception& e) {
      error = e.what();
    }
    try {
      auto fresh = SqlConnection::open(conn_.settings());
      fresh->execute(sql);
      name_.clear();
      return std::nullopt;
    } catch (const std::exception& e) {
      error += "; " + std::string(e.what());
    }
    const std::string msg = "could not drop the scratch table " + q + " (" + error + "): drop it by hand";
    name_.clear();
    return msg;
  }

 private:
  SqlConnection& conn_;
  std::string database_;
  std::string name_;
  bool unlogged_ = false;
};

// ---- schema from SHOW ----

std::string data_type_of(const std::string& column_type) {
  std::string out;
  for (char c : column_type) {
    if (c == '(' || c == ' ') break;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Unique keys as name -> key parts "col" or "col(prefix)" (lower case), from SHOW INDEX: a
// UNIQUE (c(10)) is stricter than UNIQUE (c), which information_schema-based IndexInfo can't tell.
std::map<std::string, std::vector<std::string>> unique_key_parts(SqlConnection& conn, const std::string& db,
                                                                 const std::string& table) {
  auto idx = conn.query("SHOW /* ghostcut inspect */ INDEX FROM " + quote_qualified(db, table));
  std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> parts;
  for (std::size_t r = 0; r < idx.size(); ++r) {
    if (idx.at(r, "Non_unique").value_or("1") != "0") continue;
    std::string part = idx.at(r, "Column_name").value_or("<expression>");
    for (auto& c : part) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (const auto& sub = idx.at(r, "Sub_part")) part += "(" + *sub + ")";
    parts[idx.at(r, "Key_name").value_or("")].emplace_back(to_int64(idx.at(r, "Seq_in_index")), part);
  }
  std::map<std::string, std::vector<std::string>> out;
  for (auto& [name, v] : parts) {
    std::sort(v.begin(), v.end());
    for (auto& p : v) out[name].push_back(p.second);
  }
  return out;
}


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
    MigrationPlan::CollisionProbe probe{g.name, "SELECT /* ghostcut collision probe */ " + cols +
                                                    ", COUNT(*) FROM " + where + " WHERE " + join(not_null, " AND ") +
                                                    " GROUP BY " + cols + " HAVING COUNT(*) > 1 LIMIT 1"};
    auto dup = conn.query(probe.sql);
    plan.collision_probes.push_back(probe);
    if (!dup.empty()) {
      std::vector<std::string> values;
      for (std::size_t i = 0; i + 1 < dup.rows[0].size(); ++i) values.push_back(dup.rows[0][i].value_or("NULL"));
      refusals.push_back("the ALTER changes how unique key " + g.name + " compares, and " +
                         dup.rows[0].back().value_or("?") + " rows of the original collide under the new rules: "
                         "native ALTER TABLE fails with error 1062: Duplicate entry '" + join(values, "-") +
                         "' for key '" + g.name + "'");
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
    else
      plan.key_identity_terms.push_back("{T} = {V}");
  }
}
}  // namespace

// ---------------------------------------------------------------------------------------------

InspectionError::InspectionError(std::vector<std::string> refusals)
    : std::runtime_error([&] {
        std::string m = "migration refused (" + std::to_string(refusals.size()) +
                        (refusals.size() == 1 ? " problem" : " problems") + "):";
        for (const auto& r : refusals) m += "\n  - " + r;
        return m;
      }()),
      refusals_(std::move(refusals)) {}

std::vector<std::string> check_server(const ServerInfo& s) {
  std::vector<std::string> out;
  if (s.flavour == Flavour::kMariaDb && !s.at_least(10, 6))
    out.push_back("server " + s.name() + " is too old: MariaDB 10.6 or newer is required");
  if (s.flavour == Flavour::kMySql && !s.at_least(8, 0))
    out.push_back("server " + s.name() + " is too old: MySQL 8.0 or newer is required");
  if (!s.log_bin) out.push_back("the binary log is off (log_bin = OFF): ghostcut reads row changes from it");
  if (!iequals(s.binlog_format, "ROW"))
    out.push_back("@@global.binlog_format is '" + s.binlog_format + "', must be ROW");
  if (!iequals(s.binlog_row_image, "FULL"))
    out.push_back("@@global.binlog_row_image is '" + s.binlog_row_image + "', must be FULL");
  if (upper(s.binlog_row_value_options).find("PARTIAL_JSON") != std::string::npos)
    out.push_back("@@global.binlog_row_value_options is '" + s.binlog_row_value_options +
                  "': JSON updates would be logged as partial diffs; set it to ''");
  return out;
}

AlterCheck check_alter_text(const std::string& alter, const std::string& database, const std::string& table) {
  AlterCheck r;
  auto [toks, unterminated] = tokenize_sql(alter);
  if (unterminated) {
    r.refusals.push_back("the ALTER has an unterminated quote or comment");
    return r;
  }
  // One trailing ';' is harmless; any other is a second statement.
  std::size_t end = alter.size();
  if (!toks.empty() && toks.back().kind == TokKind::kPunct && toks.back().text == ";") {
    end = toks.back().begin;
    toks.pop_back();
  }
  for (const auto& t : toks)
    if (t.kind == TokKind::kPunct && t.text == ";") {
      r.refusals.push_back("the ALTER contains ';' outside quotes: give one ALTER clause, not several statements");
      return r;
    }
  std::size_t first = 0;
  if (toks.size() >= 2 && is_word(toks[0], "ALTER")) {
    std::size_t k = 1;
    while (k < toks.size() && (is_word(toks[k], "ONLINE") || is_word(toks[k], "IGNORE"))) ++k;
    if (k < toks.size() && is_word(toks[k], "TABLE")) {
      ++k;
      if (k + 1 < toks.size() && is_word(toks[k], "IF") && is_word(toks[k + 1], "EXISTS")) k += 2;
      std::string named_db, named;
      if (k < toks.size() && is_name(toks[k])) {
        named = toks[k].text;
        ++k;
        if (k + 1 < toks.size() && toks[k].kind == TokKind::kPunct && toks[k].text == "." && is_name(toks[k + 1])) {
          named_db = named;
          named = toks[k + 1].text;
          k += 2;
        }
      }
      if (named.empty()) {
        r.refusals.push_back("the ALTER starts with ALTER TABLE but names no table");
        return r;
      }
      if (named != table || (!named_db.empty() && named_db != database)) {
        r.refusals.push_back("the ALTER names table '" + (named_db.empty() ? named : named_db + "." + named) +
                             "', but the table being migrated is '" + database + "." + table + "'");
        return r;
      }
      first = k;
    }
  }
  const std::size_t clause_begin = first < toks.size() ? toks[first].begin : end;
  r.clause = trim(std::string_view(alter).substr(clause_begin, end > clause_begin ? end - clause_begin : 0));
  if (r.clause.empty()) {
    r.refusals.push_back("the ALTER is empty: give the clause, e.g. --alter \"ADD COLUMN c INT\"");
    return r;
  }
  for (std::size_t k = first; k < toks.size(); ++k) {
    if (!is_word(toks[k], "RENAME")) continue;
    const bool sub_object = k + 1 < toks.size() && (is_word(toks[k + 1], "COLUMN") || is_word(toks[k + 1], "INDEX") ||
                                                    is_word(toks[k + 1], "KEY"));
    if (!sub_object) {
      r.refusals.push_back("the ALTER renames the table: ghostcut swaps tables itself; use RENAME TABLE separately");
      break;
    }
  }
  return r;
}

std::vector<std::string> missing_privileges(const std::vector<std::string>& grants, const std::string& database,
                                            Flavour flavour) {
  std::set<std::string> global, on_db;
  for (const auto& line : grants) {
    auto g = parse_grant(line);
    if (!g) continue;
    if (g->global) global.insert(g->privileges.begin(), g->privileges.end());
    else if (g->database_pattern && like_match(*g->database_pattern, database))
      on_db.insert(g->privileges.begin(), g->privileges.end());
  }
  const bool all_global = global.count("ALL PRIVILEGES") || global.count("ALL");
  const bool all_db = all_global || on_db.count("ALL PRIVILEGES") || on_db.count("ALL");
  std::vector<std::string> missing;
  if (!all_global && !global.count("REPLICATION SLAVE"))
    missing.push_back("REPLICATION SLAVE (global, ON *.*: needed to read the binlog)");
  const bool can_show_status = all_global || global.count("REPLICATION CLIENT") || global.count("SUPER") ||
                               global.count("BINLOG MONITOR");
  if (!can_show_status)
    missing.push_back(std::string(flavour == Flavour::kMariaDb ? "BINLOG MONITOR (or REPLICATION CLIENT)"
                                                               : "REPLICATION CLIENT") +
                      " (global, ON *.*: needed for SHOW MASTER STATUS)");
  if (!all_db) {
    std::vector<std::string> table_privs;
    for (const char* p : {"SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "LOCK TABLES"})
      if (!global.count(p) && !on_db.count(p)) table_privs.push_back(p);
    if (!table_privs.empty()) missing.push_back(join(table_privs) + " (ON `" + database + "`.*)");
  }
  return missing;
}

TableSchema load_table_schema_from_show(SqlConnection& conn, const std::string& schema, const std::string& table) {
  TableSchema t;
  t.schema = schema;
  t.table = table;
  const std::string name = qualified(schema, table);
  auto cols = conn.query("SHOW FULL COLUMNS FROM " + name);
  std::map<std::string, std::optional<std::string>> charset_of;
  for (std::size_t r = 0; r < cols.size(); ++r) {
    ColumnInfo c;
    c.name = cols.at(r, "Field").value_or("");
    c.column_type = cols.at(r, "Type").value_or("");
    c.data_type = data_type_of(c.column_type);
    c.is_unsigned = c.column_type.find("unsigned") != std::string::npos;
    c.nullable = cols.at(r, "Null").value_or("") == "YES";
    const std::string extra = upper(cols.at(r, "Extra").value_or(""));
    c.generated = extra.find("GENERATED") != std::string::npos || extra.find("VIRTUAL") != std::string::npos ||
                  extra.find("PERSISTENT") != std::string::npos || extra.find("STORED") != std::string::npos;
    c.collation = cols.at(r, "Collation");
    if (c.collation) {
      auto it = charset_of.find(*c.collation);
      if (it == charset_of.end()) {
        auto cs = conn.query(
            "SELECT /* ghostcut schema */ CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE COLLATION_NAME = ?",
            {*c.collation});
        it = charset_of.emplace(*c.collation, cs.scalar()).first;
      }
      c.charset = it->second;
    }
    t.columns.push_back(std::move(c));
  }
  auto idx = conn.query("SHOW INDEX FROM " + name);
  struct Row {
    std::string key;
    bool unique;
    long seq;
    std::string column;
  };
  std::vector<Row> rows;
  for (std::size_t r = 0; r < idx.size(); ++r) {
    const auto& col = idx.at(r, "Column_name");
    if (!col) continue;  // functional key part (MySQL 8): not a column
    rows.push_back({idx.at(r, "Key_name").value_or(""), idx.at(r, "Non_unique").value_or("1") == "0",
                    static_cast<long>(to_int64(idx.at(r, "Seq_in_index"))), *col});
  }
  // Same order as load_table_schema: PRIMARY first, then by name, then key part.
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    const bool pa = a.key == "PRIMARY", pb = b.key == "PRIMARY";
    if (pa != pb) return pa;
    const auto ua = upper(a.key), ub = upper(b.key);
    if (ua != ub) return ua < ub;
    return a.seq < b.seq;
  });
  for (const auto& r : rows) {
    if (t.indexes.empty() || t.indexes.back().name != r.key) {
      IndexInfo i;
      i.name = r.key;
      i.unique = r.unique;
      i.primary = r.key == "PRIMARY";
      t.indexes.push_back(std::move(i));
    }
    t.indexes.back().columns.push_back(r.column);
  }
  return t;
}

// ---------------------------------------------------------------------------------------------

Inspector::Inspector(SqlConnection& conn, InspectorConfig config) : conn_(conn), config_(config) {}

ServerInfo Inspector::server_info() {
  auto r = conn_.query(
      "SELECT /* ghostcut inspect */ VERSION(), @@version_comment, @@server_id, @@log_bin, "
      "@@global.binlog_format, @@global.binlog_row_image");
  if (r.empty()) throw SqlError(0, "HY000", "SELECT VERSION() returned no row", "inspect");
  const auto& row = r.rows[0];
  ServerInfo s = parse_server_version(row[0].value_or(""), row[1].value_or(""));
  s.server_id = static_cast<std::uint32_t>(to_uint64(row[2]));
  const std::string log_bin = upper(row[3].value_or("0"));
  s.log_bin = log_bin == "1" || log_bin == "ON";
  s.binlog_format = row[4].value_or("");
  s.binlog_row_image = row[5].value_or("");
  if (s.flavour == Flavour::kMySql && s.at_least(8, 0)) {
    auto m = conn_.query(
        "SELECT /* ghostcut inspect */ @@global.binlog_row_value_options, @@global.binlog_transaction_compression");
    if (!m.empty()) {
      s.binlog_row_value_options = m.rows[0][0].value_or("");
      const std::string c = upper(m.rows[0][1].value_or("0"));
      s.binlog_transaction_compression = c == "1" || c == "ON";
    }
  }
  return s;
}

MigrationPlan Inspector::inspect(const std::string& database, const std::string& table, const std::string& alter) {
  std::vector<std::string> refusals;
  MigrationPlan plan;
  plan.database = database;
  plan.table = table;
  plan.alter = alter;
  plan.ghost_table = ghost_table_name(table);
  plan.changelog_table = changelog_table_name(table);
  plan.old_table = old_table_name(table);
  const std::string where = qualified(database, table);
  if (plan.ghost_table.empty() || plan.changelog_table.empty() || plan.old_table.empty()) {
    // The cut-over needs names that sort after the table's (cutover.h); none fits in 64 characters.
    throw InspectionError({"the table name `" + table +
                             "` is too long to derive ghost and old table names from (over 60 characters, none of "
                             "the first 50 an ASCII character); rename it or use native ALTER TABLE"});
  }

  // Server.
  plan.server = server_info();
  for (auto& r : check_server(plan.server)) refusals.push_back(std::move(r));
  if (plan.server.binlog_transaction_compression)
    plan.notes.push_back("binlog_transaction_compression is ON: transaction payloads are decompressed while reading");

  // Privileges.
  try {
    auto g = conn_.query("SHOW /* ghostcut inspect */ GRANTS FOR CURRENT_USER");
    std::vector<std::string> lines;
    for (const auto& row : g.rows) lines.push_back(row.at(0).value_or(""));
    auto missing = missing_privileges(lines, database, plan.server.flavour);
    if (!missing.empty())
      refusals.push_back("user " + conn_.settings().user + " lacks privileges: " + join(missing, "; "));
  } catch (const SqlError& e) {
    plan.notes.push_back(std::string("could not read the grants (") + e.what() + "); privileges not checked");
  }

  // The ALTER text.
  const AlterCheck alter_check = check_alter_text(alter, database, table);
  for (const auto& r : alter_check.refusals) refusals.push_back(r);
  plan.alter = alter_check.refusals.empty() ? alter_check.clause : alter;

  // The table.
  auto tbl = conn_.query(
      "SELECT /* ghostcut inspect */ TABLE_TYPE, ENGINE, TABLE_ROWS FROM information_schema.TABLES "
      "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
      {database, table});
  if (tbl.empty()) {
    refusals.push_back("table " + where + " does not exist");
    throw InspectionError(refusals);
  }
  const std::string type = tbl.rows[0][0].value_or("");
  if (type != "BASE TABLE") {
    refusals.push_back(where + " is a " + type + ", not a base table");
    throw InspectionError(refusals);
  }
  const std::string engine = tbl.rows[0][1].value_or("");
  if (!iequals(engine, "InnoDB")) refusals.push_back(where + " uses engine " + engine + ": only InnoDB is supported");
  plan.estimated_rows = tbl.rows[0][2] ? to_uint64(tbl.rows[0][2]) : 0;
  plan.original = load_table_schema(conn_, database, table);

  // Triggers.
  auto trg = conn_.query(
      "SELECT /* ghostcut inspect */ TRIGGER_NAME FROM information_schema.TRIGGERS "
      "WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? ORDER BY TRIGGER_NAME",
      {database, table});
  if (!trg.empty()) {
    std::vector<std::string> names;
    for (const auto& row : trg.rows) names.push_back(row[0].value_or(""));
    refusals.push_back(where + " has triggers (" + join(names) +
                       "): they would not follow the table through the swap");
  }

  // Foreign keys, in either direction.
  auto fks = conn_.query(
      "SELECT /* ghostcut inspect */ CONSTRAINT_NAME, CONSTRAINT_SCHEMA, TABLE_NAME, UNIQUE_CONSTRAINT_SCHEMA, "
      "REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
      "WHERE (CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?) OR (UNIQUE_CONSTRAINT_SCHEMA = ? AND REFERENCED_TABLE_NAME = ?) "
      "ORDER BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME",
      {database, table, database, table});
  if (!fks.empty()) {
    std::vector<std::string> desc;
    for (const auto& row : fks.rows)
      desc.push_back(row[0].value_or("") + ": " + row[1].value_or("") + "." + row[2].value_or("") + " -> " +
                     row[3].value_or("") + "." + row[4].value_or(""));
    if (config_.allow_foreign_keys)
      plan.notes.push_back("foreign keys involve this table (" + join(desc) +
                           "); the ghost table gets none and child tables will reference the old table after cut-over; "
                           "changes made by ON DELETE/UPDATE CASCADE or SET NULL are not in the binlog and are NOT "
                           "carried to the ghost table");
    else
      refusals.push_back("foreign keys involve " + where + " (" + join(desc) +
                         "); pass --allow-foreign-keys if you accept that they are not migrated");
  }

  // Leftovers from an earlier run.
  auto left = conn_.query(
      "SELECT /* ghostcut inspect */ TABLE_NAME FROM information_schema.TABLES "
      "WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?, ?) ORDER BY TABLE_NAME",
      {database, plan.ghost_table, plan.changelog_table, plan.old_table});
  if (!left.empty()) {
    std::vector<std::string> names;
    for (const auto& row : left.rows) names.push_back(row[0].value_or(""));
    auto has_table = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
    if (config_.drop_leftover_tables) {
      plan.leftover_tables = names;
      plan.notes.push_back("leftover tables " + join(names) + " will be dropped before the migration starts");
    } else if ((config_.resume || config_.start_over) && has_table(plan.ghost_table) &&
               has_table(plan.changelog_table) && !has_table(plan.old_table)) {
      if (config_.start_over) {
        plan.leftover_tables = names;
        plan.notes.push_back("--no-resume: the interrupted run's " + join(names) + " will be dropped and the migration "
                             "starts over");
      } else
      plan.notes.push_back("an interrupted run left " + join(names) + ": --execute resumes it if its checkpoint holds "
                           "this same migration (--no-resume starts over)");
    } else {
      // Say what an interrupted run left: the next step differs (engine/cutover/cutover.h).
      auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
      std::string what;
      if (has(plan.old_table)) {
        const bool sentry = table_comment(conn_, database, plan.old_table) == std::string(kCutOverSentryComment);
        if (sentry)
          what = "; a cut-over was interrupted before the swap: `" + table + "` is the original, intact and live";
        else if (!has(plan.ghost_table))
          what = "; a cut-over completed before the earlier run ended: `" + table + "` is already the new table and `" +
                 plan.old_table + "` the old one (keep it as long as you may want to go back)";
      } else if (has(plan.ghost_table)) {
        what = "; an earlier run was interrupted before its cut-over: `" + table + "` is the original, intact";
      }
      refusals.push_back("leftover tables from an earlier run exist in `" + database + "`: " + join(names) + what +
                         ". Make sure no ghostcut runs on `" + table + "`, then drop them, or pass --drop-leftover-tables");
    }
  }

  // Validate the ALTER on a scratch copy: a regular table created LIKE the original, altered,
  // read back and dropped. Not a TEMPORARY table: InnoDB refuses FULLTEXT indexes and
  // partitioning on those, and changes some row formats, so a temporary copy refuses (or silently
  // changes) ALTERs the server accepts on the real table. The name is ours alone: a prefix users
  // don't use, our connection id and a counter; CREATE without IF NOT EXISTS never reuses an
  // existing table (1050 moves on to the next name), and only a table we created is dropped, on
  // every path out of here (ScratchTable's destructor covers exceptions).
  bool ghost_ok = false;
  std::map<std::string, std::vector<std::string>> ghost_unique_parts;
  std::vector<std::string> no_default_columns;  // NOT NULL, no DEFAULT, in the altered table
  if (alter_check.refusals.empty()) {
    ScratchTable scratch(conn_, database);
    std::string tmp;
    try {
      for (int attempt = 0; tmp.empty(); ++attempt) {
        const std::string name = "_gct_inspect_" + std::to_string(conn_.connection_id()) + "_" +
                                 std::to_string(temp_counter_++);
        try {
          conn_.execute("CREATE /* ghostcut inspect */ TABLE " + qualified(database, name) + " LIKE " + where);
          tmp = name;
          scratch.created(name);
        } catch (const SqlError& e) {
          if (e.code() != 1050 || attempt >= 9) throw;  // ER_TABLE_EXISTS_ERROR: someone else's; next name
        }
      }
      const std::string tmp_q = qualified(database, tmp);
      try {
        conn_.execute("ALTER /* ghostcut inspect */ TABLE " + tmp_q + " " + alter_check.clause);
        plan.ghost = load_table_schema_from_show(conn_, database, tmp);
        plan.ghost.table = plan.ghost_table;
        ghost_unique_parts = unique_key_parts(conn_, database, tmp);
        auto cols = conn_.query("SHOW /* ghostcut inspect */ FULL COLUMNS FROM " + tmp_q);
        for (std::size_t r = 0; r < cols.size(); ++r) {
          const std::string extra = lower(cols.at(r, "Extra").value_or(""));
          if (cols.at(r, "Null").value_or("") == "NO" && !cols.at(r, "Default") &&
              extra.find("auto_increment") == std::string::npos && extra.find("generated") == std::string::npos &&
              extra.find("virtual") == std::string::npos && extra.find("persistent") == std::string::npos &&
              extra.find("stored") == std::string::npos)
            no_default_columns.push_back(cols.at(r, "Field").value_or(""));
        }
        auto sc = conn_.query("SHOW CREATE TABLE " + tmp_q);
        std::string ddl = sc.empty() ? std::string() : sc.rows[0].at(1).value_or("");
        const std::string prefix = "CREATE TABLE " + quote_identifier(tmp);
        if (ddl.rfind(prefix, 0) == 0) {
          plan.ghost_create_statement = "CREATE TABLE " + qualified(database, plan.ghost_table) + ddl.substr(prefix.size());
          ghost_ok = true;
        } else {
          refusals.push_back("could not read the altered table's definition (unexpected SHOW CREATE TABLE text)");
        }
      } catch (const SqlError& e) {
        // The server names our scratch copy; the operator knows it as the ghost table.
        std::string msg = e.what();
        for (auto p = msg.find(tmp); p != std::string::npos; p = msg.find(tmp, p + plan.ghost_table.size()))
          msg.replace(p, tmp.size(), plan.ghost_table);
        refusals.push_back("the ALTER is not valid for " + where + ": " + msg);
      }
    } catch (const SqlError& e) {
      refusals.push_back("could not copy " + where + " to a scratch table to validate the ALTER: " + e.what());
    }
    if (auto failed = scratch.drop()) plan.notes.push_back(*failed);
  }

  if (ghost_ok) {
    const auto changes = parse_column_changes(alter_check.clause);
    for (const auto& r : changes.refusals) refusals.push_back(r);
    plan.mapping = build_column_mapping(plan.original, plan.ghost, changes, refusals);
    plan.skip_check_constraints = changes.only_column_adds && plan.server.flavour == Flavour::kMariaDb;
    // TIMESTAMP <-> DATETIME/DATE in the server's zone, as native ALTER converts them.
    auto tz = conn_.query("SELECT /* ghostcut inspect */ @@global.time_zone, @@system_time_zone");
    const std::string zone = upper(tz.empty() ? "" : tz.rows[0][0].value_or(""));
    const std::string sys = upper(tz.empty() ? "" : tz.rows[0][1].value_or(""));
    auto utc = [](const std::string& z) { return z == "+00:00" || z == "UTC" || z == "ETC/UTC" || z == "GMT"; };
    if (!utc(zone) && !(zone == "SYSTEM" && utc(sys))) {
      for (auto& sc : plan.mapping.shared) {
        const auto from = lower(plan.original.columns[sc.source_index].data_type);
        const auto to = lower(plan.ghost.columns[sc.target_index].data_type);
        if (from == "timestamp" && to != "timestamp") sc.tz_shift = 1;
        if ((from == "datetime" || from == "date") && to == "timestamp") sc.tz_shift = -1;
        if (sc.tz_shift)
          plan.notes.push_back("column " + sc.source_name + " (" + from + " -> " + to +
                               ") is converted in the server's time zone (" + zone + "), as native ALTER does");
      }
    }
    if (plan.mapping.shared.empty())
      refusals.push_back("the original and altered tables share no columns: nothing to copy");

    // The chunk key: PRIMARY, else a UNIQUE key on NOT NULL columns; it must survive the ALTER.
    auto usable_in = [&](const TableSchema& s, const IndexInfo& k) {
      if (!k.unique) return false;
      for (const auto& c : k.columns) {
        auto i = s.column_index(c);
        if (!i || s.columns[*i].nullable) return false;
      }
      return true;
    };
    std::vector<std::string> rejected;
    bool found = false;
    for (const auto& k : plan.original.indexes) {
      if (!k.unique) continue;
      if (!usable_in(plan.original, k)) {
        rejected.push_back(key_text(k) + " has nullable columns");
        continue;
      }
      std::string no_bound;  // a column type the copier cannot bound exactly (key_bounds.h)
      for (const auto& c : k.columns)
        if (const auto i = plan.original.column_index(c))
          if (auto b = key_bound_for(plan.original.columns[*i]); !b && no_bound.empty()) no_bound = b.error().message();
      if (!no_bound.empty()) {
        rejected.push_back(key_text(k) + ": " + no_bound);
        continue;
      }
      bool shared = true;
      std::vector<std::string> renamed_columns;  // the key's columns by their names in the ghost
      for (const auto& c : k.columns) {
        const auto* sc = plan.mapping.find_source(c);
        shared = shared && sc != nullptr;
        renamed_columns.push_back(sc ? sc->target_name : c);
      }
      const auto in_ghost = std::find_if(plan.ghost.indexes.begin(), plan.ghost.indexes.end(), [&](const IndexInfo& g) {
        return g.unique && same_columns(g.columns, renamed_columns) && usable_in(plan.ghost, g);
      });
      if (!shared || in_ghost == plan.ghost.indexes.end()) {
        rejected.push_back(key_text(k) + " does not survive the ALTER unchanged");
        continue;
      }
      plan.chunk_key = k;
      found = true;
      break;
    }
    if (!found) {
      refusals.push_back("no usable unique key: the table needs a PRIMARY KEY or a UNIQUE key on NOT NULL columns "
                         "present, with the same columns, before and after the ALTER" +
                         (rejected.empty() ? std::string(" (it has no unique key)") : " (" + join(rejected, "; ") + ")"));
    } else if (!plan.chunk_key.primary) {
      plan.notes.push_back("no usable PRIMARY KEY: chunking and applying by unique key " + key_text(plan.chunk_key));
    }

    // Unique keys the ALTER adds would make INSERT IGNORE drop rows silently.
    // Compared with prefix lengths: UNIQUE (c(10)) where UNIQUE (c) was is a new, stricter key.
    // Key parts by their names in the ghost, so a key on a renamed column is not "new".
    auto original_unique_parts = unique_key_parts(conn_, database, table);
    for (auto& [name, key_parts] : original_unique_parts)
      for (auto& part : key_parts) {
        const auto paren = part.find('(');
        const auto* sc = plan.mapping.find_source(part.substr(0, paren));
        if (sc) part = lower(sc->target_name) + (paren == std::string::npos ? "" : part.substr(paren));
      }
    // A key that holds every column of a unique key of the original, whole and unchanged (same
    // type and collation), cannot be violated by the original's rows: two rows equal on all its
    // columns are equal on the old key's. E.g. DROP PRIMARY KEY, ADD PRIMARY KEY (id, i) where
    // PRIMARY KEY (id) was. Returns that old key's name.
    auto implied_by = [&](const IndexInfo& g) -> std::optional<std::string> {
      const auto gp = ghost_unique_parts.find(g.name);
      if (gp == ghost_unique_parts.end()) return std::nullopt;
      for (const auto& [name, parts] : original_unique_parts) {
        bool covered = !parts.empty();
        for (const auto& part : parts) {
          // Parts carry the ghost's names (renames applied above): find the shared column.
          const SharedColumn* sc = nullptr;
          for (const auto& m : plan.mapping.shared)
            if (lower(m.target_name) == part) sc = &m;
          covered = covered && part.find('(') == std::string::npos && sc &&
                    std::find(gp->second.begin(), gp->second.end(), part) != gp->second.end() &&
                    plan.original.columns[sc->source_index].column_type ==
                        plan.ghost.columns[sc->target_index].column_type &&
                    plan.original.columns[sc->source_index].collation ==
                        plan.ghost.columns[sc->target_index].collation;
          if (!covered) break;
        }
        if (covered) return name;
      }
      return std::nullopt;
    };
    for (const auto& g : plan.ghost.indexes) {
      if (!g.unique) continue;
      const auto gp = ghost_unique_parts.find(g.name);
      const bool existed = std::any_of(original_unique_parts.begin(), original_unique_parts.end(), [&](const auto& o) {
        return gp != ghost_unique_parts.end() ? o.second == gp->second : same_columns(o.second, g.columns);
      });
      const auto by = implied_by(g);
      if (by) plan.kept_unique_keys.push_back(g.name);
      if (existed) continue;
      if (by)
        plan.notes.push_back("unique key " + key_text(g) + " holds every column of the original's unique key " + *by +
                             ": the current rows cannot violate it");
      else
        plan.new_unique_keys.push_back(g);
    }
    for (const auto& c : plan.mapping.added)
      for (const auto& n : no_default_columns)
        if (iequals(c, n)) plan.implicit_default_columns.push_back(c);
    if (!plan.implicit_default_columns.empty())
      plan.notes.push_back("added NOT NULL column(s) without DEFAULT (" + join(plan.implicit_default_columns) +
                           ") get the type's implicit default in every row, as native ALTER TABLE gives them");
    find_changed_unique_keys(conn_, plan, ghost_unique_parts, refusals);
    for (const auto& k : plan.new_unique_keys) {
      if (!config_.allow_add_unique_key) {
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
      const auto kp = ghost_unique_parts.find(k.name);
      for (std::size_t i = 0; i < k.columns.size(); ++i) {
        const auto& c = k.columns[i];
        if (!cols.empty()) {
          cols += ", ";
          not_null += " AND ";
        }
        // A prefix key part (c(10)) is unique on its first characters only.
        std::string expr = quote_identifier(c);
        if (kp != ghost_unique_parts.end() && i < kp->second.size()) {
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
      auto dup = conn_.query("SELECT /* ghostcut unique-key probe */ " + cols +
                             ", COUNT(*) FROM " + where + " WHERE " + not_null + " GROUP BY " + cols +
                             " HAVING COUNT(*) > 1 LIMIT 1");
      if (!dup.empty()) {
        std::vector<std::string> values;
        for (std::size_t i = 0; i < k.columns.size(); ++i)
          values.push_back(k.columns[i] + "=" + quote_string(dup.rows[0][i].value_or("NULL")));
        refusals.push_back("the new unique key " + key_text(k) + " would be violated by existing rows: " +
                           join(values) + " appears " + dup.rows[0].back().value_or("?") + " times");
      } else {
        plan.notes.push_back("new unique key " + key_text(k) + ": no duplicates among the current rows");
      }
    }
  }

  if (!refusals.empty()) throw InspectionError(refusals);
  return plan;
}

}  // namespace ghostcut::engine
