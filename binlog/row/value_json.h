// JSON rendering of row values and row changes, for `ghostcut tail` (one JSON object per line).
//   NULL → null; integers, FLOAT, DOUBLE, YEAR → numbers; DECIMAL → string (exact);
//   DATE/TIME/DATETIME → "YYYY-MM-DD", "[-]HH:MM:SS[.f]", "YYYY-MM-DD HH:MM:SS[.f]";
//   TIMESTAMP → "YYYY-MM-DD HH:MM:SS[.f]Z" (UTC); strings → a JSON string when the bytes are valid
//   UTF-8, else {"hex": "…"}; JSON columns → the JSON document itself; ENUM → index, SET/BIT → number.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "binlog/row/change_decoder.h"
#include "binlog/row/value.h"

namespace ghostcut::binlog {

void append_json_string(std::string& out, std::string_view utf8);
bool is_valid_utf8(std::string_view s) noexcept;
void append_json_value(std::string& out, const Value& v);
// {"kind":"insert","position":"f:p","schema":"d","table":"t","before":{…},"after":{…}}
std::string row_change_json(const RowChange& change, const std::vector<std::string>& column_names);
// The same, with each column's character set (MySQL names, "" = not a text column): text in
// latin1 (MySQL's cp1252), ascii, utf8/utf8mb3/utf8mb4, ucs2, utf16, utf16le or utf32 is printed
// transcoded to UTF-8 (a latin1 "café" is "café"); bytes not valid in their charset, and other
// charsets, stay {"hex": …}.
std::string row_change_json(const RowChange& change, const std::vector<std::string>& column_names,
                            const std::vector<std::string>& column_charsets);
// `bytes` in `charset` as UTF-8, or nullopt when the charset is not handled or the bytes are invalid.
std::optional<std::string> to_utf8(std::string_view bytes, std::string_view charset);

}  // namespace ghostcut::binlog
