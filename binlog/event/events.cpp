#include "binlog/event/events.h"

#include <algorithm>
#include <bit>
#include <cctype>

#include "binlog/event/decompress.h"

namespace ghostcut::binlog {
namespace {

Error truncated(std::string_view event, std::string_view field, const ByteReader& r) {
  return Error(Errc::kTruncated, std::string(event) + " " + std::string(field), r.pos());
}

// Case-insensitive "statement starts with word" (ignoring leading blanks).
bool starts_with_word(std::string_view s, std::string_view word) {
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  if (s.size() - i < word.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    if (std::toupper(static_cast<unsigned char>(s[i + k])) != word[k]) return false;
  }
  const std::size_t end = i + word.size();
  return end == s.size() || !std::isalnum(static_cast<unsigned char>(s[end]));
}

void append_hex(std::string& out, const std::uint8_t* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 0xf];
  }
}

}  // namespace

std::string uuid_to_string(const Uuid& u) {
  std::string s;
  s.reserve(36);
  append_hex(s, u.data(), 4);
  s += '-';
  append_hex(s, u.data() + 4, 2);
  s += '-';
  append_hex(s, u.data() + 6, 2);
  s += '-';
  append_hex(s, u.data() + 8, 2);
  s += '-';
  append_hex(s, u.data() + 10, 6);
  return s;
}

namespace detail {

std::uint64_t read_varlen_uint(ByteReader& r) noexcept {
  if (r.remaining() == 0) {
    r.fail();
    return 0;
  }
  const std::uint8_t first = r.data()[r.pos()];
  const unsigned n = static_cast<unsigned>(std::countr_one(first)) + 1;  // 1..9
  if (n == 9) {
    r.skip(1);
    return r.u64();
  }
  return r.uint_le(n) >> n;
}

std::int64_t read_varlen_int(ByteReader& r) noexcept {
  const std::uint64_t u = read_varlen_uint(r);
  // zig-zag: LSB is the sign.
  return (u & 1) ? -static_cast<std::int64_t>(u >> 1) - 1 : static_cast<std::int64_t>(u >> 1);
}

}  // namespace detail

bool Query::is_begin() const noexcept { return starts_with_word(statement, "BEGIN"); }
bool Query::is_commit() const noexcept { return starts_with_word(statement, "COMMIT"); }
bool Query::is_rollback() const noexcept { return starts_with_word(statement, "ROLLBACK"); }

std::string Gtid::to_string() const {
  std::string s = uuid_to_string(sid);
  if (!tag.empty()) s += ":" + tag;
  return s + ":" + std::to_string(gno);
}

std::string PreviousGtids::to_string() const {
  std::string s;
  for (const auto& e : sids) {
    if (!s.empty()) s += ',';
    s += uuid_to_string(e.sid);
    if (!e.tag.empty()) s += ":" + e.tag;
    for (const auto& iv : e.intervals) {
      s += ':' + std::to_string(iv.start);
      if (iv.end > iv.start + 1) s += '-' + std::to_string(iv.end - 1);
    }
  }
  return s;
}

std::string MariaGtid::to_string() const {
  return std::to_string(domain_id) + "-" + std::to_string(server_id) + "-" + std::to_string(seq_no);
}

Result<Rotate> parse_rotate(Bytes body, std::uint8_t post_header_len) {
  ByteReader r(body);
  Rotate ev;
  // Binlog v1 had no position field; v3+ always 8 bytes.
  if (post_header_len >= 8 || post_header_len == 0) ev.position = r.u64();
  if (!r.ok()) return truncated("ROTATE", "position", r);
  ev.next_file = std::string(r.rest_str());
  return ev;
}

