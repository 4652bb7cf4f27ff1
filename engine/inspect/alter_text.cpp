#include "engine/inspect/alter_text.h"

#include <cctype>

#include "engine/sql/sql_tokens.h"
#include "engine/text.h"

namespace ghostcut::engine {

namespace {

using Toks = std::vector<SqlToken>;

bool word(const Toks& t, std::size_t i, std::string_view w) {
  return i < t.size() && t[i].kind == SqlTokKind::kWord && iequals(t[i].text, w);
}
bool name_at(const Toks& t, std::size_t i) {
  return i < t.size() && (t[i].kind == SqlTokKind::kWord || t[i].kind == SqlTokKind::kQuotedIdent);
}
bool punct(const Toks& t, std::size_t i, char c) {
  return i < t.size() && t[i].kind == SqlTokKind::kPunct && t[i].text[0] == c;
}

// Words after ADD / DROP that start something other than a column (when not quoted).
bool non_column_keyword(const SqlToken& t) {
  static const char* const kWords[] = {"INDEX",     "KEY",    "UNIQUE",     "PRIMARY", "FULLTEXT",
                                       "SPATIAL",   "VECTOR", "CONSTRAINT", "FOREIGN", "CHECK",
                                       "PARTITION", "PERIOD", "SYSTEM",     "DEFAULT"};
  if (t.kind != SqlTokKind::kWord) return false;
  for (const char* w : kWords)
    if (iequals(t.text, w)) return true;
  return false;
}

// Top-level clauses: token ranges between commas outside parentheses.
std::vector<Toks> split_clauses(const Toks& toks) {
  std::vector<Toks> out(1);
  int depth = 0;
  for (const auto& t : toks) {
    if (t.kind == SqlTokKind::kPunct && t.text == "(") ++depth;
    if (t.kind == SqlTokKind::kPunct && t.text == ")") --depth;
    if (depth == 0 && t.kind == SqlTokKind::kPunct && t.text == ",") {
      out.emplace_back();
      continue;
    }
    out.back().push_back(t);
  }
  return out;
}

}  // namespace

AlterColumnChanges parse_column_changes(const std::string& clause) {
  AlterColumnChanges r;
  const auto [toks, unterminated] = tokenize_sql(clause);
  if (unterminated) {
    r.refusals.push_back("the ALTER has an unterminated quote or comment");
    return r;
  }
  std::size_t clauses = 0, column_adds = 0;
  for (const auto& c : split_clauses(toks)) {
    if (c.empty()) continue;
    ++clauses;
    const auto added_before = r.added.size();
    struct CountAdds {
      std::size_t& n;
      const std::vector<std::string>& added;
      std::size_t before;
      ~CountAdds() {
        if (added.size() > before) ++n;
      }
    } count{column_adds, r.added, added_before};
    std::size_t i = 0;
    if (word(c, i, "RENAME")) {
      if (!word(c, ++i, "COLUMN")) continue;  // RENAME INDEX/KEY/TO: not a column
      ++i;
      if (!name_at(c, i) || !word(c, i + 1, "TO") || !name_at(c, i + 2)) {
        r.refusals.push_back("could not read a RENAME COLUMN clause of the ALTER (expected RENAME COLUMN old TO new)");
        continue;
      }
      r.renames.emplace_back(c[i].text, c[i + 2].text);
    } else if (word(c, i, "CHANGE")) {
      ++i;
      if (word(c, i, "COLUMN")) ++i;
      if (word(c, i, "IF") && word(c, i + 1, "EXISTS")) i += 2;
      if (!name_at(c, i) || !name_at(c, i + 1)) {
        r.refusals.push_back("could not read a CHANGE clause of the ALTER (expected CHANGE [COLUMN] old new type)");
        continue;
      }
      r.renames.emplace_back(c[i].text, c[i + 1].text);
    } else if (word(c, i, "DROP")) {
      ++i;
      const bool explicit_column = word(c, i, "COLUMN");
      if (explicit_column) ++i;
      if (word(c, i, "IF") && word(c, i + 1, "EXISTS")) i += 2;
      if (!name_at(c, i) || (!explicit_column && non_column_keyword(c[i]))) continue;
      r.dropped.push_back(c[i].text);
    } else if (word(c, i, "ADD")) {
      ++i;
      const bool explicit_column = word(c, i, "COLUMN");
      if (explicit_column) ++i;
      if (word(c, i, "IF") && word(c, i + 1, "NOT") && word(c, i + 2, "EXISTS")) i += 3;
      if (punct(c, i, '(')) {  // ADD [COLUMN] (a INT, b INT)
        int depth = 0;
        bool expect_name = true;
        for (std::size_t k = i; k < c.size(); ++k) {
          if (punct(c, k, '(')) {
            if (++depth == 1) continue;
          } else if (punct(c, k, ')')) {
            --depth;
          } else if (depth == 1 && punct(c, k, ',')) {
            expect_name = true;
            continue;
          }
          if (depth == 1 && expect_name) {
            if (!name_at(c, k) || non_column_keyword(c[k])) {
              r.refusals.push_back("could not read an ADD (…) column list of the ALTER");
              break;
            }
            r.added.push_back(c[k].text);
            expect_name = false;
          }
        }
        continue;
      }
      if (!name_at(c, i) || (!explicit_column && non_column_keyword(c[i]))) continue;
      r.added.push_back(c[i].text);
    }
  }
  r.only_column_adds = clauses > 0 && clauses == column_adds;
  return r;
}

}  // namespace ghostcut::engine
