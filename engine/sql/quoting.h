// Identifier and literal quoting for SQL text we build. Values normally travel as bound
// parameters; literals are for statements that cannot take parameters (DDL, SHOW).
#pragma once
#include <string>
#include <string_view>

namespace ghostcut::engine {

// `name` with embedded backticks doubled: quote_identifier("a`b") == "`a``b`".
std::string quote_identifier(std::string_view name);
// `db`.`table`
std::string quote_qualified(std::string_view schema, std::string_view table);
// 'text' with backslash, quote, NUL, \n, \r, ^Z escaped (safe under any sql_mode except
// NO_BACKSLASH_ESCAPES, which our sessions never set).
std::string quote_string(std::string_view text);
// X'hex' literal: byte-exact for any charset.
std::string hex_literal(std::string_view bytes);
// "/* ghostcut <subject> <purpose> */ ": the tag that finds our statements in the process list
// and the slow log. A "*/" inside a name is written "* /", so it cannot end the comment early.
std::string statement_comment(std::string_view subject, std::string_view purpose);

}  // namespace ghostcut::engine