Result<Query> parse_query(Bytes body, std::uint8_t post_header_len, bool compressed) {
  const char* name = compressed ? "QUERY_COMPRESSED" : "QUERY";
  ByteReader r(body);
  Query ev;
  ev.compressed = compressed;
  ev.thread_id = r.u32();
  ev.exec_time = r.u32();
  const std::uint8_t db_len = r.u8();
  ev.error_code = r.u16();
  if (!r.ok()) return truncated(name, "post-header", r);
  std::uint16_t status_len = 0;
  if (post_header_len >= 13 || post_header_len == 0) {
    status_len = r.u16();
    if (!r.ok()) return truncated(name, "status_vars_len", r);
  }
  // Skip any post-header bytes a newer server added.
  if (post_header_len > 13) r.skip(post_header_len - 13u);
  if (!r.ok()) return truncated(name, "post-header", r);
  const Bytes status = r.bytes(status_len);
  if (!r.ok()) {
    return Error(Errc::kTruncated,
                 std::string(name) + " status vars: want " + std::to_string(status_len) + " bytes, have " +
                     std::to_string(body.size() - r.pos()),
                 r.pos());
  }
  ev.status_vars.assign(status.begin(), status.end());
  ev.schema = std::string(r.str(db_len));
  if (!r.ok()) return truncated(name, "db name", r);
  if (r.u8() != 0 || !r.ok()) {
    if (!r.ok()) return truncated(name, "db name terminator", r);
    return Error(Errc::kBadValue, std::string(name) + " db name not NUL-terminated", r.pos() - 1);
  }
  if (compressed) {
    const std::size_t at = r.pos();
    auto inflated = detail::mariadb_uncompress(r.rest());
    if (!inflated) {
      Error e = inflated.error();
      e.context = std::string(name) + " statement: " + e.context;
      e.offset += at;
      return e;
    }
    ev.statement.assign(inflated->begin(), inflated->end());
  } else {
    ev.statement = std::string(r.rest_str());
  }
  return ev;
}

Result<Xid> parse_xid(Bytes body) {
  ByteReader r(body);
  Xid ev{r.u64()};
  if (!r.ok()) return truncated("XID", "xid", r);
  return ev;
}

Result<Heartbeat> parse_heartbeat(Bytes body, std::uint32_t log_pos) {
  Heartbeat ev;
  ev.log_name = std::string(as_chars(body));
  ev.position = log_pos;
  return ev;
}

Result<Heartbeat> parse_heartbeat_v2(Bytes body) {
  ByteReader r(body);
  Heartbeat ev;
  ev.v2 = true;
  while (r.remaining() > 0) {
    const std::uint64_t type = r.lenenc();
    if (!r.ok()) return truncated("HEARTBEAT_V2", "field type", r);
    if (type == 0) break;  // header end mark
    const std::uint64_t len = r.lenenc();
    if (!r.ok() || len > r.remaining()) return truncated("HEARTBEAT_V2", "field length", r);
    ByteReader v(r.bytes(static_cast<std::size_t>(len)));
    if (type == 1) {
      ev.log_name = std::string(v.rest_str());
    } else if (type == 2) {
      ev.position = v.lenenc();
      if (!v.ok()) return Error(Errc::kTruncated, "HEARTBEAT_V2 position", r.pos());
    }  // other fields: skipped by length
  }
  return ev;
}

