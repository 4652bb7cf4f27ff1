// PURE reading of an ALTER clause (tokens: engine/sql/sql_tokens.h): the column changes the
// clause names (RENAME COLUMN, CHANGE, DROP, ADD). The ALTER text is the only place a rename is
// visible: the two schemas alone cannot tell "a renamed to b" from "a dropped, b added". So the
// text is parsed here and then cross-checked against the server's view of both tables
// (build_column_mapping): every column that disappears or appears must be explained by a clause,
// and every rename target must exist. Whatever the text hides (a version-gated /*!NNNNN */
// comment, an odd clause) shows up as an unexplained column and the migration is refused.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace ghostcut::engine {

struct AlterColumnChanges {
  std::vector<std::pair<std::string, std::string>> renames;  // old -> new, in clause order
  std::vector<std::string> dropped;                          // DROP [COLUMN] name
  std::vector<std::string> added;                            // ADD [COLUMN] name / ADD (name …, …)
  std::vector<std::string> refusals;                         // clauses that could not be read
  // Every clause is ADD [COLUMN]: MariaDB's native ALTER then copies without verifying CHECK
  // constraints (it does for MODIFY/CHANGE and ADD CONSTRAINT), e.g. ADD js JSON NOT NULL keeps ''.
  bool only_column_adds = false;
};

// The column changes of an ALTER clause (without "ALTER TABLE t"). Names refer to the original
// table, as the server reads them: `RENAME COLUMN a TO b, RENAME COLUMN b TO a` is a swap.
[[nodiscard]] AlterColumnChanges parse_column_changes(const std::string& clause);

}  // namespace ghostcut::engine
