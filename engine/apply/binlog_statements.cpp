// What a binlog statement (a Query event) does to the migrated table: DDL on it, statement-format
// DML on it, an XA statement. Declared in applier.h.
#include <string>
#include <string_view>
#include <vector>

#include "engine/apply/applier.h"
#include "engine/sql/sql_tokens.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

// Statements from the binlog: the writer's sql_mode is not read from the event, so "x" counts as
// a name (ANSI_QUOTES). Where a table name is read no string can stand, so this finds more DDL or
// DML on the table, never less.
std::vector<SqlToken> binlog_tokens(std::string_view statement) {
  return tokenize_sql(statement, /*ansi_quotes=*/true).tokens;
}

bool is_kw(const SqlToken& t, std::string_view word) { return t.kind == SqlTokKind::kWord && iequals(t.text, word); }

class DdlParser {
 public:
  DdlParser(std::vector<SqlToken> t, std::string default_db) : t_(std::move(t)), db_(std::move(default_db)) {}

  bool kw(std::string_view word) {
    if (i_ < t_.size() && is_kw(t_[i_], word)) {
      ++i_;
      return true;
    }
    return false;
  }
  bool punct(char c) {
    if (i_ < t_.size() && t_[i_].kind == SqlTokKind::kPunct && t_[i_].text[0] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  // [db.]name → (db, name); false when no identifier follows.
  bool name(std::string& db, std::string& table) {
    if (!name_at()) return false;
    std::string first = t_[i_++].text;
    if (punct('.')) {
      if (!name_at()) return false;
      db = std::move(first);
      table = t_[i_++].text;
    } else {
      db = db_;
      table = std::move(first);
    }
    return true;
  }
  void skip_past_kw(std::string_view word) {
    while (i_ < t_.size() && !kw(word)) ++i_;
  }

 private:
  bool name_at() const {
    return i_ < t_.size() && (t_[i_].kind == SqlTokKind::kWord || t_[i_].kind == SqlTokKind::kQuotedIdent);
  }
  std::vector<SqlToken> t_;
  std::size_t i_ = 0;
  std::string db_;
};

}  // namespace

bool is_ddl_on_table(const binlog::Query& q, const std::string& database, const std::string& table) {
  DdlParser p(binlog_tokens(q.statement), q.schema);
  auto ours = [&](const std::string& db, const std::string& t) { return iequals(db, database) && iequals(t, table); };
  std::string db, t;
  if (p.kw("ALTER")) {
    p.kw("ONLINE");
    p.kw("IGNORE");
    if (!p.kw("TABLE")) return false;
    if (p.kw("IF")) p.kw("EXISTS");
    return p.name(db, t) && ours(db, t);
  }
  if (p.kw("TRUNCATE")) {
    p.kw("TABLE");
    return p.name(db, t) && ours(db, t);
  }
  if (p.kw("DROP")) {
    if (p.kw("DATABASE") || p.kw("SCHEMA")) {
      if (p.kw("IF")) p.kw("EXISTS");
      return p.name(db, t) && iequals(t, database);  // a lone name parses as the table part
    }
    p.kw("TEMPORARY");
    if (!p.kw("TABLE") && !p.kw("TABLES")) return false;
    if (p.kw("IF")) p.kw("EXISTS");
    do {
      if (!p.name(db, t)) return false;
      if (ours(db, t)) return true;
    } while (p.punct(','));
    return false;
  }
  if (p.kw("RENAME")) {
    if (!p.kw("TABLE") && !p.kw("TABLES")) return false;
    do {
      if (!p.name(db, t)) return false;
      if (ours(db, t)) return true;
      // MariaDB allows RENAME TABLE t WAIT n TO …
      p.skip_past_kw("TO");
      if (!p.name(db, t)) return false;
      if (ours(db, t)) return true;
    } while (p.punct(','));
    return false;
  }
  if (p.kw("CREATE") && p.kw("OR") && p.kw("REPLACE")) {  // MariaDB: replaces the table
    p.kw("TEMPORARY");
    if (!p.kw("TABLE")) return false;
    return p.name(db, t) && ours(db, t);
  }
  return false;
}

bool is_dml_on_table(const binlog::Query& q, const std::string& database, const std::string& table) {
  const auto t = binlog_tokens(q.statement);
  std::size_t i = 0;
  // A leading WITH … (CTE) still ends in a DML verb; look at the first verb found.
  static const char* const kVerbs[] = {"INSERT", "REPLACE", "UPDATE", "DELETE", "LOAD"};
  auto is_verb = [&](const SqlToken& tok) {
    for (const char* v : kVerbs)
      if (is_kw(tok, v)) return true;
    return false;
  };
  bool dml = false;
  if (!t.empty() && is_kw(t[0], "WITH")) {
    int depth = 0;
    for (i = 1; i < t.size(); ++i) {
      if (t[i].kind == SqlTokKind::kPunct && t[i].text == "(") ++depth;
      if (t[i].kind == SqlTokKind::kPunct && t[i].text == ")") --depth;
      if (depth == 0 && is_verb(t[i])) {
        dml = true;
        break;
      }
    }
  } else {
    dml = !t.empty() && is_verb(t[0]);
  }
  if (!dml) return false;
  // Any mention of the table's name as an identifier counts (conservative: a stop, never a miss).
  // A qualified db.t must name our database; an unqualified t means the statement's default one.
  for (std::size_t k = i; k < t.size(); ++k) {
    if (t[k].kind != SqlTokKind::kWord && t[k].kind != SqlTokKind::kQuotedIdent) continue;
    if (!iequals(t[k].text, table)) continue;
    const bool qualified = k >= 2 && t[k - 1].kind == SqlTokKind::kPunct && t[k - 1].text == ".";
    const std::string& db = qualified ? t[k - 2].text : q.schema;
    if (iequals(db, database) || (!qualified && q.schema.empty())) return true;
  }
  return false;
}

std::optional<XaStatement> parse_xa_statement(std::string_view statement) {
  const auto t = binlog_tokens(statement);
  if (t.size() < 2 || !is_kw(t[0], "XA")) return std::nullopt;
  XaStatement x;
  const auto& verb = t[1];
  if (is_kw(verb, "START") || is_kw(verb, "BEGIN")) x.kind = XaStatement::Kind::kStart;
  else if (is_kw(verb, "END")) x.kind = XaStatement::Kind::kEnd;
  else if (is_kw(verb, "PREPARE")) x.kind = XaStatement::Kind::kPrepare;
  else if (is_kw(verb, "COMMIT")) x.kind = XaStatement::Kind::kCommit;
  else if (is_kw(verb, "ROLLBACK")) x.kind = XaStatement::Kind::kRollback;
  else return std::nullopt;
  // The xid: everything up to a trailing keyword, as written (the server writes it the same way
  // in XA START and XA COMMIT: X'hex',X'hex',format).
  const std::string_view rest = statement.substr(
      std::min(statement.size(), statement.find_first_not_of(" \t", statement.find(t[1].text) + t[1].text.size())));
  std::string xid;
  for (char c : rest)
    if (!std::isspace(static_cast<unsigned char>(c))) xid.push_back(c);
  for (const char* tail : {"ONEPHASE", "SUSPENDFORMIGRATE", "SUSPEND", "JOIN", "RESUME", "FORMIGRATE"}) {
    const std::string w(tail);
    if (xid.size() > w.size() && iequals(std::string_view(xid).substr(xid.size() - w.size()), w)) {
      if (w == "ONEPHASE") x.one_phase = true;
      xid.resize(xid.size() - w.size());
    }
  }
  x.xid = std::move(xid);
  return x;
}

}  // namespace ghostcut::engine