Result<Gtid> parse_gtid(EventType type, Bytes body) {
  const std::string name(event_type_name(type));
  ByteReader r(body);
  Gtid ev;
  ev.type = type;
  ev.flags = r.u8();
  const Bytes sid = r.bytes(16);
  ev.gno = r.u64();
  if (!r.ok()) return truncated(name, "flags/sid/gno", r);
  std::copy(sid.begin(), sid.end(), ev.sid.begin());
  if (r.remaining() == 0) return ev;  // 5.6
  constexpr std::uint8_t kLogicalTimestampTypecode = 2;
  if (r.u8() != kLogicalTimestampTypecode) return ev;  // <= 5.7.4 used another layout; nothing we need
  ev.last_committed = r.u64();
  ev.sequence_number = r.u64();
  if (!r.ok()) return truncated(name, "logical timestamps", r);
  if (r.remaining() == 0) return ev;  // 5.7
  std::uint64_t ts = r.uint_le(7);
  if (!r.ok()) return truncated(name, "immediate_commit_timestamp", r);
  constexpr std::uint64_t kHighBit56 = std::uint64_t{1} << 55;
  if (ts & kHighBit56) {
    ts &= ~kHighBit56;
    ev.original_commit_timestamp = r.uint_le(7);
    if (!r.ok()) return truncated(name, "original_commit_timestamp", r);
  } else {
    ev.original_commit_timestamp = ts;
  }
  ev.immediate_commit_timestamp = ts;
  if (r.remaining() == 0) return ev;
  ev.transaction_length = r.lenenc();
  if (!r.ok()) return truncated(name, "transaction_length", r);
  if (r.remaining() == 0) return ev;
  std::uint32_t v = r.u32();
  if (!r.ok()) return truncated(name, "immediate_server_version", r);
  if (v & 0x80000000u) {
    v &= 0x7fffffffu;
    ev.original_server_version = r.u32();
    if (!r.ok()) return truncated(name, "original_server_version", r);
  } else {
    ev.original_server_version = v;
  }
  ev.immediate_server_version = v;
  return ev;
}

Result<Gtid> parse_gtid_tagged(Bytes body) {
  ByteReader r(body);
  Gtid ev;
  ev.type = EventType::kGtidTagged;
  const std::uint8_t version = r.u8();
  if (!r.ok()) return truncated("GTID_TAGGED", "serialization version", r);
  if (version != 2) {
    return Error(Errc::kUnsupported, "GTID_TAGGED serialization version " + std::to_string(version), 0);
  }
  const std::uint64_t payload_size = detail::read_varlen_uint(r);
  if (!r.ok()) return truncated("GTID_TAGGED", "payload size", r);
  const std::uint64_t last_non_ignorable = detail::read_varlen_uint(r);
  if (!r.ok()) return truncated("GTID_TAGGED", "last non-ignorable field id", r);
  // payload_size counts every byte from the version byte on.
  if (payload_size < r.pos() || payload_size > body.size()) {
    return Error(Errc::kBadLength,
                 "GTID_TAGGED payload size " + std::to_string(payload_size) + " with " + std::to_string(body.size()) +
                     " bytes in the event",
                 1);
  }
  ByteReader f(body.subspan(r.pos(), static_cast<std::size_t>(payload_size) - r.pos()));
  const std::size_t base = r.pos();
  bool have_original_ts = false;
  bool have_original_version = false;
  auto fail = [&](std::string_view field) {
    return Error(Errc::kTruncated, "GTID_TAGGED " + std::string(field), base + f.pos());
  };
  while (f.remaining() > 0) {
    const std::uint64_t id = detail::read_varlen_uint(f);
    if (!f.ok()) return fail("field id");
    switch (id) {
      case 0: {
        const std::uint64_t v = detail::read_varlen_uint(f);
        if (!f.ok()) return fail("flags");
        ev.flags = static_cast<std::uint8_t>(v);
        break;
      }
      case 1:
        for (auto& b : ev.sid) {
          const std::uint64_t v = detail::read_varlen_uint(f);
          if (!f.ok()) return fail("sid");
          if (v > 0xff) return Error(Errc::kBadValue, "GTID_TAGGED sid byte out of range", base + f.pos());
          b = static_cast<std::uint8_t>(v);
        }
        break;
      case 2: {
        const std::int64_t v = detail::read_varlen_int(f);
        if (!f.ok()) return fail("gno");
        if (v < 0) return Error(Errc::kBadValue, "GTID_TAGGED negative gno", base + f.pos());
        ev.gno = static_cast<std::uint64_t>(v);
        break;
      }
      case 3: {
        const std::uint64_t len = detail::read_varlen_uint(f);
        if (!f.ok() || len > f.remaining()) return fail("tag");
        ev.tag = std::string(f.str(static_cast<std::size_t>(len)));
        break;
      }
      case 4:
      case 5: {
        const std::int64_t v = detail::read_varlen_int(f);
        if (!f.ok()) return fail(id == 4 ? "last_committed" : "sequence_number");
        (id == 4 ? ev.last_committed : ev.sequence_number) = static_cast<std::uint64_t>(v);
        break;
      }
      case 6: ev.immediate_commit_timestamp = detail::read_varlen_uint(f); break;
      case 7:
        ev.original_commit_timestamp = detail::read_varlen_uint(f);
        have_original_ts = true;
        break;
      case 8: ev.transaction_length = detail::read_varlen_uint(f); break;
      case 9: ev.immediate_server_version = static_cast<std::uint32_t>(detail::read_varlen_uint(f)); break;
      case 10:
        ev.original_server_version = static_cast<std::uint32_t>(detail::read_varlen_uint(f));
        have_original_version = true;
        break;
      case 11: ev.commit_group_ticket = detail::read_varlen_uint(f); break;
      default:
        // Unknown fields have no self-describing length: fatal if the writer said we must
        // understand them, otherwise stop reading (the rest is ignorable).
        if (id <= last_non_ignorable) {
          return Error(Errc::kUnsupported, "GTID_TAGGED unknown non-ignorable field " + std::to_string(id),
                       base + f.pos());
        }
        f.skip(f.remaining());
        break;
    }
    if (!f.ok()) return fail("field " + std::to_string(id));
  }
  if (!have_original_ts) ev.original_commit_timestamp = ev.immediate_commit_timestamp;
  if (!have_original_version) ev.original_server_version = ev.immediate_server_version;
  return ev;
}

