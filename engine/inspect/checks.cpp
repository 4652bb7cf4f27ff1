// The Inspector's pure checks (exposed in inspector.h for unit tests): server, ALTER text, grants.
#include "engine/inspect/inspector.h"
#include "engine/inspect/trigger_check.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "engine/sql/sql_tokens.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

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

}  // namespace

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

namespace {

// The privileges SHOW GRANTS gives globally and on `database` (by its LIKE patterns).
struct HeldPrivileges {
  std::set<std::string> global, on_db;
  bool all_global = false, all_db = false;
};

HeldPrivileges held_privileges(const std::vector<std::string>& grants, const std::string& database) {
  HeldPrivileges h;
  for (const auto& line : grants) {
    auto g = parse_grant(line);
    if (!g) continue;
    if (g->global) h.global.insert(g->privileges.begin(), g->privileges.end());
    else if (g->database_pattern && like_match(*g->database_pattern, database))
      h.on_db.insert(g->privileges.begin(), g->privileges.end());
  }
  h.all_global = h.global.count("ALL PRIVILEGES") || h.global.count("ALL");
  h.all_db = h.all_global || h.on_db.count("ALL PRIVILEGES") || h.on_db.count("ALL");
  return h;
}

}  // namespace

bool sees_all_sessions(const std::vector<std::string>& grants) {
  const auto h = held_privileges(grants, "");
  return h.all_global || h.global.count("PROCESS") || h.global.count("SUPER");
}

std::vector<std::string> missing_privileges(const std::vector<std::string>& grants, const std::string& database,
                                            Flavour flavour) {
  const auto [global, on_db, all_global, all_db] = held_privileges(grants, database);
  std::vector<std::string> missing;
  if (!all_global && !global.count("REPLICATION SLAVE"))
    missing.push_back("REPLICATION SLAVE (global, ON *.*: needed to read the binlog)");
  const bool can_show_status =
      all_global || global.count("REPLICATION CLIENT") || global.count("SUPER") || global.count("BINLOG MONITOR");
  if (!can_show_status)
    missing.push_back(
        std::string(flavour == Flavour::kMariaDb ? "BINLOG MONITOR (or REPLICATION CLIENT)" : "REPLICATION CLIENT") +
        " (global, ON *.*: needed for SHOW MASTER STATUS)");
  if (!all_db) {
    std::vector<std::string> table_privs;
    for (const char* p : {"SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "LOCK TABLES"})
      if (!global.count(p) && !on_db.count(p)) table_privs.push_back(p);
    if (!table_privs.empty()) missing.push_back(join(table_privs) + " (ON `" + database + "`.*)");
  }
  return missing;
}

std::vector<std::string> missing_trigger_privileges(const std::vector<std::string>& grants, const std::string& database,
                                                    Flavour flavour, bool other_definer) {
  const auto [global, on_db, all_global, all_db] = held_privileges(grants, database);
  std::vector<std::string> missing;
  if (!all_db && !global.count("TRIGGER") && !on_db.count("TRIGGER"))
    missing.push_back("TRIGGER (ON `" + database + "`.*: needed to create the triggers on the new table)");
  // ALL PRIVILEGES ON *.* includes SUPER / SET USER / SET_USER_ID.
  if (other_definer && !all_global && !global.count("SUPER") && !global.count("SET USER") &&
      !global.count("SET_USER_ID") && !global.count("SET_ANY_DEFINER"))
    missing.push_back(
        std::string(flavour == Flavour::kMariaDb ? "SUPER or SET USER" : "SET_USER_ID or SET_ANY_DEFINER") +
        " (global, ON *.*: a trigger's DEFINER is another user, and it is recreated with that DEFINER)");
  return missing;
}

}  // namespace ghostcut::engine
