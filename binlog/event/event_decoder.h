// decode_event: RawEvent (header + body, checksum already verified and stripped, see raw_event.h)
// + the current BinlogFormat -> one typed Event. Only decoding happens here: checksums are
// raw_event.h's job, table-map caching table_map_cache.h's, transaction tracking trx_boundary.h's
// (DESIGN section 6: one concern per step). Unknown or undecoded types come back as `Unknown`,
// skipped by their length and never guessed at.
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
#pragma once
#include <string>
#include <variant>

#include "binlog/error.h"
#include "binlog/event/binlog_format.h"
#include "binlog/event/events.h"
#include "binlog/event/raw_event.h"
#include "binlog/event/rows_event.h"
#include "binlog/event/table_map.h"
#include "binlog/event/transaction_payload.h"

namespace ghostcut::binlog {

struct FormatDescription {
  BinlogFormat format;
  bool operator==(const FormatDescription&) const = default;
};

// RowsEvent::rows and (uncompressed) views point into the RawEvent's buffer: keep it alive.
using Event = std::variant<Unknown, FormatDescription, Rotate, Query, Xid, Stop, Heartbeat, Gtid, PreviousGtids,
                           MariaGtid, MariaGtidList, BinlogCheckpoint, AnnotateRows, RowsQuery, Intvar, Rand, UserVar,
                           Incident, TransactionPayload, TableMap, RowsEvent>;

// Errors name the event type and carry the absolute offset (raw.offset + header + body position).
[[nodiscard]] Result<Event> decode_event(const RawEvent& raw, const BinlogFormat& format);

// One-line human summary, e.g. `ROTATE next=binlog.000043 pos=4`, `GTID 3e11...:42`,
// `TABLE_MAP id=88 test.tb1 cols=1`, `WRITE_ROWS_V2 table_id=88 cols=1 rows_bytes=10 flags=0x1`.
// For logs, test output and `ghostcut tail`; not a stable format.
std::string describe(const Event& ev);

}  // namespace ghostcut::binlog