Result<PreviousGtids> parse_previous_gtids(Bytes body) {
  ByteReader r(body);
  PreviousGtids ev;
  const std::uint64_t head = r.u64();
  if (!r.ok()) return truncated("PREVIOUS_GTIDS", "n_sids", r);
  std::uint64_t n_sids = head;
  if ((head >> 56) == 1) {
    ev.tagged_format = true;
    n_sids = (head >> 8) & 0xffffffffffffULL;
  } else if ((head >> 56) != 0) {
    return Error(Errc::kUnsupported, "PREVIOUS_GTIDS format " + std::to_string(head >> 56), 7);
  }
  // Each sid needs at least 24 bytes: refuse counts the body cannot hold before allocating.
  if (n_sids > r.remaining() / 24) {
    return Error(Errc::kTruncated, "PREVIOUS_GTIDS: " + std::to_string(n_sids) + " sids do not fit", r.pos());
  }
  for (std::uint64_t i = 0; i < n_sids; ++i) {
    GtidSetEntry e;
    const Bytes sid = r.bytes(16);
    if (!r.ok()) return truncated("PREVIOUS_GTIDS", "sid " + std::to_string(i), r);
    std::copy(sid.begin(), sid.end(), e.sid.begin());
    if (ev.tagged_format) {
      const std::uint64_t len = detail::read_varlen_uint(r);
      if (!r.ok() || len > r.remaining()) return truncated("PREVIOUS_GTIDS", "tag of sid " + std::to_string(i), r);
      e.tag = std::string(r.str(static_cast<std::size_t>(len)));
    }
    const std::uint64_t n_iv = r.u64();
    if (!r.ok()) return truncated("PREVIOUS_GTIDS", "n_intervals of sid " + std::to_string(i), r);
    if (n_iv > r.remaining() / 16) {
      return Error(Errc::kTruncated,
                   "PREVIOUS_GTIDS: " + std::to_string(n_iv) + " intervals of sid " + std::to_string(i) + " do not fit",
                   r.pos());
    }
    for (std::uint64_t k = 0; k < n_iv; ++k) {
      GtidInterval iv;
      iv.start = r.u64();
      iv.end = r.u64();
      e.intervals.push_back(iv);
    }
    ev.sids.push_back(std::move(e));
  }
  return ev;
}

