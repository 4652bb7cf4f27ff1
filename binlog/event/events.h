// Typed bodies of the non-row events, and their parsers. Each parser takes the event body
// (after the common header, checksum stripped) and, where the layout depends on it, the
// post-header length the FORMAT_DESCRIPTION announced for that type. Layouts:
//   ROTATE (4):        position u64 | next file name (rest)
//   QUERY (2):         thread_id u32 | exec_time u32 | db_len u8 | error_code u16 |
//                      status_vars_len u16 (v4 only) | status vars | db | 0x00 | statement (rest)
//   QUERY_COMPRESSED (165, MariaDB): as QUERY, statement = MariaDB compressed blob (see decompress.h)
//   XID (16):          xid u64
//   HEARTBEAT (27):    log file name (rest); the position is the header's log_pos
//   HEARTBEAT_V2 (41): TLV list: type lenenc | length lenenc | value; 1 = file name, 2 = position (lenenc)
//   GTID (33) / ANONYMOUS_GTID (34): flags u8 | sid [16] | gno u64 |
//                      [lt_type u8 (=2) | last_committed u64 | sequence_number u64]  (5.7+)
//                      [immediate_commit_ts u56 (bit 55: original follows) | original_commit_ts u56]
//                      [transaction_length lenenc] [immediate_server_version u32 (bit 31: original
//                      follows) | original_server_version u32]                       (8.0+)
//   GTID_TAGGED (42):  MySQL serialization library v2: version u8 | payload_size varlen |
//                      last_non_ignorable_field_id varlen | { field_id varlen | value }*
//                      (varlen: trailing 1-bits of byte0 + 1 = byte count, value = LE >> count;
//                       9 bytes when byte0 = 0xff; signed fields zig-zag encoded)
//   PREVIOUS_GTIDS (35): n_sids u64 (top byte 1 = tagged format, n_sids = bits 8..55) |
//                      per sid: uuid [16] | [tag: varlen length + bytes] | n_intervals u64 |
//                      n_intervals x (start u64, end u64 exclusive)
//   MariaDB GTID (162): seq_no u64 | domain_id u32 | flags u8 | [commit_id u64 if FL_GROUP_COMMIT_ID] | ...
//   GTID_LIST (163):   count u32 (low 28 bits; top 4 = flags) | count x (domain u32, server u32, seq u64)
//   BINLOG_CHECKPOINT (161): name_len u32 | name
//   ANNOTATE_ROWS (160): statement (rest)      ROWS_QUERY (29): length u8 (ignored) | statement (rest)
//   INTVAR (5): type u8 | value u64     RAND (13): seed1 u64 | seed2 u64
//   USER_VAR (14): name_len u32 | name | is_null u8 | [type u8 | charset u32 | len u32 | value | [flags u8]]
//   INCIDENT (26): type u16 | message_len u8 | message
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
// https://dev.mysql.com/doc/dev/mysql-server/latest/PageLibsMysqlSerialization.html
// https://mariadb.com/kb/en/replication-protocol/
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "binlog/error.h"
#include "binlog/event/event_type.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

using Uuid = std::array<std::uint8_t, 16>;
std::string uuid_to_string(const Uuid& u);  // "55778904-0299-11f1-b1b8-4ef0c4956feb"

struct Rotate {
  std::uint64_t position = 0;
  std::string next_file;
  bool operator==(const Rotate&) const = default;
};

struct Query {
  std::uint32_t thread_id = 0;
  std::uint32_t exec_time = 0;
  std::uint16_t error_code = 0;
  std::string schema;
  std::string statement;
  std::vector<std::uint8_t> status_vars;  // raw; skipped by length, not interpreted
  bool compressed = false;                // came from MariaDB QUERY_COMPRESSED (already inflated)

  bool is_begin() const noexcept;     // "BEGIN" / "XA START ..."
  bool is_commit() const noexcept;    // "COMMIT" (MyISAM / statement trx end)
  bool is_rollback() const noexcept;  // "ROLLBACK" (also ends a trx)
  bool operator==(const Query&) const = default;
};

struct Xid {
  std::uint64_t xid = 0;
  bool operator==(const Xid&) const = default;
};

struct Stop {
  bool operator==(const Stop&) const = default;
};

struct Heartbeat {
  std::string log_name;
  std::uint64_t position = 0;  // v1: the header's log_pos
  bool v2 = false;
  bool operator==(const Heartbeat&) const = default;
};

// MySQL GTID_LOG_EVENT, ANONYMOUS_GTID_LOG_EVENT and GTID_TAGGED_LOG_EVENT.
struct Gtid {
  EventType type = EventType::kGtid;
  std::uint8_t flags = 0;  // 0x01 = may have statement-based changes
  Uuid sid{};
  std::uint64_t gno = 0;
  std::string tag;  // GTID_TAGGED only
  std::optional<std::uint64_t> last_committed;
  std::optional<std::uint64_t> sequence_number;
  std::optional<std::uint64_t> immediate_commit_timestamp;  // microseconds since epoch
  std::optional<std::uint64_t> original_commit_timestamp;
  std::optional<std::uint64_t> transaction_length;
  std::optional<std::uint32_t> immediate_server_version;
  std::optional<std::uint32_t> original_server_version;
  std::optional<std::uint64_t> commit_group_ticket;  // tagged only

