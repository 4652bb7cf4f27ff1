#include "engine/verify/plan_compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "engine/sql/quoting.h"
#include "engine/sql/sql_tokens.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

bool tok_is_word(const SqlToken& t, const char* w) { return t.kind == SqlTokKind::kWord && iequals(t.text, w); }
bool tok_is_punct(const SqlToken& t, char c) { return t.kind == SqlTokKind::kPunct && t.text[0] == c; }
bool tok_is_ident(const SqlToken& t) { return t.kind == SqlTokKind::kWord || t.kind == SqlTokKind::kQuotedIdent; }

bool tok_in(const SqlToken& t, const std::set<std::string>& words) {
  return t.kind == SqlTokKind::kWord && words.count(upper(t.text)) > 0;
}

// Words that end a FROM list at their nesting level.
const std::set<std::string> kPlanEndsFrom = {"WHERE",     "GROUP", "ORDER",  "HAVING",    "LIMIT",
                                             "UNION",     "FOR",   "LOCK",   "SELECT",    "EXCEPT",
                                             "INTERSECT", "INTO",  "WINDOW", "PROCEDURE", "RETURNING"};
// Words that may follow a table reference and are not its alias.
const std::set<std::string> kPlanNotAlias = {
    "WHERE",  "JOIN",      "INNER",  "LEFT",   "RIGHT",     "CROSS",     "NATURAL", "STRAIGHT_JOIN", "ON",    "USING",
    "GROUP",  "ORDER",     "HAVING", "LIMIT",  "UNION",     "FOR",       "LOCK",    "USE",           "FORCE", "IGNORE",
    "WINDOW", "PARTITION", "INTO",   "EXCEPT", "INTERSECT", "PROCEDURE", "FULL",    "OUTER"};

std::string trim_statement(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

bool plan_lookup_type(const std::string& t) {
  static const std::set<std::string> k = {"SYSTEM",         "CONST",       "EQ_REF",      "REF",
                                          "FULLTEXT",       "REF_OR_NULL", "INDEX_MERGE", "UNIQUE_SUBQUERY",
                                          "INDEX_SUBQUERY", "RANGE"};
  return k.count(upper(t)) > 0;
}
bool plan_full_scan_type(const std::string& t) { return iequals(t, "ALL") || iequals(t, "index"); }
bool plan_no_keys(const std::optional<std::string>& k) { return !k || k->empty() || iequals(*k, "NULL"); }
std::string plan_or_null(const std::optional<std::string>& s) { return s && !s->empty() ? *s : "NULL"; }
std::string plan_rows_text(const std::optional<double>& r) { return r ? fmt::format("{}", *r) : "NULL"; }

}  // namespace

std::vector<std::string> split_check_queries(std::string_view text) {
  std::vector<std::string> out;
  const auto all = tokenize_sql(text);
  const bool semicolons =
      std::any_of(all.tokens.begin(), all.tokens.end(), [](const SqlToken& t) { return tok_is_punct(t, ';'); });
  auto keep = [&](std::string_view piece) {
    if (!tokenize_sql(piece).tokens.empty()) out.push_back(trim_statement(piece));
  };
  if (semicolons) {
    std::size_t from = 0;
    for (const auto& t : all.tokens)
      if (tok_is_punct(t, ';')) {
        keep(text.substr(from, t.begin - from));
        from = t.end;
      }
    keep(text.substr(from));
    return out;
  }
  std::size_t from = 0;
  while (from <= text.size()) {
    const auto nl = text.find('\n', from);
    const auto line = text.substr(from, nl == std::string_view::npos ? std::string_view::npos : nl - from);
    keep(line);
    if (nl == std::string_view::npos) break;
    from = nl + 1;
  }
  return out;
}

std::optional<std::string> not_a_select(std::string_view sql) {
  const auto tz = tokenize_sql(sql);
  if (tz.unterminated) return "an unterminated quote or comment";
  std::size_t i = 0;
  while (i < tz.tokens.size() && tok_is_punct(tz.tokens[i], '(')) ++i;
  if (i == tz.tokens.size() || !(tok_is_word(tz.tokens[i], "SELECT") || tok_is_word(tz.tokens[i], "WITH")))
    return "not a SELECT";
  for (const auto& t : tz.tokens)
    if (tok_is_word(t, "INTO")) return "SELECT … INTO writes";
  return std::nullopt;
}

