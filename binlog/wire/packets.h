// Generic response packets, the connection-phase packets and the commands a replica client sends.
//
//   OK   := 0x00|0xFE int<1> | affected_rows int<lenenc> | last_insert_id int<lenenc>
//           | status_flags int<2> | warnings int<2> | info string<EOF>          (CLIENT_PROTOCOL_41)
//   ERR  := 0xFF int<1> | error_code int<2> | '#' sql_state string<5> | message string<EOF>
//   EOF  := 0xFE int<1> | warnings int<2> | status_flags int<2>            (payload < 9 bytes)
//   Handshake v10 := protocol_version int<1> (10) | server_version string<NUL> | connection_id int<4>
//           | auth_plugin_data_part_1 string<8> | filler int<1> | capability_flags_1 int<2>
//           | character_set int<1> | status_flags int<2> | capability_flags_2 int<2>
//           | auth_plugin_data_len int<1> | reserved string<6> | mariadb_ext_caps int<4> (0 on MySQL)
//           | auth_plugin_data_part_2 string<max(13, len - 8)> | auth_plugin_name string<NUL>
//   HandshakeResponse41 := client_flag int<4> | max_packet_size int<4> | character_set int<1>
//           | filler string<23> | username string<NUL> | auth_response string<lenenc>
//           | [database string<NUL>] | client_plugin_name string<NUL>
//   SSLRequest := client_flag int<4> | max_packet_size int<4> | character_set int<1> | filler string<23>
//   AuthSwitchRequest := 0xFE | plugin_name string<NUL> | plugin_data string<EOF>
//   AuthMoreData := 0x01 | data string<EOF>
//   COM_REGISTER_SLAVE := 0x15 | server_id int<4> | host, user, password: int<1> len + bytes
//           | port int<2> | replication_rank int<4> | master_id int<4>
//   COM_BINLOG_DUMP := 0x12 | binlog_pos int<4> | flags int<2> | server_id int<4> | file string<EOF>
//   COM_BINLOG_DUMP_GTID := 0x1E | flags int<2> | server_id int<4> | file_len int<4> | file
//           | binlog_pos int<8> | [data_size int<4> | gtid_set_data]   (if flags & BINLOG_THROUGH_GTID)
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_response_packets.html
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets.html
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication.html
// https://mariadb.com/kb/en/connection/
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "binlog/error.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

// Capability flags (client_flag / server capabilities).
namespace capability {
inline constexpr std::uint32_t kLongPassword = 0x1;
inline constexpr std::uint32_t kFoundRows = 0x2;
inline constexpr std::uint32_t kLongFlag = 0x4;
inline constexpr std::uint32_t kConnectWithDb = 0x8;
inline constexpr std::uint32_t kProtocol41 = 0x200;
inline constexpr std::uint32_t kSsl = 0x800;
inline constexpr std::uint32_t kTransactions = 0x2000;
inline constexpr std::uint32_t kSecureConnection = 0x8000;
inline constexpr std::uint32_t kMultiStatements = 0x10000;
inline constexpr std::uint32_t kMultiResults = 0x20000;
inline constexpr std::uint32_t kPluginAuth = 0x80000;
inline constexpr std::uint32_t kConnectAttrs = 0x100000;
inline constexpr std::uint32_t kPluginAuthLenencClientData = 0x200000;
inline constexpr std::uint32_t kDeprecateEof = 0x1000000;
}  // namespace capability

// Server status flags in OK/EOF.
namespace server_status {
inline constexpr std::uint16_t kMoreResultsExist = 0x0008;
}

inline constexpr std::uint8_t kOkHeader = 0x00;
inline constexpr std::uint8_t kErrHeader = 0xFF;
inline constexpr std::uint8_t kEofHeader = 0xFE;
inline constexpr std::uint8_t kAuthMoreDataHeader = 0x01;
inline constexpr std::uint8_t kAuthSwitchHeader = 0xFE;

// utf8mb4_general_ci: known to every supported server (MySQL 5.5.3+, MariaDB).
inline constexpr std::uint8_t kDefaultCharset = 45;

enum class Command : std::uint8_t {
  kQuit = 0x01,
  kQuery = 0x03,
  kPing = 0x0E,
  kBinlogDump = 0x12,
  kRegisterSlave = 0x15,
  kBinlogDumpGtid = 0x1E,
};

// COM_BINLOG_DUMP flags.
inline constexpr std::uint16_t kBinlogDumpNonBlock = 0x01;
inline constexpr std::uint16_t kBinlogThroughPosition = 0x02;
inline constexpr std::uint16_t kBinlogThroughGtid = 0x04;

struct OkPacket {
  std::uint64_t affected_rows = 0;
  std::uint64_t last_insert_id = 0;
  std::uint16_t status_flags = 0;
  std::uint16_t warnings = 0;
  std::string info;
  bool operator==(const OkPacket&) const = default;
};

