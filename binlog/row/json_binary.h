// MySQL binary JSON (the JSON column storage format) → JSON text as MySQL prints it.
// Layout (all integers little-endian):
//   document  := type:u8 value
//   type      := 0x00 small object | 0x01 large object | 0x02 small array | 0x03 large array
//              | 0x04 literal (0 null, 1 true, 2 false) | 0x05 int16 | 0x06 uint16 | 0x07 int32
//              | 0x08 uint32 | 0x09 int64 | 0x0a uint64 | 0x0b double | 0x0c utf8mb4 string
//              | 0x0f opaque
//   object    := count size key-entry[count] value-entry[count] keys values
//   array     := count size value-entry[count] values
//                (count, size and offsets are 2 bytes in the small form, 4 in the large form;
//                 offsets count from the first byte after the container's type byte)
//   key-entry := key-offset key-length:u16
//   value-entry := type:u8 offset-or-inlined (literal, int16, uint16 inline; large form also int32,
//                uint32)
//   string    := length:varlen bytes   (varlen: 7 bits per byte, low group first, high bit = more)
//   opaque    := field-type:u8 length:varlen bytes
// https://dev.mysql.com/doc/dev/mysql-server/latest/json__binary_8h.html
//
// Text form (Json_wrapper::to_string): `{"a": 1, "b": [1, 2]}`, keys in stored order, strings
// escaped like MySQL's double_quote (\" \\ \b \f \n \r \t, other < 0x20 as \u00xx), doubles in
// MySQL's my_gcvt form with ".0" appended to integral values (1.0, 1.5, 1e100, 1.5e-7).
// Opaque values: DECIMAL → bare number ("9.00" → 9.00, as MySQL prints it; note the fixture
// decode quotes it), DATE → "YYYY-MM-DD", TIME → "HH:MM:SS.ffffff", DATETIME/TIMESTAMP →
// "YYYY-MM-DD HH:MM:SS.ffffff", VAR_STRING → a plain string, anything else →
// "base64:type<N>:<base64>" (base64 wrapped every 76 chars, as MySQL does).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "binlog/error.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

inline constexpr int kMaxJsonDepth = 100;  // MySQL's JSON_DOCUMENT_MAX_DEPTH

// Renders a whole binary document. An empty document (length 0) is JSON null, as MySQL treats it.
Result<std::string> json_binary_to_text(Bytes doc);
// Appends instead of returning; errors carry the byte offset inside `doc`.
Result<void> append_json_text(Bytes doc, std::string& out);

// Renders the JSON diffs of a PARTIAL_UPDATE_ROWS after image:
//   diff := operation:u8 (0 REPLACE, 1 INSERT, 2 REMOVE) path:lenenc-string
//           [value-length:lenenc value:binary-JSON]   (value absent for REMOVE)
// as `JSON_DIFF[REPLACE $.age 26, INSERT $.tags[0] "x", REMOVE $.old]` — a readable form for
// logs and tests only; it is not SQL.
Result<std::string> json_diffs_to_text(Bytes diffs);

// Helpers shared with value printing.
void append_json_quoted(std::string& out, std::string_view s);
void append_json_double(std::string& out, double d);
// MySQL my_gcvt(MY_GCVT_ARG_DOUBLE) form of a double, without the JSON ".0".
void append_mysql_double(std::string& out, double d);

}  // namespace ghostcut::binlog
