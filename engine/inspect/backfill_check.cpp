#include "engine/inspect/backfill_check.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "engine/apply/apply_sql.h"
#include "engine/inspect/inspector.h"
#include "engine/inspect/scratch_table.h"
#include "engine/sql/query_builder.h"
#include "engine/sql/quoting.h"
#include "engine/sql/sql_connection.h"
#include "engine/sql/sql_tokens.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

// Functions whose value depends on the moment, the session or chance (MySQL's and MariaDB's).
const std::set<std::string> kNondeterministic = {"NOW",
                                                 "SYSDATE",
                                                 "CURRENT_TIMESTAMP",
                                                 "CURRENT_DATE",
                                                 "CURRENT_TIME",
                                                 "CURDATE",
                                                 "CURTIME",
                                                 "LOCALTIME",
                                                 "LOCALTIMESTAMP",
                                                 "UTC_DATE",
                                                 "UTC_TIME",
                                                 "UTC_TIMESTAMP",
                                                 "RAND",
                                                 "RANDOM_BYTES",
                                                 "UUID",
                                                 "UUID_SHORT",
                                                 "UUID_TO_BIN",
                                                 "SYS_GUID",
                                                 "CONNECTION_ID",
                                                 "LAST_INSERT_ID",
                                                 "USER",
                                                 "CURRENT_USER",
                                                 "SESSION_USER",
                                                 "SYSTEM_USER",
                                                 "CURRENT_ROLE",
                                                 "DATABASE",
                                                 "SCHEMA",
                                                 "VERSION",
                                                 "FOUND_ROWS",
                                                 "ROW_COUNT",
                                                 "SLEEP",
                                                 "BENCHMARK",
                                                 "GET_LOCK",
                                                 "RELEASE_LOCK",
                                                 "IS_FREE_LOCK",
                                                 "IS_USED_LOCK",
                                                 "MASTER_POS_WAIT",
                                                 "NEXTVAL",
                                                 "LASTVAL",
                                                 "SETVAL",
                                                 "LOAD_FILE",
                                                 "ROWNUM",
                                                 "GTID_SUBSET"};
// Without arguments only: UNIX_TIMESTAMP() is now, UNIX_TIMESTAMP(d) is d.
const std::set<std::string> kNondeterministicWithoutArguments = {"UNIX_TIMESTAMP"};
// Words that are a value with no parentheses at all.
const std::set<std::string> kNondeterministicBare = {"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIME",
                                                     "LOCALTIMESTAMP",    "CURRENT_USER", "CURRENT_ROLE", "UTC_DATE",
                                                     "UTC_TIME",          "UTC_TIMESTAMP"};

bool is_punct(const SqlToken& t, char c) {
  return t.kind == SqlTokKind::kPunct && t.text.size() == 1 && t.text[0] == c;
}

bool numeric(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) || c == 'e' || c == 'E'; });
}

std::string trim_text(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(s.begin());
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

}  // namespace

std::optional<BackfillSpec> parse_backfill(const std::string& text, std::string& error) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) {
    error = "--backfill takes col=EXPR, got '" + text + "'";
    return std::nullopt;
  }
  BackfillSpec s{trim_text(text.substr(0, eq)), trim_text(text.substr(eq + 1))};
  if (s.column.size() >= 2 && s.column.front() == '`' && s.column.back() == '`') {
    std::string inner;
    for (std::size_t i = 1; i + 1 < s.column.size(); ++i) {
      inner += s.column[i];
      if (s.column[i] == '`' && i + 2 < s.column.size() && s.column[i + 1] == '`') ++i;
    }
    s.column = inner;
  }
  if (s.column.empty() || s.expression.empty()) {
    error = "--backfill takes col=EXPR with both parts, got '" + text + "'";
    return std::nullopt;
  }
  return s;
}