Result<MariaGtid> parse_maria_gtid(Bytes body, std::uint32_t server_id) {
  ByteReader r(body);
  MariaGtid ev;
  ev.server_id = server_id;
  ev.seq_no = r.u64();
  ev.domain_id = r.u32();
  ev.flags = r.u8();
  if (!r.ok()) return truncated("MARIADB_GTID", "seq_no/domain_id/flags", r);
  if (ev.flags & MariaGtid::kFlGroupCommitId) {
    ev.commit_id = r.u64();
    if (!r.ok()) return truncated("MARIADB_GTID", "commit_id", r);
  }
  // XA xid / extra flags follow in newer servers; not needed to find transaction boundaries.
  return ev;
}

Result<MariaGtidList> parse_maria_gtid_list(Bytes body) {
  ByteReader r(body);
  MariaGtidList ev;
  const std::uint32_t word = r.u32();
  if (!r.ok()) return truncated("GTID_LIST", "count", r);
  const std::uint32_t count = word & 0x0fffffffu;
  ev.flags = static_cast<std::uint8_t>(word >> 28);
  if (count > r.remaining() / 16) {
    return Error(Errc::kTruncated, "GTID_LIST: " + std::to_string(count) + " entries do not fit", r.pos());
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    MariaGtidListEntry e;
    e.domain_id = r.u32();
    e.server_id = r.u32();
    e.seq_no = r.u64();
    ev.gtids.push_back(e);
  }
  return ev;
}

Result<BinlogCheckpoint> parse_binlog_checkpoint(Bytes body) {
  ByteReader r(body);
  const std::uint32_t len = r.u32();
  if (!r.ok()) return truncated("BINLOG_CHECKPOINT", "name length", r);
  BinlogCheckpoint ev;
  ev.log_name = std::string(r.str(len));
  if (!r.ok()) return truncated("BINLOG_CHECKPOINT", "name", r);
  return ev;
}

Result<AnnotateRows> parse_annotate_rows(Bytes body) { return AnnotateRows{std::string(as_chars(body))}; }

Result<RowsQuery> parse_rows_query(Bytes body) {
  ByteReader r(body);
  r.u8();  // length byte: truncated to 255 by the server, so the rest of the event is the truth
  if (!r.ok()) return truncated("ROWS_QUERY", "length", r);
  return RowsQuery{std::string(r.rest_str())};
}

Result<Intvar> parse_intvar(Bytes body) {
  ByteReader r(body);
  Intvar ev;
  ev.kind = r.u8();
  ev.value = r.u64();
  if (!r.ok()) return truncated("INTVAR", "type/value", r);
  return ev;
}

Result<Rand> parse_rand(Bytes body) {
  ByteReader r(body);
  Rand ev;
  ev.seed1 = r.u64();
  ev.seed2 = r.u64();
  if (!r.ok()) return truncated("RAND", "seeds", r);
  return ev;
}

Result<UserVar> parse_user_var(Bytes body) {
  ByteReader r(body);
  UserVar ev;
  const std::uint32_t name_len = r.u32();
  if (!r.ok()) return truncated("USER_VAR", "name length", r);
  ev.name = std::string(r.str(name_len));
  if (!r.ok()) return truncated("USER_VAR", "name", r);
  ev.is_null = r.u8() != 0;
  if (!r.ok()) return truncated("USER_VAR", "is_null", r);
  if (ev.is_null) return ev;
  ev.value_type = r.u8();
  ev.charset = r.u32();
  const std::uint32_t len = r.u32();
  if (!r.ok()) return truncated("USER_VAR", "type/charset/length", r);
  ev.value = std::string(r.str(len));
  if (!r.ok()) return truncated("USER_VAR", "value", r);
  if (r.remaining() > 0) ev.flags = r.u8();
  return ev;
}

Result<Incident> parse_incident(Bytes body) {
  ByteReader r(body);
  Incident ev;
  ev.kind = r.u16();
  if (!r.ok()) return truncated("INCIDENT", "type", r);
  const std::uint8_t len = r.u8();
  if (!r.ok()) return truncated("INCIDENT", "message length", r);
  ev.message = std::string(r.str(len));
  if (!r.ok()) return truncated("INCIDENT", "message", r);
  return ev;
}

}  // namespace ghostcut::binlog
