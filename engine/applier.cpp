#include "engine/applier.h"

#include "engine/text.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <thread>

#include "engine/apply_sql.h"
#include "engine/sql/sql_connection.h"

namespace ghostcut::engine {
namespace {
constexpr int kMaxAttempts = 5;
constexpr std::chrono::milliseconds kRetryBackoff{50};
}  // namespace

Applier::Applier(SqlConnection& conn, const MigrationPlan& plan, ApplierConfig config, ProgressCounters& progress)
    : conn_(conn), plan_(plan), config_(config), progress_(progress) {
  conn_.execute(kEngineSessionSetup);
}

void Applier::run_in_transaction(const std::vector<std::string>& statements) {
  conn_.execute("BEGIN");
  try {
    for (const auto& s : statements) conn_.execute(s);
    conn_.execute("COMMIT");
  } catch (...) {
    try {
      conn_.execute("ROLLBACK");
    } catch (...) {
      // The connection may be gone; the server rolls back an unfinished transaction itself.
    }
    throw;
  }
}

void Applier::apply(std::span<const binlog::Transaction> batch) {
  auto target = make_apply_target(plan_, config_.max_statement_bytes);
  if (!target) throw std::runtime_error("applier: " + target.error().message());
  std::vector<const binlog::RowChange*> changes;
  for (const auto& trx : batch) {
    for (const auto& q : trx.queries)
      if (is_ddl_on_table(q, plan_.database, plan_.table))
        throw std::runtime_error("DDL on " + plan_.database + "." + plan_.table + " during the migration (at " +
                                 trx.end.file + ":" + std::to_string(trx.end.offset) + "): " + q.statement +
                                 " — every later row image has a different meaning; the migration must stop");
    for (const auto& c : trx.changes)
      if (c.schema == plan_.database && c.table == plan_.table) changes.push_back(&c);
  }
  if (changes.empty()) return;
  auto ops = row_ops(changes, *target, config_.dedupe);
  if (!ops) throw std::runtime_error("applier: " + ops.error().message());
  const auto statements = apply_statements(*ops, *target);

  // A lock wait timeout or deadlock (e.g. against a copy chunk's inserts) rolled the whole batch
  // back, so running it again is safe; anything else goes to the caller.
  for (int attempt = 1;; ++attempt) {
    try {
      run_in_transaction(statements);
      break;
    } catch (const SqlError& e) {
      if (!e.retryable() || attempt >= kMaxAttempts) throw;
      std::this_thread::sleep_for(kRetryBackoff * attempt);
    }
  }
  rows_applied_ += ops->size();
  progress_.events_applied += changes.size();
}

// ---- DDL detection ----
namespace {

struct Token {
  enum class Kind { kWord, kQuoted, kString, kPunct } kind;
  std::string text;  // words upper-cased for keywords via `upper`; identifiers as written
  std::string upper;
};

// Comments are dropped; MySQL's executable comments (/*! … */, /*!50100 … */, /*M! … */) are code.
std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  const auto n = s.size();
  auto is_word = [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; };
  while (i < n) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      if (i + 2 < n && (s[i + 2] == '!' || (s[i + 2] == 'M' && i + 3 < n && s[i + 3] == '!'))) {
        i += s[i + 2] == '!' ? 3 : 4;
        while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      } else {
        const auto e = s.find("*/", i + 2);
        i = e == std::string_view::npos ? n : e + 2;
      }
    } else if (c == '*' && i + 1 < n && s[i + 1] == '/') {
      i += 2;  // end of an executable comment
    } else if (c == '#' || (c == '-' && i + 2 < n && s[i + 1] == '-' && std::isspace(static_cast<unsigned char>(s[i + 2])))) {
      const auto e = s.find('\n', i);
      i = e == std::string_view::npos ? n : e + 1;
    } else if (c == '`' || c == '"' || c == '\'') {
      std::string text;
      ++i;
      while (i < n) {
        if (s[i] == c) {
          if (i + 1 < n && s[i + 1] == c) {
            text.push_back(c);
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (s[i] == '\\' && c != '`' && i + 1 < n) ++i;
        text.push_back(s[i++]);
      }
      out.push_back({c == '\'' ? Token::Kind::kString : Token::Kind::kQuoted, text, {}});
    } else if (is_word(static_cast<unsigned char>(c))) {
      const auto b = i;
      while (i < n && is_word(static_cast<unsigned char>(s[i]))) ++i;
      std::string text(s.substr(b, i - b));
      std::string up = text;
      for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out.push_back({Token::Kind::kWord, std::move(text), std::move(up)});
    } else {
      out.push_back({Token::Kind::kPunct, std::string(1, c), std::string(1, c)});
      ++i;
    }
  }
  return out;
}


class DdlParser {
 public:
  DdlParser(std::vector<Token> t, std::string default_db) : t_(std::move(t)), db_(std::move(default_db)) {}

  bool kw(std::string_view word) {
    if (i_ < t_.size() && t_[i_].kind == Token::Kind::kWord && t_[i_].upper == word) {
      ++i_;
      return true;
    }
    return false;
  }
  bool punct(char c) {
    if (i_ < t_.size() && t_[i_].kind == Token::Kind::kPunct && t_[i_].text[0] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  // [db.]name → (db, name); false when no identifier follows.
  bool name(std::string& db, std::string& table) {
    if (i_ >= t_.size() || (t_[i_].kind != Token::Kind::kWord && t_[i_].kind != Token::Kind::kQuoted)) return false;
    std::string first = t_[i_++].text;
    if (punct('.')) {
      if (i_ >= t_.size() || (t_[i_].kind != Token::Kind::kWord && t_[i_].kind != Token::Kind::kQuoted)) return false;
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
  std::vector<Token> t_;
  std::size_t i_ = 0;
  std::string db_;
};

}  // namespace

bool is_ddl_on_table(const binlog::Query& q, const std::string& database, const std::string& table) {
  DdlParser p(tokenize(q.statement), q.schema);
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

}  // namespace ghostcut::engine