struct ErrPacket {
  std::uint16_t code = 0;
  std::string sql_state;  // 5 chars; empty when the server sent none (pre-handshake errors)
  std::string message;
  bool operator==(const ErrPacket&) const = default;
  // "1045 (28000): Access denied for user ..."
  std::string to_string() const;
};

struct EofPacket {
  std::uint16_t warnings = 0;
  std::uint16_t status_flags = 0;
  bool operator==(const EofPacket&) const = default;
};

inline bool is_err_packet(Bytes p) { return !p.empty() && p[0] == kErrHeader; }
// An EOF packet (the old terminator): 0xFE and shorter than 9 bytes (a row can start with 0xFE
// only as an 8-byte lenenc length, which makes it at least 9 bytes long).
inline bool is_eof_packet(Bytes p) { return !p.empty() && p[0] == kEofHeader && p.size() < 9; }

// OK with header 0x00, or 0xFE (the CLIENT_DEPRECATE_EOF terminator of a result set).
[[nodiscard]] Result<OkPacket> parse_ok_packet(Bytes payload);
[[nodiscard]] Result<ErrPacket> parse_err_packet(Bytes payload);
[[nodiscard]] Result<EofPacket> parse_eof_packet(Bytes payload);

struct Handshake {
  std::uint8_t protocol_version = 10;
  std::string server_version;
  std::uint32_t connection_id = 0;
  std::vector<std::uint8_t> auth_plugin_data;  // parts 1 + 2, trailing NUL removed (20 bytes usually)
  std::uint32_t capabilities = 0;
  std::uint8_t charset = 0;
  std::uint16_t status_flags = 0;
  std::uint32_t mariadb_capabilities = 0;  // MariaDB's extended capabilities (0 on MySQL)
  std::string auth_plugin_name;            // empty when the server sent none

  bool is_mariadb() const { return server_version.find("MariaDB") != std::string::npos; }
};

[[nodiscard]] Result<Handshake> parse_handshake(Bytes payload);

struct HandshakeResponse {
  std::uint32_t capabilities = 0;
  std::uint32_t max_packet_size = 0x40000000;
  std::uint8_t charset = kDefaultCharset;
  std::string user;
  std::vector<std::uint8_t> auth_response;
  std::optional<std::string> database;  // sent only when capabilities has kConnectWithDb
  std::string auth_plugin_name;         // sent only when capabilities has kPluginAuth
};

[[nodiscard]] std::vector<std::uint8_t> build_handshake_response(const HandshakeResponse& r);
// The short packet sent before the TLS handshake; capabilities must include kSsl.
[[nodiscard]] std::vector<std::uint8_t> build_ssl_request(std::uint32_t capabilities, std::uint32_t max_packet_size,
                                                          std::uint8_t charset);

struct AuthSwitchRequest {
  std::string plugin_name;
  std::vector<std::uint8_t> plugin_data;  // the new salt, trailing NUL removed
};
[[nodiscard]] Result<AuthSwitchRequest> parse_auth_switch_request(Bytes payload);
// The data after the 0x01 header (caching_sha2: 0x03 fast auth ok, 0x04 full auth, or a PEM key).
[[nodiscard]] Result<std::vector<std::uint8_t>> parse_auth_more_data(Bytes payload);

[[nodiscard]] std::vector<std::uint8_t> build_com_query(std::string_view sql);
[[nodiscard]] std::vector<std::uint8_t> build_com_ping();
[[nodiscard]] std::vector<std::uint8_t> build_com_quit();

struct RegisterReplica {
  std::uint32_t server_id = 0;
  std::string host;  // each of host/user/password is at most 255 bytes (one-byte length)
  std::string user;
  std::string password;
  std::uint16_t port = 0;
  std::uint32_t rank = 0;
  std::uint32_t master_id = 0;
};
[[nodiscard]] Result<std::vector<std::uint8_t>> build_com_register_slave(const RegisterReplica& r);

struct BinlogDump {
  std::string file;
  std::uint32_t position = 4;
  std::uint16_t flags = 0;  // kBinlogDumpNonBlock: end with EOF at the end of the last file
  std::uint32_t server_id = 0;
};
[[nodiscard]] std::vector<std::uint8_t> build_com_binlog_dump(const BinlogDump& d);

// MySQL only. gtid_set is the encoded GTID set (Gtid_set::encode); empty sends none.
struct BinlogDumpGtid {
  std::string file;
  std::uint64_t position = 4;
  std::uint16_t flags = 0;
  std::uint32_t server_id = 0;
  std::vector<std::uint8_t> gtid_set;
};
[[nodiscard]] std::vector<std::uint8_t> build_com_binlog_dump_gtid(const BinlogDumpGtid& d);

}  // namespace ghostcut::binlog
