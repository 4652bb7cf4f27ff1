#include "binlog/event/event_decoder.h"

#include <cstdio>
#include <string>

namespace ghostcut::binlog {
namespace {

Error locate(Error e, const RawEvent& raw, std::size_t header_len) {
  e.context =
      std::string(event_type_name(raw.header.type)) + " event at " + std::to_string(raw.offset) + ": " + e.context;
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

namespace {

std::string short_sql(std::string_view sql) {
  constexpr std::size_t kMax = 200;
  std::string s(sql.substr(0, kMax));
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (sql.size() > kMax) s += "...";
  return s;
}

struct Describer {
  std::string operator()(const Unknown& e) const {
    return std::string(event_type_name(e.type)) + " (type " + std::to_string(static_cast<int>(e.type)) + ", " +
           std::to_string(e.body_size) + " bytes, not decoded)";
  }
  std::string operator()(const FormatDescription& e) const {
    return "FORMAT_DESCRIPTION server=" + e.format.server_version +
           " binlog_version=" + std::to_string(e.format.binlog_version) +
           " checksum=" + (e.format.has_checksum() ? "CRC32" : "NONE");
  }
  std::string operator()(const Rotate& e) const {
    return "ROTATE next=" + e.next_file + " pos=" + std::to_string(e.position);
  }
  std::string operator()(const Query& e) const {
    return std::string(e.compressed ? "QUERY_COMPRESSED" : "QUERY") + " db=" + e.schema +
           " thread=" + std::to_string(e.thread_id) + (e.error_code ? " error=" + std::to_string(e.error_code) : "") +
           " sql=" + short_sql(e.statement);
  }
  std::string operator()(const Xid& e) const { return "XID " + std::to_string(e.xid); }
  std::string operator()(const Stop&) const { return "STOP"; }
  std::string operator()(const Heartbeat& e) const {
    return std::string(e.v2 ? "HEARTBEAT_V2 " : "HEARTBEAT ") + e.log_name + ":" + std::to_string(e.position);
  }
  std::string operator()(const Gtid& e) const {
    std::string s = std::string(event_type_name(e.type)) + " " + e.to_string();
    if (e.sequence_number) {
      s += " last_committed=" + std::to_string(*e.last_committed) + " seq=" + std::to_string(*e.sequence_number);
    }
    return s;
  }
  std::string operator()(const PreviousGtids& e) const { return "PREVIOUS_GTIDS " + e.to_string(); }
  std::string operator()(const MariaGtid& e) const {
    return "MARIADB_GTID " + e.to_string() + (e.standalone() ? " standalone" : "") +
           (e.commit_id ? " commit_id=" + std::to_string(*e.commit_id) : "");
  }
  std::string operator()(const MariaGtidList& e) const {
    std::string s = "GTID_LIST [";
    for (std::size_t i = 0; i < e.gtids.size(); ++i) {
      const auto& g = e.gtids[i];
      s += (i ? "," : "") + std::to_string(g.domain_id) + "-" + std::to_string(g.server_id) + "-" +
           std::to_string(g.seq_no);
    }
    return s + "]";
  }
  std::string operator()(const BinlogCheckpoint& e) const { return "BINLOG_CHECKPOINT " + e.log_name; }
  std::string operator()(const AnnotateRows& e) const { return "ANNOTATE_ROWS " + short_sql(e.statement); }
  std::string operator()(const RowsQuery& e) const { return "ROWS_QUERY " + short_sql(e.statement); }
  std::string operator()(const Intvar& e) const {
    return "INTVAR type=" + std::to_string(e.kind) + " value=" + std::to_string(e.value);
  }
  std::string operator()(const Rand& e) const {
    return "RAND " + std::to_string(e.seed1) + "," + std::to_string(e.seed2);
  }
  std::string operator()(const UserVar& e) const { return "USER_VAR @" + e.name + (e.is_null ? " NULL" : ""); }
  std::string operator()(const Incident& e) const {
    return "INCIDENT type=" + std::to_string(e.kind) + " " + e.message;
  }
  std::string operator()(const TransactionPayload& e) const {
    return "TRANSACTION_PAYLOAD compression=" + std::to_string(e.compression_type) +
           " size=" + std::to_string(e.payload_size) + " uncompressed=" + std::to_string(e.uncompressed_size);
  }
  std::string operator()(const TableMap& e) const {
    return "TABLE_MAP id=" + std::to_string(e.table_id) + " " + e.schema + "." + e.table +
           " cols=" + std::to_string(e.column_count());
  }
  std::string operator()(const RowsEvent& e) const {
    char flags[8];
    std::snprintf(flags, sizeof flags, "%x", e.flags);
    return std::string(event_type_name(e.type)) + " table_id=" + std::to_string(e.table_id) +
           " cols=" + std::to_string(e.column_count) + " rows_bytes=" + std::to_string(e.rows.size()) + " flags=0x" +
           flags;
  }
};

}  // namespace

std::string describe(const Event& ev) { return std::visit(Describer{}, ev); }

}  // namespace ghostcut::binlog