std::vector<std::string> nondeterministic_calls(const std::string& expression) {
  std::vector<std::string> out;
  const auto toks = tokenize_sql(expression).tokens;
  for (std::size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].kind != SqlTokKind::kWord) continue;
    const std::string w = upper(toks[i].text);
    const bool call = i + 1 < toks.size() && is_punct(toks[i + 1], '(');
    const bool no_args = call && i + 2 < toks.size() && is_punct(toks[i + 2], ')');
    const bool hit = (call && kNondeterministic.count(w)) || (!call && kNondeterministicBare.count(w)) ||
                     (no_args && kNondeterministicWithoutArguments.count(w));
    if (hit && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  }
  return out;
}

std::vector<std::string> backfill_refusals(const MigrationPlan& plan, const BackfillSpec& spec,
                                           bool allow_nondeterministic) {
  std::vector<std::string> out;
  const std::string what = "--backfill " + spec.column + "=" + spec.expression + ": ";
  const auto added = std::find_if(plan.mapping.added.begin(), plan.mapping.added.end(),
                                  [&](const std::string& c) { return iequals(c, spec.column); });
  const auto gi = plan.ghost.column_index(spec.column);
  if (added == plan.mapping.added.end() || !gi)
    out.push_back(what + spec.column + " is not a column the ALTER adds (only new columns are backfilled)");
  else if (plan.ghost.columns[*gi].generated)
    out.push_back(what + spec.column + " is a generated column: the server computes it");
  const auto tokenized = tokenize_sql(spec.expression);
  if (tokenized.unterminated) out.push_back(what + "an unterminated quote or comment");
  const auto& toks = tokenized.tokens;
  for (std::size_t i = 0; i < toks.size(); ++i) {
    const auto& t = toks[i];
    if (is_punct(t, '@')) {
      out.push_back(what + "variables (@...) are not allowed: the copy and the applier run in other sessions");
      break;
    }
    if (is_punct(t, ';')) out.push_back(what + "one expression, no ';'");
    if (t.kind == SqlTokKind::kWord && iequals(t.text, "SELECT"))
      out.push_back(what +
                    "no subqueries: other tables change while the copy runs, and the binlog rows would not agree");
    if (t.kind != SqlTokKind::kWord && t.kind != SqlTokKind::kQuotedIdent) continue;
    if (i + 1 < toks.size() && is_punct(toks[i + 1], '(') && t.kind == SqlTokKind::kWord) continue;  // a function
    if (i + 1 < toks.size() && is_punct(toks[i + 1], '.') && !numeric(t.text)) {
      out.push_back(what + "qualified names (" + t.text + ".…) are not allowed: name the old row's columns alone");
      continue;
    }
    if (const auto oi = plan.original.column_index(t.text)) {
      const auto& name = plan.original.columns[*oi].name;
      const auto* sc = plan.mapping.find_source(name);
      if (!sc)
        out.push_back(what + "reads column " + name +
                      ", which the ALTER drops; the binlog path fills rows from the "
                      "ghost's copy of the row, so only columns the ALTER keeps as they are can be read");
      else if (!iequals(sc->target_name, sc->source_name) || sc->type_changed || sc->tz_shift)
        out.push_back(what + "reads column " + name +
                      ", which the ALTER renames or retypes; only columns the ALTER "
                      "keeps as they are can be read");
    } else if (plan.ghost.column_index(t.text) && t.kind == SqlTokKind::kQuotedIdent) {
      out.push_back(what + "reads the new column " + t.text + ": only the old row's columns can be read");
    } else if (plan.ghost.column_index(t.text) &&
               std::any_of(plan.mapping.added.begin(), plan.mapping.added.end(),
                           [&](const std::string& c) { return iequals(c, t.text); })) {
      out.push_back(what + "reads the new column " + t.text + ": only the old row's columns can be read");
    }
  }
  if (!allow_nondeterministic)
    if (const auto nd = nondeterministic_calls(spec.expression); !nd.empty())
      out.push_back(what + "calls " + join(nd) +
                    ", which can give the copy and the binlog path different values; "
                    "pass --allow-nondeterministic-backfill if that is what you want");
  return out;
}

