// PURE: SQL text as the server's lexer splits it (MySQL and MariaDB alike), for the readers that
// need to see past quotes and comments (the ALTER clause, DDL in the binlog). Comments are skipped:
// `# …` and `-- …` to the end of the line (`--` only when a space or control character, or the end
// of the text, follows), and `/* … */`. Executable comments (`/*! … */`, `/*!50100 … */`,
// `/*M! … */`) are read as code, because the server runs them. '…' is a string; `…` an identifier;
// "…" a string, or an identifier under ANSI_QUOTES. Inside strings a doubled quote or a backslash
// escapes (no NO_BACKSLASH_ESCAPES, as in ghostcut's sessions); inside identifiers only doubling.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ghostcut::engine {

enum class SqlTokKind { kWord, kQuotedIdent, kString, kPunct };

struct SqlToken {
  SqlTokKind kind;
  std::string text;  // word as written; quoted identifier / string unquoted; punctuation char
  std::size_t begin, end;
};

struct SqlTokenized {
  std::vector<SqlToken> tokens;
  // An unterminated quote or comment: the tokens stop before it.
  bool unterminated = false;
};

SqlTokenized tokenize_sql(std::string_view s, bool ansi_quotes = false);

}  // namespace ghostcut::engine
