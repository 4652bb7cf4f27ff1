// ChangeDecoder: the one pipeline from whole binlog events to row changes, shared by the live
// stream and the offline file reader, so a capture replays through the very same code.
// Steps, each in its own place: checksum + header (raw_event.h) → typed event (event_decoder.h)
// → table-map cache → transaction boundary → rows of the tables asked for (row_decoder.h).
// It also tracks the position: ROTATE (incl. the dump's artificial first one) names the file,
// and each event's end offset moves it forward.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "binlog/error.h"
#include "binlog/event/binlog_format.h"
#include "binlog/event/event_decoder.h"
#include "binlog/event/raw_event.h"
#include "binlog/event/table_map_cache.h"
#include "binlog/event/trx_boundary.h"
#include "binlog/position.h"
#include "binlog/row/row_decoder.h"

namespace ghostcut::binlog {

// What the caller knows about a table that the binlog may not carry.
struct TableColumns {
  std::vector<std::string> names;  // empty = use optional metadata names or "@1", "@2", …
  ColumnSigns signs;               // empty = use SIGNEDNESS metadata or signed
};

struct RowChange {
  RowsKind kind = RowsKind::kWrite;  // kWrite / kUpdate / kDelete (kPartialUpdate for JSON diffs)
  std::string schema;
  std::string table;
  std::optional<RowImage> before;
  std::optional<RowImage> after;
  BinlogPosition position;  // start of the rows event that carried this row
};

struct DecodedEvent {
  EventHeader header;
  BinlogPosition start;  // where the event begins
  BinlogPosition end;    // just after it (a safe resume point only when trx == kEnded)
  Event event;           // views point into the event's bytes: keep them alive while using this
  TrxStep trx = TrxStep::kOutside;
  std::vector<RowChange> rows;       // rows of accepted tables (also from inside a TRANSACTION_PAYLOAD)
  std::vector<Query> inner_queries;  // QUERY events inside a TRANSACTION_PAYLOAD (DDL detection)
};

class ChangeDecoder {
 public:
  // Which tables' rows to decode; others are skipped without decoding their values.
  using TableFilter = std::function<bool(std::string_view schema, std::string_view table)>;
  // Column names and signedness for a table (may return nullptr). Called once per TABLE_MAP.
  using ColumnsLookup = std::function<const TableColumns*(const TableMap&)>;

  explicit ChangeDecoder(TableFilter filter = {}, ColumnsLookup lookup = {});

  // Sets the position before the first event (offline: the file name; live: the dump start).
  void set_position(BinlogPosition pos) { position_ = std::move(pos); }
  // The format before the first FORMAT_DESCRIPTION: a dump's artificial ROTATE comes first and
  // already carries a CRC32 when the source checksums its binlog.
  void set_format(BinlogFormat format) { format_ = std::move(format); }
  const BinlogPosition& position() const noexcept { return position_; }
  const BinlogFormat& format() const noexcept { return format_; }
  const TableMapCache& table_maps() const noexcept { return maps_; }
  const TrxBoundary& trx() const noexcept { return trx_; }

  // One whole event as written (header + body + checksum if the stream has them).
  [[nodiscard]] Result<DecodedEvent> decode(Bytes event);
  // An event already split and verified (the file reader does that itself).
  [[nodiscard]] Result<DecodedEvent> decode(const RawEvent& raw);
  // decode(), into `out`, reusing its buffers (the positions' file names are not allocated
  // again for every event): for a caller that decodes one event after another. On error `out`
  // is left partly filled.
  [[nodiscard]] Result<void> decode(Bytes event, DecodedEvent& out);
  [[nodiscard]] Result<void> decode(const RawEvent& raw, DecodedEvent& out);

  // Column names for a table map: the caller's, else optional metadata, else "@1".."@n".
  std::vector<std::string> column_names(const TableMap& map) const;

 private:
  Result<void> decode_rows_into(const RowsEvent& rows, const BinlogPosition& at, std::vector<RowChange>& out);
  Result<void> decode_payload(const TransactionPayload& payload, DecodedEvent& out);

  TableFilter filter_;
  ColumnsLookup lookup_;
  BinlogFormat format_ = default_binlog_format();
  TableMapCache maps_;
  TrxBoundary trx_;
  BinlogPosition position_;
};

}  // namespace ghostcut::binlog