void add_backfills(SqlConnection& conn, MigrationPlan& plan, const std::vector<std::string>& specs,
                   bool allow_nondeterministic) {
  std::vector<std::string> refusals;
  std::vector<std::pair<std::string, std::string>> backfills;
  for (const auto& text : specs) {
    std::string error;
    const auto spec = parse_backfill(text, error);
    if (!spec) {
      refusals.push_back(error);
      continue;
    }
    auto r = backfill_refusals(plan, *spec, allow_nondeterministic);
    for (const auto& [c, e] : backfills)
      if (iequals(c, spec->column)) r.push_back("--backfill " + spec->column + " is given twice");
    if (r.empty()) {
      const auto gi = plan.ghost.column_index(spec->column);
      backfills.emplace_back(plan.ghost.columns[*gi].name, spec->expression);
    }
    refusals.insert(refusals.end(), r.begin(), r.end());
  }
  if (!refusals.empty()) throw InspectionError(refusals);
  if (backfills.empty()) return;

  // Both forms on a scratch ghost: the copy's INSERT … SELECT from a sample of the table's rows,
  // then the applier's UPDATE on them. Any warning but the copy's accepted ones is a refusal.
  MigrationPlan trial = plan;
  trial.mapping.backfills = backfills;
  const auto saved = conn.query("SELECT @@session.sql_mode, @@session.time_zone");
  ScratchTable scratch(conn, plan.database);
  const std::string name = "_gct_backfill_" + std::to_string(conn.connection_id());
  const std::string q = quote_qualified(plan.database, name);
  auto warnings = [&](const char* form) {
    const auto w = conn.query("SHOW WARNINGS");
    for (const auto& row : w.rows)
      if (!iequals(row[0].value_or(""), "Note") && row[1].value_or("") != "1364")
        refusals.push_back(std::string("--backfill: the ") + form + " gives warning " + row[1].value_or("") + ": " +
                           row[2].value_or(""));
  };
  try {
    conn.execute("CREATE /* ghostcut inspect */ TABLE " + q + " LIKE " + quote_qualified(plan.database, plan.table));
    scratch.created(name);
    conn.execute("ALTER /* ghostcut inspect */ TABLE " + q + " " + plan.alter);
    conn.execute(kEngineSessionSetup);
    std::vector<std::string> targets = trial.mapping.target_names(), sources;
    for (const auto& c : trial.mapping.shared)
      sources.push_back(tz_shifted(quote_identifier(c.source_name), c.tz_shift));
    for (const auto& [c, e] : backfills) {
      targets.push_back(c);
      sources.push_back("(" + e + ")");
    }
    std::string tl, sl;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      tl += (i ? ", " : "") + quote_identifier(targets[i]);
      sl += (i ? ", " : "") + sources[i];
    }
    conn.execute("INSERT IGNORE /* ghostcut inspect */ INTO " + q + " (" + tl + ") SELECT " + sl + " FROM " +
                 quote_qualified(plan.database, plan.table) + " LIMIT 100");
    warnings("copy (INSERT ... SELECT on a sample of 100 rows)");
    std::string set;
    for (const auto& [c, e] : backfills) set += (set.empty() ? "" : ", ") + quote_identifier(c) + " = (" + e + ")";
    conn.execute("UPDATE /* ghostcut inspect */ " + q + " SET " + set);
    warnings("binlog path (UPDATE of the ghost's row)");
  } catch (const SqlError& e) {
    std::string msg = e.what();
    for (auto p = msg.find(name); p != std::string::npos; p = msg.find(name, p + 1))
      msg.replace(p, name.size(), plan.ghost_table);
    refusals.push_back(std::string("--backfill: the expression does not work on the altered table: ") + msg);
  }
  if (auto failed = scratch.drop()) plan.notes.push_back(*failed);
  if (!saved.empty())
    conn.update("SET SESSION sql_mode = ?, time_zone = ?",
                {saved.rows[0][0].value_or(""), saved.rows[0][1].value_or("SYSTEM")});
  if (!refusals.empty()) throw InspectionError(refusals);
  plan.mapping.backfills = std::move(backfills);
  for (const auto& [c, e] : plan.mapping.backfills)
    plan.notes.push_back("backfill: " + c + " = " + e + " (in the copy and for every row from the binlog)");
  plan.instant.possible = false;
  plan.instant.reason = "a --backfill fills the new column(s) row by row, which the copy does";
}

}  // namespace ghostcut::engine