  bool anonymous() const noexcept { return type == EventType::kAnonymousGtid; }
  std::string to_string() const;  // "uuid:gno" or "uuid:tag:gno"
  bool operator==(const Gtid&) const = default;
};

struct GtidInterval {
  std::uint64_t start = 0;
  std::uint64_t end = 0;  // exclusive
  bool operator==(const GtidInterval&) const = default;
};
struct GtidSetEntry {
  Uuid sid{};
  std::string tag;
  std::vector<GtidInterval> intervals;
  bool operator==(const GtidSetEntry&) const = default;
};
struct PreviousGtids {
  bool tagged_format = false;
  std::vector<GtidSetEntry> sids;
  std::string to_string() const;  // "uuid:1-13,uuid:tag:1-2"
  bool operator==(const PreviousGtids&) const = default;
};

// MariaDB GTID_EVENT (162).
struct MariaGtid {
  static constexpr std::uint8_t kFlStandalone = 0x01;
  static constexpr std::uint8_t kFlGroupCommitId = 0x02;
  std::uint64_t seq_no = 0;
  std::uint32_t domain_id = 0;
  std::uint32_t server_id = 0;  // from the event header
  std::uint8_t flags = 0;
  std::optional<std::uint64_t> commit_id;

  bool standalone() const noexcept { return (flags & kFlStandalone) != 0; }
  std::string to_string() const;  // "domain-server-seq"
  bool operator==(const MariaGtid&) const = default;
};

struct MariaGtidListEntry {
  std::uint32_t domain_id = 0;
  std::uint32_t server_id = 0;
  std::uint64_t seq_no = 0;
  bool operator==(const MariaGtidListEntry&) const = default;
};
struct MariaGtidList {
  std::uint8_t flags = 0;  // top 4 bits of the count word
  std::vector<MariaGtidListEntry> gtids;
  bool operator==(const MariaGtidList&) const = default;
};

struct BinlogCheckpoint {
  std::string log_name;
  bool operator==(const BinlogCheckpoint&) const = default;
};
struct AnnotateRows {
  std::string statement;
  bool operator==(const AnnotateRows&) const = default;
};
struct RowsQuery {
  std::string statement;
  bool operator==(const RowsQuery&) const = default;
};
struct Intvar {
  std::uint8_t kind = 0;  // 1 = LAST_INSERT_ID, 2 = INSERT_ID
  std::uint64_t value = 0;
  bool operator==(const Intvar&) const = default;
};
struct Rand {
  std::uint64_t seed1 = 0;
  std::uint64_t seed2 = 0;
  bool operator==(const Rand&) const = default;
};
struct UserVar {
  std::string name;
  bool is_null = false;
  std::uint8_t value_type = 0;  // Item_result: 0 STRING, 1 REAL, 2 INT, 4 DECIMAL
  std::uint32_t charset = 0;
  std::string value;                  // raw bytes
  std::optional<std::uint8_t> flags;  // 0x01 = unsigned
  bool operator==(const UserVar&) const = default;
};
struct Incident {
  std::uint16_t kind = 0;
  std::string message;
  bool operator==(const Incident&) const = default;
};

// A type we do not decode (or do not know): skipped by its length, never guessed at.
struct Unknown {
  EventType type = EventType::kUnknown;
  std::size_t body_size = 0;
  bool operator==(const Unknown&) const = default;
};

[[nodiscard]] Result<Rotate> parse_rotate(Bytes body, std::uint8_t post_header_len);
[[nodiscard]] Result<Query> parse_query(Bytes body, std::uint8_t post_header_len, bool compressed = false);
[[nodiscard]] Result<Xid> parse_xid(Bytes body);
[[nodiscard]] Result<Heartbeat> parse_heartbeat(Bytes body, std::uint32_t log_pos);
[[nodiscard]] Result<Heartbeat> parse_heartbeat_v2(Bytes body);
[[nodiscard]] Result<Gtid> parse_gtid(EventType type, Bytes body);  // kGtid, kAnonymousGtid
[[nodiscard]] Result<Gtid> parse_gtid_tagged(Bytes body);
[[nodiscard]] Result<PreviousGtids> parse_previous_gtids(Bytes body);
[[nodiscard]] Result<MariaGtid> parse_maria_gtid(Bytes body, std::uint32_t server_id);
[[nodiscard]] Result<MariaGtidList> parse_maria_gtid_list(Bytes body);
[[nodiscard]] Result<BinlogCheckpoint> parse_binlog_checkpoint(Bytes body);
[[nodiscard]] Result<AnnotateRows> parse_annotate_rows(Bytes body);
[[nodiscard]] Result<RowsQuery> parse_rows_query(Bytes body);
[[nodiscard]] Result<Intvar> parse_intvar(Bytes body);
[[nodiscard]] Result<Rand> parse_rand(Bytes body);
[[nodiscard]] Result<UserVar> parse_user_var(Bytes body);
[[nodiscard]] Result<Incident> parse_incident(Bytes body);

namespace detail {
// MySQL serialization-library variable-length integers (see the layout above).
std::uint64_t read_varlen_uint(ByteReader& r) noexcept;
std::int64_t read_varlen_int(ByteReader& r) noexcept;
}  // namespace detail

}  // namespace ghostcut::binlog
