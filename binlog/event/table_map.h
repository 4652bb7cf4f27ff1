// TABLE_MAP_EVENT, decoded. Layout:
//   post-header: table_id (6 bytes, or 4 when post_header_len == 6), flags u16
//   body: db_len u8, db, 0x00, table_len u8, table, 0x00, ncols lenenc,
//         column types [ncols], metadata_len lenenc, metadata, null bitmap ((ncols+7)/8),
//         optional metadata: TLV list (type u8, length lenenc, value) — MySQL 8.0.1+ / MariaDB 10.5+.
// https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Table__map__event.html
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "binlog/error.h"
#include "binlog/row/column_type.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

// Optional metadata (binlog_row_metadata=MINIMAL|FULL). Vectors are empty when the field is absent.
struct TableMapOptionalMetadata {
  std::vector<bool> signedness;  // one per *numeric* column, in column order; true = UNSIGNED
  std::optional<std::uint32_t> default_charset;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> charset_exceptions;  // (column index, collation)
  std::vector<std::uint32_t> column_charsets;                               // one per character column
  std::vector<std::string> column_names;                                    // one per column (FULL)
  std::vector<std::vector<std::string>> set_str_values;
  std::vector<std::vector<std::string>> enum_str_values;
  std::vector<std::uint32_t> geometry_types;
  std::vector<std::uint32_t> simple_primary_key;                                 // column indexes
  std::vector<std::pair<std::uint32_t, std::uint32_t>> primary_key_with_prefix;  // (index, prefix len)
  std::optional<std::uint32_t> enum_and_set_default_charset;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> enum_and_set_charset_exceptions;
  std::vector<std::uint32_t> enum_and_set_column_charsets;
  std::vector<bool> column_visibility;  // one per column; true = visible
  std::vector<std::uint32_t> vector_dimensionality;
  bool operator==(const TableMapOptionalMetadata&) const = default;
};

struct TableMap {
  std::uint64_t table_id = 0;
  std::uint16_t flags = 0;
  std::string schema;
  std::string table;
  std::vector<ColumnType> types;    // as written: ENUM/SET appear as kString with the real type in meta
  std::vector<std::uint16_t> meta;  // per-column metadata, already parsed to one number each (see below)
  std::vector<bool> nullable;
  TableMapOptionalMetadata optional;

  // Per-column metadata, folded into one number as libbinlogevents does:
  //   FLOAT, DOUBLE, BLOB, GEOMETRY, JSON, VECTOR: 1 byte (pack length / length-prefix size)
  //   VARCHAR, VAR_STRING: 2 bytes little-endian (max byte length)
  //   BIT: 2 bytes, meta = byte0 | byte1 << 8 (byte0 = bits % 8, byte1 = whole bytes)
  //   STRING, ENUM, SET, NEWDECIMAL: 2 bytes, meta = byte0 << 8 | byte1
  //     (STRING: byte0 = real type / high length bits, byte1 = length low bits;
  //      NEWDECIMAL: byte0 = precision, byte1 = scale)
  //   TIME2, DATETIME2, TIMESTAMP2: 1 byte fractional precision
  //   everything else: no metadata (0)
  // Use the helpers in row/ rather than reading `meta` by hand.

  std::size_t column_count() const noexcept { return types.size(); }

  // Unsignedness of column i from optional metadata; nullopt when the binlog does not say.
  std::optional<bool> is_unsigned(std::size_t column) const;
  // Column name from optional metadata, or "@<i+1>" when absent.
  std::string column_name(std::size_t column) const;

  bool operator==(const TableMap&) const = default;
};

// Parses a TABLE_MAP body (after the common header, with any checksum already stripped).
// post_header_len comes from the FORMAT_DESCRIPTION (6 or 8).
Result<TableMap> parse_table_map(Bytes body, std::uint8_t post_header_len);

}  // namespace ghostcut::binlog
