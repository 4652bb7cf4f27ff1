#include "binlog/wire/text_resultset.h"

#include <gtest/gtest.h>

#include "binlog/wire/byte_writer.h"
#include "wire_test_util.h"

using namespace ghostcut::binlog;
using ghostcut::Result;
using namespace ghostcut::binlog::test;

namespace {

std::vector<std::uint8_t> column_def(std::string_view name, std::uint8_t type = 0xFD) {
  ByteWriter w;
  w.lenenc_str("def");
  w.lenenc_str("");
  w.lenenc_str("");
  w.lenenc_str("");
  w.lenenc_str(name);
  w.lenenc_str("");
  w.lenenc(0x0C);
  w.u16(45);
  w.u32(4);
  w.u8(type);
  w.u16(0x81);
  w.u8(0);
  w.u16(0);
  return w.take();
}

std::vector<std::uint8_t> row(std::initializer_list<std::optional<std::string>> values) {
  ByteWriter w;
  for (const auto& v : values) {
    if (v) w.lenenc_str(*v);
    else w.u8(0xFB);
  }
  return w.take();
}

const std::vector<std::uint8_t> kEof = from_hex("fe 0000 0200");
const std::vector<std::uint8_t> kOkTerminator = from_hex("fe 00 00 0200 0000");

// SELECT 1, NULL, 'x' → the packets a server sends, with or without CLIENT_DEPRECATE_EOF.
std::vector<std::vector<std::uint8_t>> select_response(bool deprecate_eof) {
  std::vector<std::vector<std::uint8_t>> p{{0x03}, column_def("1", 0x08), column_def("NULL", 0x06), column_def("x")};
  if (!deprecate_eof) p.push_back(kEof);
  p.push_back(row({"1", std::nullopt, "x"}));
  p.push_back(row({std::string(300, 'y'), "", std::nullopt}));
  p.push_back(deprecate_eof ? kOkTerminator : kEof);
  return p;
}

}  // namespace

TEST(TextResultSet, SelectWithAndWithoutDeprecateEof) {
  for (bool deprecate : {false, true}) {
    SCOPED_TRACE(deprecate ? "CLIENT_DEPRECATE_EOF" : "EOF terminators");
    const std::uint32_t caps = capability::kProtocol41 | (deprecate ? capability::kDeprecateEof : 0);
    auto rs = parse_text_resultset(select_response(deprecate), caps);
    ASSERT_TRUE(rs) << rs.error().message();
    EXPECT_EQ(rs->column_names(), (std::vector<std::string>{"1", "NULL", "x"}));
    EXPECT_EQ(rs->columns[0].type, 0x08);
    EXPECT_EQ(rs->columns[0].charset, 45);
    ASSERT_EQ(rs->rows.size(), 2u);
    EXPECT_EQ(rs->rows[0], (TextRow{"1", std::nullopt, "x"}));
    EXPECT_EQ(rs->rows[1], (TextRow{std::string(300, 'y'), "", std::nullopt}));
    EXPECT_TRUE(rs->has_rows());
  }
}

TEST(TextResultSet, EmptyResultSet) {
  for (bool deprecate : {false, true}) {
    SCOPED_TRACE(deprecate);
    std::vector<std::vector<std::uint8_t>> p{{0x01}, column_def("a")};
    if (!deprecate) p.push_back(kEof);
    p.push_back(deprecate ? kOkTerminator : kEof);
    auto rs = parse_text_resultset(p, deprecate ? capability::kDeprecateEof : 0);
    ASSERT_TRUE(rs) << rs.error().message();
    EXPECT_EQ(rs->columns.size(), 1u);
    EXPECT_TRUE(rs->rows.empty());
  }
}

TEST(TextResultSet, OkOnlyStatement) {
  const std::vector<std::vector<std::uint8_t>> p{from_hex("00 03 00 0200 0000")};
  auto rs = parse_text_resultset(p, 0);
  ASSERT_TRUE(rs);
  EXPECT_FALSE(rs->has_rows());
  EXPECT_EQ(rs->ok.affected_rows, 3u);
}

