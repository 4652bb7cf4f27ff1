// JSON rendering of row values and row changes, for `ghostcut tail` (one JSON object per line).
//   NULL → null; integers, FLOAT, DOUBLE, YEAR → numbers; DECIMAL → string (exact);
//   DATE/TIME/DATETIME → "YYYY-MM-DD", "[-]HH:MM:SS[.f]", "YYYY-MM-DD HH:MM:SS[.f]";
//   TIMESTAMP → "YYYY-MM-DD HH:MM:SS[.f]Z" (UTC); strings → a JSON string when the bytes are valid
//   UTF-8, else {"hex": "…"}; JSON columns → the JSON document itself; ENUM → index, SET/BIT → number.
#pragma once
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

}  // namespace ghostcut::binlog
