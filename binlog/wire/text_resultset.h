// The response to COM_QUERY, in the text protocol.
//
//   response   := OK | ERR | LOCAL INFILE (0xFB, refused) | result set
//   result set := column_count int<lenenc>
//                 | column_count × ColumnDefinition41
//                 | [EOF]                                     (unless CLIENT_DEPRECATE_EOF)
//                 | rows: one string<lenenc> per column, NULL = 0xFB
//                 | EOF, or OK with header 0xFE (CLIENT_DEPRECATE_EOF), or ERR
//   ColumnDefinition41 := catalog, schema, table, org_table, name, org_name: string<lenenc>
//                 | fixed_length int<lenenc> (0x0C) | character_set int<2> | column_length int<4>
//                 | type int<1> | flags int<2> | decimals int<1> | reserved int<2>
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset.html
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "binlog/error.h"
#include "binlog/wire/frame_assembler.h"
#include "binlog/wire/packets.h"

namespace ghostcut::binlog {

struct ColumnDefinition {
  std::string schema;
  std::string table;
  std::string org_table;
  std::string name;
  std::string org_name;
  std::uint16_t charset = 0;
  std::uint32_t column_length = 0;
  std::uint8_t type = 0;  // the protocol's MYSQL_TYPE_* byte
  std::uint16_t flags = 0;
  std::uint8_t decimals = 0;
};

[[nodiscard]] Result<ColumnDefinition> parse_column_definition(Bytes payload);

using TextRow = std::vector<std::optional<std::string>>;

struct TextResultSet {
  std::vector<ColumnDefinition> columns;  // empty for a statement without a result set
  std::vector<TextRow> rows;
  OkPacket ok;  // the OK of a statement without a result set

  std::vector<std::string> column_names() const;
  bool has_rows() const noexcept { return !columns.empty(); }
};

// Feed the packets of one COM_QUERY response, one payload at a time.
// on_packet() returns true once the response is complete. An ERR from the server becomes
// Errc::kServerError and server_error() keeps its code and message.
class TextResultSetReader {
 public:
  explicit TextResultSetReader(std::uint32_t capabilities) : deprecate_eof_(capabilities & capability::kDeprecateEof) {}

  [[nodiscard]] Result<bool> on_packet(Bytes payload);
  TextResultSet take() { return std::move(result_); }
  const std::optional<ErrPacket>& server_error() const noexcept { return server_error_; }

 private:
  enum class State { kFirst, kColumns, kColumnEof, kRows, kDone, kFailed };
  Result<bool> fail(Error e);
  Result<bool> on_first(Bytes payload);
  Result<bool> on_row(Bytes payload);

  bool deprecate_eof_;
  State state_ = State::kFirst;
  std::uint64_t column_count_ = 0;
  TextResultSet result_;
  std::optional<ErrPacket> server_error_;
};

// Convenience: all payloads of one response at once.
[[nodiscard]] Result<TextResultSet> parse_text_resultset(std::span<const std::vector<std::uint8_t>> payloads,
                                                         std::uint32_t capabilities);

}  // namespace ghostcut::binlog