TEST(TextResultSet, ServerErrorKeepsCode) {
  TextResultSetReader reader(0);
  auto r = reader.on_packet(concat({{0xff, 0x7a, 0x04}, bytes_of("#42S02Table 'x.y' doesn't exist")}));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::kServerError));
  ASSERT_TRUE(reader.server_error());
  EXPECT_EQ(reader.server_error()->code, 1146);
  EXPECT_EQ(reader.server_error()->sql_state, "42S02");
}

TEST(TextResultSet, ErrorInTheMiddleOfRows) {
  auto p = select_response(false);
  p.back() = concat({{0xff, 0x26, 0x05}, bytes_of("#HY000Query execution was interrupted")});
  TextResultSetReader reader(0);
  Result<bool> last = false;
  for (const auto& pkt : p) {
    last = reader.on_packet(pkt);
    if (!last) break;
  }
  ASSERT_FALSE(last);
  EXPECT_EQ(reader.server_error()->code, 1318);
}

TEST(TextResultSet, MalformedResponses) {
  struct Case {
    const char* name;
    std::vector<std::vector<std::uint8_t>> packets;
    Errc want;
  };
  const auto col = column_def("a");
  const Case cases[] = {
      {"stops early", {{0x01}, col}, Errc::kTruncated},
      {"OK too short", {{0x00, 0x00}}, Errc::kTruncated},
      {"column count with extra bytes", {{0x01, 0x02}}, Errc::kExtraBytes},
      {"LOCAL INFILE", {concat({{0xFB}, bytes_of("/etc/passwd")})}, Errc::kUnsupported},
      {"no EOF after columns", {{0x01}, col, row({"v"})}, Errc::kProtocolError},
      {"row too short", {{0x02}, col, col, kEof, row({"v"})}, Errc::kTruncated},
      {"row string overruns", {{0x01}, col, kEof, from_hex("05 6162")}, Errc::kTruncated},
      {"row with extra bytes", {{0x01}, col, kEof, concat({row({"v"}), {0x00}})}, Errc::kExtraBytes},
      {"packet after the end", {{0x01}, col, kEof, kEof, row({"v"})}, Errc::kExtraBytes},
      {"empty packet", {{}}, Errc::kProtocolError},
      {"multiple result sets", {{0x01}, col, kEof, from_hex("fe 0000 0a00")}, Errc::kUnsupported},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto rs = parse_text_resultset(c.packets, 0);
    ASSERT_FALSE(rs);
    EXPECT_TRUE(rs.error().is(c.want)) << rs.error().message();
  }
}

TEST(TextResultSet, ColumnDefinitionTruncatedAtEachByte) {
  const auto col = column_def("name");
  ASSERT_TRUE(parse_column_definition(col));
  for (std::size_t cut = 0; cut + 2 < col.size(); ++cut) {  // the 2 reserved bytes are optional
    SCOPED_TRACE("cut " + std::to_string(cut));
    auto c = parse_column_definition(Bytes(col).first(cut));
    ASSERT_FALSE(c);
    EXPECT_TRUE(c.error().is(Errc::kTruncated)) << c.error().message();
  }
}

TEST(TextResultSet, FromFramedBytesInChunks) {
  // The same response framed on the wire and fed through the assembler 1, 3 and 64 bytes at a time.
  const auto packets = select_response(true);
  std::vector<std::uint8_t> wire;
  std::uint8_t seq = 1;
  for (const auto& p : packets) {
    auto f = frame_payload(p, seq);
    wire.insert(wire.end(), f.begin(), f.end());
  }
  for (std::size_t chunk : {1u, 3u, 64u}) {
    SCOPED_TRACE(chunk);
    FrameAssembler fa;
    fa.set_expected_sequence(1);
    auto out = assemble_chunked(fa, wire, chunk);
    ASSERT_FALSE(out.error);
    auto rs = parse_text_resultset(out.payloads, capability::kDeprecateEof);
    ASSERT_TRUE(rs) << rs.error().message();
    EXPECT_EQ(rs->rows.size(), 2u);
  }
}