std::optional<std::string> swap_table(std::string_view sql, const std::string& database, const std::string& table,
                                      const std::string& ghost, std::string* why) {
  auto fail = [&](std::string w) -> std::optional<std::string> {
    if (why) *why = std::move(w);
    return std::nullopt;
  };
  const auto tz = tokenize_sql(sql);
  if (tz.unterminated) return fail("an unterminated quote or comment");
  const auto& toks = tz.tokens;
  struct Edit {
    std::size_t begin, end;
    std::string text;
  };
  std::vector<Edit> edits;
  std::vector<bool> in_from{false};  // per parenthesis depth: inside a FROM list
  bool expect_table = false;
  for (std::size_t i = 0; i < toks.size(); ++i) {
    const auto& t = toks[i];
    if (tok_is_word(t, "FROM") || tok_is_word(t, "JOIN") || tok_is_word(t, "STRAIGHT_JOIN")) {
      expect_table = true;
      in_from.back() = true;
    } else if (tok_is_word(t, "ON") || tok_is_word(t, "USING")) {
      expect_table = false;  // a join condition; a later `,` still separates tables
    } else if (tok_in(t, kPlanEndsFrom)) {
      expect_table = false;
      in_from.back() = false;
    } else if (tok_is_punct(t, '(')) {
      in_from.push_back(false);  // `FROM (t1, t2)` or `FROM (SELECT …)`: expect_table carries over
    } else if (tok_is_punct(t, ')')) {
      if (in_from.size() > 1) in_from.pop_back();
      expect_table = false;
    } else if (tok_is_punct(t, ',')) {
      expect_table = in_from.back();
    } else if (expect_table && tok_is_ident(t)) {
      expect_table = false;
      std::size_t name = i;
      std::optional<std::string> db;
      if (i + 2 < toks.size() && tok_is_punct(toks[i + 1], '.') && tok_is_ident(toks[i + 2])) {
        db = t.text;
        name = i + 2;
      }
      i = name;
      if (toks[name].text != table || (db && *db != database)) continue;
      const bool last = name + 1 >= toks.size();
      if (!last && tok_is_word(toks[name + 1], "PARTITION")) return fail("a PARTITION selection on the table");
      const bool aliased =
          !last && (tok_is_word(toks[name + 1], "AS") || toks[name + 1].kind == SqlTokKind::kQuotedIdent ||
                    (toks[name + 1].kind == SqlTokKind::kWord && !tok_in(toks[name + 1], kPlanNotAlias)));
      edits.push_back({toks[name].begin, toks[name].end,
                       quote_identifier(ghost) + (aliased ? "" : " AS " + quote_identifier(table))});
    }
  }
  if (edits.empty()) return fail("does not read `" + database + "`.`" + table + "`");
  std::string out;
  std::size_t at = 0;
  for (const auto& e : edits) {
    out.append(sql.substr(at, e.begin - at));
    out += e.text;
    at = e.end;
  }
  out.append(sql.substr(at));
  return out;
}

ExplainPlan explain_plan(const ResultTable& r) {
  auto col = [&](const char* name) -> std::optional<std::size_t> {
    try {
      return r.column(name);
    } catch (const std::out_of_range&) {
      return std::nullopt;
    }
  };
  const auto id = col("id"), st = col("select_type"), tb = col("table"), ty = col("type"), pk = col("possible_keys"),
             k = col("key"), rw = col("rows"), ex = col("Extra");
  ExplainPlan out;
  for (const auto& row : r.rows) {
    auto cell = [&](std::optional<std::size_t> c) -> Cell { return c && *c < row.size() ? row[*c] : Cell{}; };
    ExplainRow e;
    e.id = cell(id).value_or("");
    e.select_type = cell(st).value_or("");
    e.table = cell(tb).value_or("");
    e.type = cell(ty).value_or("");
    e.possible_keys = cell(pk);
    e.key = cell(k);
    if (const auto v = cell(rw)) {
      try {
        e.rows = std::stod(*v);
      } catch (const std::exception&) {
      }
    }
    e.extra = cell(ex).value_or("");
    out.push_back(std::move(e));
  }
  return out;
}

std::string describe_plan(const ExplainPlan& p) {
  std::string s;
  for (const auto& r : p) {
    if (!s.empty()) s += "; ";
    s += (r.table.empty() ? "-" : r.table) + ": type=" + (r.type.empty() ? "NULL" : r.type) +
         " key=" + plan_or_null(r.key) + " rows=" + plan_rows_text(r.rows);
    if (!r.extra.empty()) s += " (" + r.extra + ")";
  }
  return s.empty() ? "(no rows)" : s;
}

std::vector<PlanRegression> compare_plans(const ExplainPlan& before, const ExplainPlan& after) {
  // (id, table, occurrence) → row of the original's plan.
  std::map<std::tuple<std::string, std::string, int>, const ExplainRow*> old_rows;
  std::map<std::pair<std::string, std::string>, int> seen;
  for (const auto& r : before) old_rows[{r.id, r.table, seen[{r.id, r.table}]++}] = &r;
  seen.clear();
  std::vector<PlanRegression> out;
  for (const auto& n : after) {
    const auto it = old_rows.find({n.id, n.table, seen[{n.id, n.table}]++});
    if (it == old_rows.end()) continue;
    const ExplainRow& o = *it->second;
    if (plan_full_scan_type(n.type) && plan_lookup_type(o.type))
      out.push_back({RegressionKind::kFullScan, n.table,
                     "type " + o.type + " (key " + plan_or_null(o.key) + ") -> " + n.type + " (full " +
                         (iequals(n.type, "ALL") ? "table" : "index") + " scan)"});
    if (!plan_no_keys(o.possible_keys) && plan_no_keys(n.possible_keys))
      out.push_back({RegressionKind::kKeyUnusable, n.table, "possible keys " + *o.possible_keys + " -> none"});
    if (o.rows && n.rows && *n.rows >= kRowsRegressionFloor && *n.rows >= 10 * std::max(*o.rows, 1.0))
      out.push_back({RegressionKind::kRowsUp, n.table,
                     "rows estimate " + plan_rows_text(o.rows) + " -> " + plan_rows_text(n.rows) + " (" +
                         fmt::format("{:.0f}", *n.rows / std::max(*o.rows, 1.0)) + "x)"});
  }
  return out;
}

std::string describe_regressions(const std::vector<PlanRegression>& r) {
  std::string s;
  for (const auto& x : r) s += (s.empty() ? "" : "; ") + x.table + ": " + x.why;
  return s;
}

}  // namespace ghostcut::engine
