// Decodes the row images of a RowsEvent into typed Values, using its TableMap.
// Signedness: the binlog does not carry it unless optional metadata (SIGNEDNESS) does,
// so the caller may pass per-column unsigned flags from the table schema; they win over the
// binlog's own metadata. With neither, integers decode as signed.
#pragma once
#include <optional>
#include <span>
#include <vector>

#include "binlog/error.h"
#include "binlog/event/rows_event.h"
#include "binlog/event/table_map.h"
#include "binlog/row/value.h"

namespace ghostcut::binlog {

// One row of a rows event: WRITE has only `after`, DELETE only `before`, UPDATE both.
struct RowPair {
  std::optional<RowImage> before;
  std::optional<RowImage> after;
  bool operator==(const RowPair&) const = default;
};

struct ColumnSigns {
  std::vector<bool> is_unsigned;  // per column; empty = use the binlog's SIGNEDNESS metadata if any
};

// Decodes every row of `ev`. Fails (never crashes) on truncated or inconsistent bytes,
// naming the row and column.
Result<std::vector<RowPair>> decode_rows(const RowsEvent& ev, const TableMap& map, const ColumnSigns& signs = {});

// Same, into `rows`, reusing the RowPairs already there (their vectors keep their buffers), so
// a caller that keeps one vector across events decodes with few allocations. String values are
// views into one copy of the event's row images that they share (BytesValue, value.h).
// On return `rows` holds exactly the decoded rows; on error, the rows decoded so far (the last
// one partly filled).
Result<void> decode_rows_into(const RowsEvent& ev, const TableMap& map, const ColumnSigns& signs,
                              std::vector<RowPair>& rows);

// Decodes one value of `type`/`meta` from `r` (exposed for unit tests of each type).
Result<Value> decode_value(ByteReader& r, ColumnType type, std::uint16_t meta, bool is_unsigned);

}  // namespace ghostcut::binlog
