// WRITE/UPDATE/DELETE_ROWS events, v1 (MariaDB, 5.x) and v2 (MySQL 5.6+), PARTIAL_UPDATE_ROWS,
// and MariaDB's compressed rows events (decompressed here, so `rows` may point into `owned`).
// Layout:
//   post-header: table_id (6 bytes, or 4 when post_header_len == 6), flags u16,
//                v2 only: extra_len u16 (includes itself) + extra data (extra_len - 2 bytes)
//   body: ncols lenenc, columns-present bitmap ((ncols+7)/8),
//         UPDATE/PARTIAL only: second columns-present bitmap (after image),
//         rows: repeated [null bitmap over present columns][values] (UPDATE: before then after image)
// https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Rows__event.html
#pragma once
#include <cstdint>
#include <vector>

#include "binlog/error.h"
#include "binlog/event/event_type.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

enum class RowsKind : std::uint8_t { kWrite, kUpdate, kDelete, kPartialUpdate };

struct RowsEvent {
  EventType type = EventType::kUnknown;  // as written (e.g. kWriteRowsV2, kMariaUpdateRowsCompressedV1)
  RowsKind kind = RowsKind::kWrite;
  std::uint8_t version = 2;  // 1 or 2
  std::uint64_t table_id = 0;
  std::uint16_t flags = 0;  // 0x0001 = STMT_END_F (last rows event of the statement)
  std::uint64_t column_count = 0;
  std::vector<bool> columns_present;        // before image (or the only image)
  std::vector<bool> columns_present_after;  // UPDATE / PARTIAL_UPDATE only
  Bytes extra_data;                         // v2 extra data (may be empty)
  Bytes rows;                               // row images, to be read by RowDecoder
  std::vector<std::uint8_t> owned;          // backing storage when `rows` was decompressed

  bool end_of_statement() const noexcept { return (flags & 0x0001) != 0; }
};

// True for every rows event type parse_rows_event accepts (20-25, 30-32, 39, MariaDB 166-171).
bool is_rows_event(EventType type) noexcept;

// Parses a rows event body (common header removed, checksum stripped). The returned `rows`
// points into `body` unless the event was compressed (then into `owned`; moving the RowsEvent is safe,
// copying a compressed one is not: `rows` would still point into the original's `owned`).
Result<RowsEvent> parse_rows_event(EventType type, Bytes body, std::uint8_t post_header_len);

}  // namespace ghostcut::binlog
