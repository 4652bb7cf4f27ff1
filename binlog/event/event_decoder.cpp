#include "binlog/event/event_decoder.h"

namespace ghostcut::binlog {
namespace {

Error locate(Error e, const RawEvent& raw, std::size_t header_len) {
  e.context = std::string(event_type_name(raw.header.type)) + " event at " + std::to_string(raw.offset) + ": " +
              e.context;
  e.offset += raw.offset + header_len;
  return e;
}

template <class T>
Result<Event> wrap(Result<T> r, const RawEvent& raw, std::size_t header_len) {
  if (!r) return locate(r.error(), raw, header_len);
  return Event(std::move(r).value());
}

}  // namespace

Result<Event> decode_event(const RawEvent& raw, const BinlogFormat& format) {
  const EventType type = raw.header.type;
  const Bytes body = raw.body;
  const std::uint8_t phl = format.post_header_len(type);
  const std::size_t hl = type == EventType::kFormatDescription ? kEventHeaderLen : format.header_len;
  if (is_rows_event(type)) return wrap(parse_rows_event(type, body, phl), raw, hl);
  switch (type) {
    case EventType::kFormatDescription: {
      auto f = parse_format_description(body);
      if (!f) return locate(f.error(), raw, hl);
      return Event(FormatDescription{std::move(*f)});
    }
    case EventType::kRotate: return wrap(parse_rotate(body, phl), raw, hl);
    case EventType::kQuery: return wrap(parse_query(body, phl), raw, hl);
    case EventType::kMariaQueryCompressed: return wrap(parse_query(body, phl, true), raw, hl);
    case EventType::kXid: return wrap(parse_xid(body), raw, hl);
    case EventType::kStop: return Event(Stop{});
    case EventType::kHeartbeat: return wrap(parse_heartbeat(body, raw.header.log_pos), raw, hl);
    case EventType::kHeartbeatV2: return wrap(parse_heartbeat_v2(body), raw, hl);
    case EventType::kGtid:
    case EventType::kAnonymousGtid: return wrap(parse_gtid(type, body), raw, hl);
    case EventType::kGtidTagged: return wrap(parse_gtid_tagged(body), raw, hl);
    case EventType::kPreviousGtids: return wrap(parse_previous_gtids(body), raw, hl);
    case EventType::kMariaGtid: return wrap(parse_maria_gtid(body, raw.header.server_id), raw, hl);
    case EventType::kMariaGtidList: return wrap(parse_maria_gtid_list(body), raw, hl);
    case EventType::kMariaBinlogCheckpoint: return wrap(parse_binlog_checkpoint(body), raw, hl);
    case EventType::kMariaAnnotateRows: return wrap(parse_annotate_rows(body), raw, hl);
    case EventType::kRowsQuery: return wrap(parse_rows_query(body), raw, hl);
    case EventType::kIntvar: return wrap(parse_intvar(body), raw, hl);
    case EventType::kRand: return wrap(parse_rand(body), raw, hl);
    case EventType::kUserVar: return wrap(parse_user_var(body), raw, hl);
    case EventType::kIncident: return wrap(parse_incident(body), raw, hl);
    case EventType::kTransactionPayload: return wrap(parse_transaction_payload(body), raw, hl);
    case EventType::kTableMap: return wrap(parse_table_map(body, phl), raw, hl);
    default: return Event(Unknown{type, body.size()});
  }
}

}  // namespace ghostcut::binlog
