#include "binlog/wire/text_resultset.h"

#include <algorithm>
#include <string>

namespace ghostcut::binlog {

std::vector<std::string> TextResultSet::column_names() const {
  std::vector<std::string> names;
  names.reserve(columns.size());
  for (const auto& c : columns) names.push_back(c.name);
  return names;
}

Result<ColumnDefinition> parse_column_definition(Bytes payload) {
  ByteReader r(payload);
  ColumnDefinition c;
  const char* field = "catalog";
  auto str = [&](const char* name, std::string* out) {
    if (!r.ok()) return;
    field = name;
    std::string_view s = r.lenenc_str();
    if (out && r.ok()) *out = std::string(s);
  };
  str("catalog", nullptr);
  str("schema", &c.schema);
  str("table", &c.table);
  str("org_table", &c.org_table);
  str("name", &c.name);
  str("org_name", &c.org_name);
  if (!r.ok()) return Error(Errc::kTruncated, std::string("column definition ") + field, r.pos());
  const std::uint64_t fixed_len = r.lenenc();
  if (!r.ok()) return Error(Errc::kTruncated, "column definition length of fixed fields", r.pos());
  if (fixed_len < 0x0C)
    return Error(Errc::kBadLength, "column definition fixed fields length " + std::to_string(fixed_len));
  c.charset = r.u16();
  c.column_length = r.u32();
  c.type = r.u8();
  c.flags = r.u16();
  c.decimals = r.u8();
  if (!r.ok()) return Error(Errc::kTruncated, "column definition fixed fields", r.pos());
  return c;
}

Result<bool> TextResultSetReader::fail(Error e) {
  state_ = State::kFailed;
  return e;
}

Result<bool> TextResultSetReader::on_packet(Bytes payload) {
  if (payload.empty()) return fail(Error(Errc::kProtocolError, "empty packet in a query response"));
  switch (state_) {
    case State::kFirst: return on_first(payload);
    case State::kColumns: {
      auto col = parse_column_definition(payload);
      if (!col) return fail(col.error());
      result_.columns.push_back(std::move(*col));
      if (result_.columns.size() == column_count_) state_ = deprecate_eof_ ? State::kRows : State::kColumnEof;
      return false;
    }
    case State::kColumnEof: {
      auto eof = parse_eof_packet(payload);
      if (!eof) return fail(Error(Errc::kProtocolError, "expected EOF after the column definitions"));
      state_ = State::kRows;
      return false;
    }
    case State::kRows: return on_row(payload);
    case State::kDone: return fail(Error(Errc::kProtocolError, "packet after the end of a query response"));
    case State::kFailed: break;
  }
  return fail(Error(Errc::kProtocolError, "query response already failed"));
}

Result<bool> TextResultSetReader::on_first(Bytes payload) {
  switch (payload[0]) {
    case kOkHeader: {
      auto ok = parse_ok_packet(payload);
      if (!ok) return fail(ok.error());
      result_.ok = std::move(*ok);
      if (result_.ok.status_flags & server_status::kMoreResultsExist)
        return fail(Error(Errc::kUnsupported, "multiple result sets"));
      state_ = State::kDone;
      return true;
    }
    case kErrHeader: {
      auto err = parse_err_packet(payload);
      if (!err) return fail(err.error());
      server_error_ = *err;
      return fail(Error(Errc::kServerError, err->to_string()));
    }
    case 0xFB: return fail(Error(Errc::kUnsupported, "LOCAL INFILE request"));
    default: break;
  }
  ByteReader r(payload);
  column_count_ = r.lenenc();
  if (!r.ok()) return fail(Error(Errc::kTruncated, "result set column count"));
  if (!r.at_end()) return fail(Error(Errc::kExtraBytes, "after the result set column count", r.pos()));
  if (column_count_ == 0) return fail(Error(Errc::kBadLength, "result set with zero columns"));
  result_.columns.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(column_count_, 4096)));
  state_ = State::kColumns;
  return false;
}

Result<bool> TextResultSetReader::on_row(Bytes payload) {
  if (payload[0] == kErrHeader) {
    auto err = parse_err_packet(payload);
    if (!err) return fail(err.error());
    server_error_ = *err;
    return fail(Error(Errc::kServerError, err->to_string()));
  }
  // The terminator: EOF, or with CLIENT_DEPRECATE_EOF an OK with header 0xFE. A row can start
  // with 0xFE only as an 8-byte length, so it would be longer than one frame.
  if (payload[0] == kEofHeader && (deprecate_eof_ ? payload.size() < kMaxFramePayload : payload.size() < 9)) {
    std::uint16_t status = 0;
    if (deprecate_eof_) {
      auto ok = parse_ok_packet(payload);
      if (!ok) return fail(ok.error());
      status = ok->status_flags;
      result_.ok = std::move(*ok);
    } else {
      auto eof = parse_eof_packet(payload);
      if (!eof) return fail(eof.error());
      status = eof->status_flags;
    }
    if (status & server_status::kMoreResultsExist) return fail(Error(Errc::kUnsupported, "multiple result sets"));
    state_ = State::kDone;
    return true;
  }
  ByteReader r(payload);
  TextRow row;
  row.reserve(result_.columns.size());
  for (std::size_t i = 0; i < result_.columns.size(); ++i) {
    auto len = r.lenenc_nullable();
    if (!r.ok())
      return fail(Error(Errc::kTruncated, "row " + std::to_string(result_.rows.size()) + " column " + std::to_string(i),
                        r.pos()));
    if (!len) {
      row.emplace_back(std::nullopt);
      continue;
    }
    if (*len > r.remaining())
      return fail(Error(Errc::kTruncated, "row " + std::to_string(result_.rows.size()) + " column " + std::to_string(i),
                        r.pos()));
    row.emplace_back(std::string(r.str(static_cast<std::size_t>(*len))));
  }
  if (!r.at_end())
    return fail(
        Error(Errc::kExtraBytes, "after the last column of row " + std::to_string(result_.rows.size()), r.pos()));
  result_.rows.push_back(std::move(row));
  return false;
}

Result<TextResultSet> parse_text_resultset(std::span<const std::vector<std::uint8_t>> payloads,
                                           std::uint32_t capabilities) {
  TextResultSetReader reader(capabilities);
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    auto done = reader.on_packet(payloads[i]);
    if (!done) return done.error();
    if (*done) {
      if (i + 1 != payloads.size()) return Error(Errc::kExtraBytes, "packets after the end of the query response");
      return reader.take();
    }
  }
  return Error(Errc::kTruncated, "query response ended early");
}

}  // namespace ghostcut::binlog
