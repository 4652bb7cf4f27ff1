// Field-level checks of single events in the real fixture files against the values in
// fixtures/binlog/*/expected/*.txt (the independent decode) and the folder READMEs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "binlog/event/binlog_file_reader.h"
#include "binlog/event/checksum.h"
#include "binlog/event/event_decoder.h"
#include "support/fixtures.h"

namespace ghostcut::binlog {
namespace {

namespace fs = std::filesystem;

class FixtureFile : public ::ghostcut::test::RequiresFixtures {
 protected:
  // Loads `rel` or skips the test when the fixtures are not installed.
  bool load(const std::string& rel) {
    const fs::path p = fs::path(GHOSTCUT_FIXTURES_DIR) / rel;
    if (!fs::exists(p)) return false;
    std::ifstream in(p, std::ios::binary);
    bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
  }
  Bytes file() const { return {bytes_.data(), bytes_.size()}; }

  // The event starting at `offset`, decoded under the format in force there.
  struct Found {
    RawEvent raw;
    BinlogFormat format;
    Result<Event> event;
  };
  std::optional<Found> at(std::size_t offset) {
    BinlogFileReader reader(file());
    while (true) {
      auto next = reader.next();
      if (!next || !*next) return std::nullopt;
      if ((*next)->offset == offset) {
        const RawEvent raw = **next;
        return Found{raw, reader.format(), decode_event(raw, reader.format())};
      }
    }
  }
  template <class T>
  T get(std::size_t offset) {
    auto f = at(offset);
    EXPECT_TRUE(f.has_value()) << "no event at " << offset;
    if (!f) return T{};
    EXPECT_TRUE(f->event.has_value()) << f->event.error().message();
    if (!f->event) return T{};
    const T* v = std::get_if<T>(&*f->event);
    EXPECT_NE(v, nullptr) << "event at " << offset << " has another type";
    return v ? std::move(*std::get_if<T>(&f->event.value())) : T{};
  }

  std::vector<std::uint8_t> bytes_;
};

#define LOAD_OR_SKIP(rel) \
  if (!load(rel)) GTEST_SKIP() << "fixture missing: " << rel

TEST_F(FixtureFile, MySql80TransactionPayloadAndGtid) {
  LOAD_OR_SKIP("mysql-8.0/rmc__transaction_compression.000001");
  const auto fd = get<FormatDescription>(4);
  EXPECT_EQ(fd.format.server_version, "8.0.32");
  EXPECT_EQ(fd.format.post_header_lens.size(), 41u);
  EXPECT_EQ(fd.format.checksum, ChecksumAlg::kCrc32);
  EXPECT_EQ(fd.format.flavour, Flavour::kMySql);
  EXPECT_EQ(fd.format.post_header_len(EventType::kTableMap), 8);
  EXPECT_EQ(fd.format.post_header_len(EventType::kWriteRowsV2), 10);

  const auto prev = get<PreviousGtids>(126);
  EXPECT_FALSE(prev.tagged_format);
  EXPECT_EQ(prev.to_string(), "357df524-4139-11ee-9979-b033ee13919e:1");

  const auto g = get<Gtid>(197);
  EXPECT_TRUE(g.anonymous());
  EXPECT_EQ(g.gno, 0u);
  EXPECT_EQ(g.last_committed, 0u);
  EXPECT_EQ(g.sequence_number, 1u);
  EXPECT_EQ(g.immediate_commit_timestamp, 1695159109445737u);
  EXPECT_EQ(g.original_commit_timestamp, 1695159109445737u);
  EXPECT_EQ(g.transaction_length, 234u);
  EXPECT_EQ(g.immediate_server_version, 80032u);
  EXPECT_EQ(g.original_server_version, 80032u);

  const auto p = get<TransactionPayload>(274);
  EXPECT_EQ(p.compression_type, 0u);
  EXPECT_EQ(p.payload_size, 124u);
  EXPECT_EQ(p.uncompressed_size, 179u);
  ASSERT_EQ(p.uncompressed.size(), 179u);
  auto inner = split_payload_events(p);
  ASSERT_TRUE(inner) << inner.error().message();
  ASSERT_EQ(inner->size(), 4u);
  const std::size_t offsets[] = {0, 71, 116, 152};
  const EventType types[] = {EventType::kQuery, EventType::kTableMap, EventType::kWriteRowsV2, EventType::kXid};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ((*inner)[i].offset, offsets[i]);
    EXPECT_EQ((*inner)[i].type(), types[i]);
    EXPECT_EQ((*inner)[i].header.log_pos, 0u);
    EXPECT_FALSE((*inner)[i].checksum_verified);
  }
  auto q = decode_event((*inner)[0], fd.format);
  ASSERT_TRUE(q);
  EXPECT_EQ(std::get<Query>(*q).statement, "BEGIN");
  EXPECT_EQ(std::get<Query>(*q).schema, "test");
  EXPECT_EQ(std::get<Query>(*q).thread_id, 107u);
  auto tm = decode_event((*inner)[1], fd.format);
  ASSERT_TRUE(tm);
  EXPECT_EQ(std::get<TableMap>(*tm).table_id, 88u);
  EXPECT_EQ(std::get<TableMap>(*tm).table, "tb1");
  EXPECT_EQ(std::get<TableMap>(*tm).is_unsigned(0), false);
  auto rows = decode_event((*inner)[2], fd.format);
  ASSERT_TRUE(rows);
  EXPECT_EQ(std::get<RowsEvent>(*rows).table_id, 88u);
  EXPECT_TRUE(std::get<RowsEvent>(*rows).end_of_statement());
  auto xid = decode_event((*inner)[3], fd.format);
  ASSERT_TRUE(xid);
  EXPECT_EQ(std::get<Xid>(*xid).xid, 462u);

