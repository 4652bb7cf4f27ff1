#include "binlog/row/change_decoder.h"

#include <algorithm>

namespace ghostcut::binlog {

ChangeDecoder::ChangeDecoder(TableFilter filter, ColumnsLookup lookup)
    : filter_(std::move(filter)), lookup_(std::move(lookup)) {}

std::vector<std::string> ChangeDecoder::column_names(const TableMap& map) const {
  if (lookup_) {
    if (const TableColumns* cols = lookup_(map); cols && cols->names.size() == map.column_count()) return cols->names;
  }
  std::vector<std::string> names;
  names.reserve(map.column_count());
  for (std::size_t i = 0; i < map.column_count(); ++i) names.push_back(map.column_name(i));
  return names;
}

Result<DecodedEvent> ChangeDecoder::decode(Bytes event) {
  auto raw = make_raw_event(event, format_, 0);
  if (!raw) return raw.error();
  return decode(*raw);
}

Result<DecodedEvent> ChangeDecoder::decode(const RawEvent& raw) {
  DecodedEvent out;
  if (auto r = decode(raw, out); !r) return r.error();
  return out;
}

Result<void> ChangeDecoder::decode(Bytes event, DecodedEvent& out) {
  auto raw = make_raw_event(event, format_, 0);
  if (!raw) return raw.error();
  return decode(*raw, out);
}

Result<void> ChangeDecoder::decode(const RawEvent& raw, DecodedEvent& out) {
  out.rows.clear();
  out.inner_queries.clear();
  out.trx = TrxStep::kOutside;
  out.header = raw.header;
  // Live events say where they end (log_pos); file events know their offset. Artificial
  // events and heartbeats do not move the position.
  const bool moves = raw.header.log_pos != 0 && !raw.header.is_artificial() &&
                     raw.header.type != EventType::kHeartbeat && raw.header.type != EventType::kHeartbeatV2;
  std::uint64_t start = position_.offset;
  std::uint64_t end = position_.offset;
  if (raw.offset != 0) {  // from a file reader: the offset is exact
    start = raw.offset;
    end = raw.end_offset();
  } else if (moves) {
    end = raw.header.log_pos;
    start = end >= raw.header.event_size ? end - raw.header.event_size : 0;
  }
  out.start.file = position_.file;  // assigned, not constructed: keeps the buffer it has
  out.start.offset = start;

  auto ev = decode_event(raw, format_);
  if (!ev) {
    Error e = ev.error();
    e.context = std::string(event_type_name(raw.header.type)) + " event at " + out.start.to_string() + ": " + e.context;
    return e;
  }
  out.event = std::move(*ev);

  if (const auto* fde = std::get_if<FormatDescription>(&out.event)) format_ = fde->format;
  maps_.observe(out.event);

  // A live stream follows ROTATE to the next file. A file read from disk keeps its own name and
  // offsets: a relay log's ROTATEs name the source's files, whose offsets differ from ours.
  if (const auto* rot = std::get_if<Rotate>(&out.event); rot && raw.offset == 0) {
    position_ = BinlogPosition{rot->next_file, rot->position};
    out.end = position_;
    out.trx = TrxStep::kOutside;
    return {};
  }
  // The position only moves forward (a resumed dump re-sends its FDE with log_pos 0, but be safe).
  if (raw.offset != 0) position_.offset = end;
  else if (moves) position_.offset = std::max<std::uint64_t>(position_.offset, end);
  out.end = position_;
  out.trx = trx_.on_event(out.event, end);

  if (const auto* rows = std::get_if<RowsEvent>(&out.event)) {
    if (auto r = decode_rows_into(*rows, out.start, out.rows); !r) return r.error();
  } else if (const auto* payload = std::get_if<TransactionPayload>(&out.event)) {
    if (auto r = decode_payload(*payload, out); !r) return r.error();
  }
  return {};
}

Result<void> ChangeDecoder::decode_rows_into(const RowsEvent& rows, const BinlogPosition& at,
                                             std::vector<RowChange>& out) {
  const TableMap* map = maps_.find(rows.table_id);
  if (!map) {
    return Error(Errc::kMissingTableMap, "rows event for table_id " + std::to_string(rows.table_id) + " at " +
                                             at.to_string() + " without a preceding TABLE_MAP");
  }
  if (filter_ && !filter_(map->schema, map->table)) return {};
  const TableColumns* cols = lookup_ ? lookup_(*map) : nullptr;
  static const ColumnSigns kNoSigns;
  auto pairs = decode_rows(rows, *map, cols ? cols->signs : kNoSigns);
  if (!pairs) {
    Error e = pairs.error();
    e.context = "rows of `" + map->schema + "`.`" + map->table + "` at " + at.to_string() + ": " + e.context;
    return e;
  }
  out.reserve(out.size() + pairs->size());
  for (auto& p : *pairs) {
    RowChange c;
    c.kind = rows.kind;
    c.schema = map->schema;
    c.table = map->table;
    c.before = std::move(p.before);
    c.after = std::move(p.after);
    c.position = at;
    out.push_back(std::move(c));
  }
  return {};
}

Result<void> ChangeDecoder::decode_payload(const TransactionPayload& payload, DecodedEvent& out) {
  auto inner = split_payload_events(payload, format_.header_len);
  if (!inner) {
    Error e = inner.error();
    e.context = "TRANSACTION_PAYLOAD at " + out.start.to_string() + ": " + e.context;
    return e;
  }
  for (const RawEvent& raw : *inner) {
    auto ev = decode_event(raw, format_);
    if (!ev) {
      Error e = ev.error();
      e.context = "event inside TRANSACTION_PAYLOAD at " + out.start.to_string() + ": " + e.context;
      return e;
    }
    maps_.observe(*ev);
    if (const auto* rows = std::get_if<RowsEvent>(&*ev)) {
      // Inner events have no position of their own: they belong to the payload's.
      if (auto r = decode_rows_into(*rows, out.start, out.rows); !r) return r;
    } else if (auto* q = std::get_if<Query>(&*ev)) {
      out.inner_queries.push_back(std::move(*q));
    }
  }
  return {};
}

}  // namespace ghostcut::binlog
