#include "binlog/wire/packets.h"

#include <algorithm>

#include "binlog/wire/byte_writer.h"

namespace ghostcut::binlog {

std::string ErrPacket::to_string() const {
  std::string out = std::to_string(code);
  if (!sql_state.empty()) out += " (" + sql_state + ")";
  return out + ": " + message;
}

Result<OkPacket> parse_ok_packet(Bytes payload) {
  ByteReader r(payload);
  const std::uint8_t header = r.u8();
  if (!r.ok()) return Error(Errc::kTruncated, "OK packet header");
  if (header != kOkHeader && header != kEofHeader) return Error(Errc::kProtocolError, "not an OK packet", 0);
  OkPacket ok;
  ok.affected_rows = r.lenenc();
  if (!r.ok()) return Error(Errc::kTruncated, "OK packet affected_rows", r.pos());
  ok.last_insert_id = r.lenenc();
  if (!r.ok()) return Error(Errc::kTruncated, "OK packet last_insert_id", r.pos());
  // Pre-4.1 style OKs end here; every server we talk to sends status and warnings.
  if (r.at_end()) return ok;
  ok.status_flags = r.u16();
  if (!r.ok()) return Error(Errc::kTruncated, "OK packet status_flags", r.pos());
  ok.warnings = r.u16();
  if (!r.ok()) return Error(Errc::kTruncated, "OK packet warnings", r.pos());
  ok.info = std::string(r.rest_str());
  return ok;
}

Result<ErrPacket> parse_err_packet(Bytes payload) {
  ByteReader r(payload);
  const std::uint8_t header = r.u8();
  if (!r.ok()) return Error(Errc::kTruncated, "ERR packet header");
  if (header != kErrHeader) return Error(Errc::kProtocolError, "not an ERR packet", 0);
  ErrPacket err;
  err.code = r.u16();
  if (!r.ok()) return Error(Errc::kTruncated, "ERR packet error_code", r.pos());
  // The '#' + SQL state is absent in errors sent before the client's capabilities are known.
  if (r.remaining() > 0 && r.rest()[0] == '#') {
    r.skip(1);
    err.sql_state = std::string(r.str(5));
    if (!r.ok()) return Error(Errc::kTruncated, "ERR packet sql_state", r.pos());
  }
  err.message = std::string(r.rest_str());
  return err;
}

Result<EofPacket> parse_eof_packet(Bytes payload) {
  ByteReader r(payload);
  const std::uint8_t header = r.u8();
  if (!r.ok()) return Error(Errc::kTruncated, "EOF packet header");
  if (header != kEofHeader || payload.size() >= 9) return Error(Errc::kProtocolError, "not an EOF packet", 0);
  EofPacket eof;
  eof.warnings = r.u16();
  if (!r.ok()) return Error(Errc::kTruncated, "EOF packet warnings", r.pos());
  eof.status_flags = r.u16();
  if (!r.ok()) return Error(Errc::kTruncated, "EOF packet status_flags", r.pos());
  return eof;
}

Result<Handshake> parse_handshake(Bytes payload) {
  ByteReader r(payload);
  Handshake h;
  h.protocol_version = r.u8();
  if (!r.ok()) return Error(Errc::kTruncated, "handshake protocol_version");
  if (h.protocol_version != 10)
    return Error(Errc::kUnsupported, "handshake protocol version " + std::to_string(h.protocol_version) + " (want 10)");
  h.server_version = std::string(r.null_str());
  if (!r.ok()) return Error(Errc::kTruncated, "handshake server_version", r.pos());
  h.connection_id = r.u32();
  if (!r.ok()) return Error(Errc::kTruncated, "handshake connection_id", r.pos());
  Bytes part1 = r.bytes(8);
  if (!r.ok()) return Error(Errc::kTruncated, "handshake auth_plugin_data_part_1", r.pos());
  h.auth_plugin_data.assign(part1.begin(), part1.end());
  r.skip(1);
  if (!r.ok()) return Error(Errc::kTruncated, "handshake filler", r.pos());
  h.capabilities = r.u16();
  if (!r.ok()) return Error(Errc::kTruncated, "handshake capability_flags_1", r.pos());
  if (r.at_end()) return h;  // very old servers stop here

  h.charset = r.u8();
  h.status_flags = r.u16();
  h.capabilities |= std::uint32_t(r.u16()) << 16;
  const std::uint8_t auth_data_len = r.u8();
  r.skip(6);
  h.mariadb_capabilities = r.u32();
  if (!r.ok()) return Error(Errc::kTruncated, "handshake flags after part 1", r.pos());

  if (h.capabilities & capability::kSecureConnection) {
    const std::size_t part2_len = std::max<std::size_t>(13, auth_data_len > 8 ? auth_data_len - 8u : 0u);
    Bytes part2 = r.bytes(part2_len);
    if (!r.ok()) return Error(Errc::kTruncated, "handshake auth_plugin_data_part_2", r.pos());
    // The scramble is NUL-terminated on the wire; the NUL is not part of it.
    if (!part2.empty() && part2.back() == 0) part2 = part2.first(part2.size() - 1);
    h.auth_plugin_data.insert(h.auth_plugin_data.end(), part2.begin(), part2.end());
  }
  if (h.capabilities & capability::kPluginAuth) {
    // Some servers (MySQL 5.5.7-5.5.9) omit the final NUL.
    Bytes rest = r.rest();
    auto nul = std::find(rest.begin(), rest.end(), std::uint8_t{0});
    h.auth_plugin_name = std::string(as_chars(rest.first(static_cast<std::size_t>(nul - rest.begin()))));
  }
  return h;
}

std::vector<std::uint8_t> build_ssl_request(std::uint32_t capabilities, std::uint32_t max_packet_size,
                                            std::uint8_t charset) {
  ByteWriter w(32);
  w.u32(capabilities);
  w.u32(max_packet_size);
  w.u8(charset);
  w.zeros(23);
  return w.take();
}

std::vector<std::uint8_t> build_handshake_response(const HandshakeResponse& r) {
  ByteWriter w(64 + r.user.size() + r.auth_response.size());
  w.u32(r.capabilities);
  w.u32(r.max_packet_size);
  w.u8(r.charset);
  w.zeros(23);
  w.null_str(r.user);
  if (r.capabilities & capability::kPluginAuthLenencClientData) {
    w.lenenc_bytes(r.auth_response);
  } else {
    // SECURE_CONNECTION without lenenc: one length byte (responses here are <= 32 bytes).
    w.u8(static_cast<std::uint8_t>(r.auth_response.size()));
    w.bytes(r.auth_response);
  }
  if (r.capabilities & capability::kConnectWithDb) w.null_str(r.database.value_or(""));
  if (r.capabilities & capability::kPluginAuth) w.null_str(r.auth_plugin_name);
  return w.take();
}

Result<AuthSwitchRequest> parse_auth_switch_request(Bytes payload) {
  ByteReader r(payload);
  if (r.u8() != kAuthSwitchHeader || !r.ok()) return Error(Errc::kProtocolError, "not an AuthSwitchRequest", 0);
  // A bare 0xFE is the pre-4.1 "old password" switch request: no plugin name at all.
  if (r.at_end()) return Error(Errc::kUnsupported, "old-password (pre-4.1) authentication is not supported", 0);
  AuthSwitchRequest req;
  req.plugin_name = std::string(r.null_str());
  if (!r.ok()) return Error(Errc::kTruncated, "AuthSwitchRequest plugin_name", r.pos());
  Bytes data = r.rest();
  if (!data.empty() && data.back() == 0) data = data.first(data.size() - 1);
  req.plugin_data.assign(data.begin(), data.end());
  return req;
}

Result<std::vector<std::uint8_t>> parse_auth_more_data(Bytes payload) {
  if (payload.empty() || payload[0] != kAuthMoreDataHeader)
    return Error(Errc::kProtocolError, "not an AuthMoreData", 0);
  return std::vector<std::uint8_t>(payload.begin() + 1, payload.end());
}

std::vector<std::uint8_t> build_com_query(std::string_view sql) {
  ByteWriter w(1 + sql.size());
  w.u8(static_cast<std::uint8_t>(Command::kQuery));
  w.str(sql);
  return w.take();
}

std::vector<std::uint8_t> build_com_ping() { return {static_cast<std::uint8_t>(Command::kPing)}; }
std::vector<std::uint8_t> build_com_quit() { return {static_cast<std::uint8_t>(Command::kQuit)}; }

Result<std::vector<std::uint8_t>> build_com_register_slave(const RegisterReplica& r) {
  for (const auto* s : {&r.host, &r.user, &r.password})
    if (s->size() > 255) return Error(Errc::kBadLength, "COM_REGISTER_SLAVE host/user/password longer than 255 bytes");
  ByteWriter w(32 + r.host.size() + r.user.size() + r.password.size());
  w.u8(static_cast<std::uint8_t>(Command::kRegisterSlave));
  w.u32(r.server_id);
  for (const auto* s : {&r.host, &r.user, &r.password}) {
    w.u8(static_cast<std::uint8_t>(s->size()));
    w.str(*s);
  }
  w.u16(r.port);
  w.u32(r.rank);
  w.u32(r.master_id);
  return w.take();
}

std::vector<std::uint8_t> build_com_binlog_dump(const BinlogDump& d) {
  ByteWriter w(11 + d.file.size());
  w.u8(static_cast<std::uint8_t>(Command::kBinlogDump));
  w.u32(d.position);
  w.u16(d.flags);
  w.u32(d.server_id);
  w.str(d.file);
  return w.take();
}

std::vector<std::uint8_t> build_com_binlog_dump_gtid(const BinlogDumpGtid& d) {
  ByteWriter w(27 + d.file.size() + d.gtid_set.size());
  w.u8(static_cast<std::uint8_t>(Command::kBinlogDumpGtid));
  const std::uint16_t flags = d.gtid_set.empty() ? d.flags : std::uint16_t(d.flags | kBinlogThroughGtid);
  w.u16(flags);
  w.u32(d.server_id);
  w.u32(static_cast<std::uint32_t>(d.file.size()));
  w.str(d.file);
  w.u64(d.position);
  if (flags & kBinlogThroughGtid) {
    w.u32(static_cast<std::uint32_t>(d.gtid_set.size()));
    w.bytes(d.gtid_set);
  }
  return w.take();
}

}  // namespace ghostcut::binlog