  const auto rot = get<Rotate>(431);
  EXPECT_EQ(rot.next_file, "binlog.000043");
  EXPECT_EQ(rot.position, 4u);
}

TEST_F(FixtureFile, MySql96TaggedGtidAndTaggedPreviousGtids) {
  LOAD_OR_SKIP("mysql-9.x/rmc__binlog_transaction_with_GTID_TAG.000001");
  const auto prev = get<PreviousGtids>(127);
  EXPECT_TRUE(prev.tagged_format);
  ASSERT_EQ(prev.sids.size(), 2u);
  EXPECT_EQ(prev.sids[1].tag, "mytag");
  ASSERT_EQ(prev.sids[0].intervals.size(), 1u);
  EXPECT_EQ(prev.sids[0].intervals[0], (GtidInterval{1, 14}));
  EXPECT_EQ(prev.to_string(),
            "55778904-0299-11f1-b1b8-4ef0c4956feb:1-13,55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:1-2");

  const auto g = get<Gtid>(245);
  EXPECT_EQ(g.type, EventType::kGtidTagged);
  EXPECT_EQ(g.to_string(), "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3");
  EXPECT_EQ(g.flags, 0);
  EXPECT_EQ(g.last_committed, 0u);
  EXPECT_EQ(g.sequence_number, 1u);
  EXPECT_EQ(g.immediate_commit_timestamp, 1770368687207196u);
  EXPECT_EQ(g.original_commit_timestamp, 1770368687207196u);
  EXPECT_EQ(g.transaction_length, 296u);
  EXPECT_EQ(g.immediate_server_version, 90600u);
}

TEST_F(FixtureFile, MySql80CharOver255AndEnumSetMetadata) {
  LOAD_OR_SKIP("mysql-8.0/rmc__mysql-enum-string-set.000001");
  const auto m = get<TableMap>(946);
  EXPECT_EQ(m.table_id, 124u);
  EXPECT_EQ(m.schema, "mysql");
  EXPECT_EQ(m.table, "t");
  const std::vector<ColumnType> types = {ColumnType::kString, ColumnType::kVarchar, ColumnType::kString,
                                         ColumnType::kString, ColumnType::kBlob};
  EXPECT_EQ(m.types, types);
  // CHAR(128) utf8mb4 = 512 bytes: byte0 = 0xfe ^ ((512 >> 4) & 0x30) = 0xde, byte1 = 0x00.
  EXPECT_EQ(m.meta[0], 0xde00);
  EXPECT_EQ(m.meta[1], 1200);
  EXPECT_EQ(m.meta[2], 0xf701);  // ENUM, pack length 1
  EXPECT_EQ(m.meta[3], 0xf801);  // SET, pack length 1
  EXPECT_EQ(m.meta[4], 2);
  EXPECT_EQ(m.optional.default_charset, 255u);
  EXPECT_EQ(m.optional.enum_and_set_default_charset, 255u);
  EXPECT_EQ(m.optional.column_names, (std::vector<std::string>{"f1", "f2", "f3", "f4", "f5"}));
  EXPECT_EQ(m.optional.set_str_values, (std::vector<std::vector<std::string>>{{"one", "two", "three", "four"}}));
  EXPECT_EQ(m.optional.enum_str_values, (std::vector<std::vector<std::string>>{{"var1", "variant2", "foo"}}));
  EXPECT_EQ(m.optional.column_visibility, std::vector<bool>(5, true));
  EXPECT_EQ(m.column_name(2), "f3");
  EXPECT_EQ(m.is_unsigned(0), std::nullopt);  // no SIGNEDNESS field in this file

  const auto g = get<Gtid>(157);
  EXPECT_EQ(g.to_string(), "93e95066-a2f4-11ec-9b69-9657f0ae95e2:1");
  EXPECT_EQ(g.flags, 1);
  EXPECT_EQ(g.transaction_length, 336u);
}

TEST_F(FixtureFile, MySql80UnsignedFromSignedness) {
  LOAD_OR_SKIP("mysql-8.0/rmc__minimal_row_metadata.000001");
  BinlogFileReader reader(file());
  bool saw_unsigned = false;
  while (true) {
    auto next = reader.next();
    ASSERT_TRUE(next) << next.error().message();
    if (!*next) break;
    auto ev = decode_event(**next, reader.format());
    ASSERT_TRUE(ev) << ev.error().message();
    if (const auto* m = std::get_if<TableMap>(&*ev)) {
      ASSERT_FALSE(m->optional.signedness.empty());
      for (std::size_t i = 0; i < m->column_count(); ++i) saw_unsigned |= m->is_unsigned(i).value_or(false);
    }
  }
  EXPECT_TRUE(saw_unsigned);  // the file holds INT UNSIGNED 3230202323
}

TEST_F(FixtureFile, MariaDb105Events) {
  LOAD_OR_SKIP("mariadb-10.x/rmc__mariadb-bin.000001");
  const auto fd = get<FormatDescription>(4);
  EXPECT_EQ(fd.format.flavour, Flavour::kMariaDb);
  EXPECT_EQ(fd.format.post_header_lens.size(), 171u);
  EXPECT_EQ(fd.format.post_header_len(EventType::kMariaGtid), 19);
  EXPECT_EQ(fd.format.created, 1650493071u);

  EXPECT_TRUE(get<MariaGtidList>(256).gtids.empty());
  EXPECT_EQ(get<BinlogCheckpoint>(285).log_name, "mariadb-bin.000001");
  const auto g = get<MariaGtid>(330);
  EXPECT_EQ(g.to_string(), "0-1-1");
  EXPECT_EQ(g.flags, 0x0c);
  EXPECT_FALSE(g.standalone());
  EXPECT_FALSE(g.commit_id.has_value());
  EXPECT_EQ(get<AnnotateRows>(372).statement,
            "insert into outbox (topic, event_type, event) values ('foo', 'JSON', '{\"foo\":1}')");
  const auto m = get<TableMap>(476);
  EXPECT_EQ(m.table_id, 38u);
  EXPECT_EQ(m.column_name(4), "created");
  EXPECT_EQ(m.optional.column_charsets, (std::vector<std::uint32_t>{45, 63}));
  EXPECT_EQ(m.optional.simple_primary_key, (std::vector<std::uint32_t>{0}));
  EXPECT_EQ(m.optional.enum_str_values, (std::vector<std::vector<std::string>>{{"BLOB", "JSON", "PROTOBUF"}}));
  EXPECT_EQ(m.meta[1], 1020);
  EXPECT_EQ(m.is_unsigned(0), false);
  const auto rows = get<RowsEvent>(612);
  EXPECT_EQ(rows.version, 1);
  EXPECT_EQ(rows.column_count, 5u);
  EXPECT_EQ(get<Xid>(671).xid, 800u);
}

TEST_F(FixtureFile, FdeCrcIsComputedWithInUseFlagCleared) {
  LOAD_OR_SKIP("mariadb-10.x/rmc__mariadb-bin.000001");  // FDE flags = 0x0001, CRC32
  const Bytes fde = file().subspan(4, 252);
  ASSERT_EQ(fde[kEventFlagsOffset] & 1, 1);
  ByteReader tail(fde.subspan(fde.size() - 4));
  const std::uint32_t stored = tail.u32();
  EXPECT_NE(crc32_of(fde.first(fde.size() - 4)), stored);  // the naive check fails
  EXPECT_EQ(event_crc32(fde.first(fde.size() - 4)), stored);
  auto raw = make_raw_event(fde, default_binlog_format(), 4);
  ASSERT_TRUE(raw) << raw.error().message();
  EXPECT_TRUE(raw->checksum_verified);
}

TEST_F(FixtureFile, ChecksumNoneFdeStillEndsWithAlgAndCrc) {
  LOAD_OR_SKIP("mysql-5.6/rmc__bug11747887-bin.000003");
  const auto fd = get<FormatDescription>(4);
  EXPECT_TRUE(fd.format.checksum_aware);
  EXPECT_EQ(fd.format.checksum, ChecksumAlg::kOff);
  EXPECT_EQ(fd.format.post_header_lens.size(), 29u);
}

TEST_F(FixtureFile, Pre56FdeHasNoChecksumTrailer) {
  LOAD_OR_SKIP("mysql-5.1/canal__mysql-bin.000001");
  const auto fd = get<FormatDescription>(4);
  EXPECT_FALSE(fd.format.checksum_aware);
  EXPECT_EQ(fd.format.post_header_lens.size(), 26u);
}

TEST_F(FixtureFile, CorruptRelayLogQueryFailsAtItsOffset) {
  LOAD_OR_SKIP("mysql-5.0/rmc__corrupt-relay-bin.000624");
  auto f = at(91204);
  ASSERT_TRUE(f.has_value());
  ASSERT_FALSE(f->event.has_value());
  const Error& e = f->event.error();
  EXPECT_TRUE(e.is(Errc::kTruncated)) << e.message();
  EXPECT_NE(e.message().find("QUERY event at 91204"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("status vars"), std::string::npos) << e.message();
}

}  // namespace
}  // namespace ghostcut::binlog
