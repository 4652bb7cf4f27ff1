// decode_event dispatch, TRANSACTION_PAYLOAD (zstd / none / broken), MariaDB QUERY_COMPRESSED,
// unknown types, error locations; TableMapCache rules; TrxBoundary state machine.
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include "binlog/event/event_decoder.h"
#include "binlog/event/table_map_cache.h"
#include "binlog/event/trx_boundary.h"
#include "support/event_builder.h"
#include "truncation.h"

namespace ghostcut::binlog {
namespace {

using test::BodyWriter;
using test::build_event;
using testing::span_of;

// Decodes a built event (no CRC) under `format`; the bytes are kept alive by the caller.
Result<Event> decode(const std::vector<std::uint8_t>& ev, const BinlogFormat& format, std::size_t offset = 0) {
  auto raw = make_raw_event(span_of(ev), format, offset);
  if (!raw) return raw.error();
  return decode_event(*raw, format);
}

BodyWriter table_map_body(std::uint64_t id, const char* table) {
  BodyWriter w;
  w.u48(id).u16(1).u8(1).null_str("d").u8(static_cast<std::uint8_t>(std::strlen(table))).null_str(table);
  w.lenenc(1).u8(3).lenenc(0).u8(0);
  return w;
}

BodyWriter write_rows_body(std::uint64_t id) {
  BodyWriter w;
  w.u48(id).u16(1).u16(2).lenenc(1).u8(1).u8(0).u32(7);
  return w;
}

TEST(Decoder, DispatchesEachType) {
  const BinlogFormat f = default_binlog_format();
  struct Case {
    const char* name;
    EventType type;
    BodyWriter body;
    std::size_t index;
  };
  const Uuid sid{};
  std::vector<Case> cases;
  cases.push_back({"rotate", EventType::kRotate, BodyWriter().u64(4).str("b.000002"), 2});
  cases.push_back({"query", EventType::kQuery, BodyWriter().u32(1).u32(0).u8(0).u16(0).u16(0).u8(0).str("BEGIN"), 3});
  cases.push_back({"xid", EventType::kXid, BodyWriter().u64(1), 4});
  cases.push_back({"stop", EventType::kStop, BodyWriter(), 5});
  cases.push_back({"heartbeat", EventType::kHeartbeat, BodyWriter().str("b.000001"), 6});
  cases.push_back({"heartbeat v2", EventType::kHeartbeatV2, BodyWriter().u8(0), 6});
  cases.push_back({"gtid", EventType::kGtid, BodyWriter().u8(0).bytes(sid).u64(1), 7});
  cases.push_back({"anonymous gtid", EventType::kAnonymousGtid, BodyWriter().u8(0).bytes(sid).u64(0), 7});
  cases.push_back({"previous gtids", EventType::kPreviousGtids, BodyWriter().u64(0), 8});
  cases.push_back({"maria gtid", EventType::kMariaGtid, BodyWriter().u64(1).u32(0).u8(0).zeros(6), 9});
  cases.push_back({"gtid list", EventType::kMariaGtidList, BodyWriter().u32(0), 10});
  cases.push_back({"checkpoint", EventType::kMariaBinlogCheckpoint, BodyWriter().u32(1).str("x"), 11});
  cases.push_back({"annotate", EventType::kMariaAnnotateRows, BodyWriter().str("insert"), 12});
  cases.push_back({"rows query", EventType::kRowsQuery, BodyWriter().u8(6).str("insert"), 13});
  cases.push_back({"intvar", EventType::kIntvar, BodyWriter().u8(1).u64(1), 14});
  cases.push_back({"rand", EventType::kRand, BodyWriter().u64(1).u64(2), 15});
  cases.push_back({"user var", EventType::kUserVar, BodyWriter().u32(1).str("a").u8(1), 16});
  cases.push_back({"incident", EventType::kIncident, BodyWriter().u16(1).u8(0), 17});
  cases.push_back({"table map", EventType::kTableMap, table_map_body(5, "t"), 19});
  cases.push_back({"write rows v2", EventType::kWriteRowsV2, write_rows_body(5), 20});
  cases.push_back({"load (not decoded)", EventType::kAppendBlock, BodyWriter().u32(1).str("data"), 0});
  cases.push_back({"xa prepare (not decoded)", EventType::kXaPrepare, BodyWriter().u8(0).u32(0).u32(0).u32(0), 0});
  cases.push_back({"unknown 200", static_cast<EventType>(200), BodyWriter().str("whatever bytes"), 0});
  cases.push_back({"start encryption", EventType::kMariaStartEncryption, BodyWriter().u8(1).u32(1).zeros(12), 0});
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto ev = build_event(c.type, c.body);
    auto r = decode(ev, f);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->index(), c.index);
    if (const auto* u = std::get_if<Unknown>(&*r)) {
      EXPECT_EQ(u->type, c.type);
      EXPECT_EQ(u->body_size, c.body.size());
    }
  }
}

TEST(Decoder, Describe) {
  struct Case {
    Event ev;
    const char* want;
  };
  TableMap m;
  m.table_id = 88;
  m.schema = "test";
  m.table = "tb1";
  m.types = {ColumnType::kLong};
  RowsEvent rows;
  rows.type = EventType::kWriteRowsV2;
  rows.table_id = 88;
  rows.column_count = 1;
  rows.flags = 1;
  Gtid g;
  g.gno = 42;
  MariaGtid mg;
  mg.seq_no = 7;
  mg.server_id = 1;
  const Case cases[] = {
      {Rotate{4, "binlog.000043"}, "ROTATE next=binlog.000043 pos=4"},
      {Xid{462}, "XID 462"},
      {m, "TABLE_MAP id=88 test.tb1 cols=1"},
      {rows, "WRITE_ROWS_V2 table_id=88 cols=1 rows_bytes=0 flags=0x1"},
      {g, "GTID 00000000-0000-0000-0000-000000000000:42"},
      {mg, "MARIADB_GTID 0-1-7"},
      {Unknown{EventType::kAppendBlock, 12}, "APPEND_BLOCK (type 9, 12 bytes, not decoded)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.want);
    EXPECT_EQ(describe(c.ev), c.want);
  }
  Query q;
  q.schema = "d";
  q.statement = "ALTER TABLE t\nADD c INT";
  EXPECT_EQ(describe(q), "QUERY db=d thread=0 sql=ALTER TABLE t ADD c INT");
}

TEST(Decoder, ErrorsNameTypeAndAbsoluteOffset) {
  const auto ev = build_event(EventType::kXid, BodyWriter().u32(1));
  auto r = decode(ev, default_binlog_format(), 1000);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(Errc::kTruncated));
  EXPECT_NE(r.error().message().find("XID event at 1000"), std::string::npos) << r.error().message();
  EXPECT_GE(r.error().offset, 1000u + 19u);
}

TEST(Decoder, FormatDescription) {
  const auto ev = test::build_fde("8.0.32", 1);
  auto r = decode(ev, default_binlog_format());
  ASSERT_TRUE(r) << r.error().message();
  const auto& fd = std::get<FormatDescription>(*r);
  EXPECT_EQ(fd.format.server_version, "8.0.32");
  EXPECT_TRUE(fd.format.has_checksum());
}

TEST(Decoder, MariaDbQueryCompressed) {
  const std::string sql = "INSERT INTO t VALUES " + std::string(500, 'x');
  uLongf n = compressBound(static_cast<uLong>(sql.size()));
  std::vector<std::uint8_t> z(n);
  ASSERT_EQ(compress(z.data(), &n, reinterpret_cast<const Bytef*>(sql.data()), static_cast<uLong>(sql.size())), Z_OK);
  z.resize(n);
  BodyWriter body;
  body.u32(9).u32(0).u8(2).u16(0).u16(0).null_str("db").u8(0x82).be(sql.size(), 2).bytes(z);
  const auto ev = build_event(EventType::kMariaQueryCompressed, body);
  auto r = decode(ev, default_binlog_format());
  ASSERT_TRUE(r) << r.error().message();
  const auto& q = std::get<Query>(*r);
  EXPECT_TRUE(q.compressed);
  EXPECT_EQ(q.schema, "db");
  EXPECT_EQ(q.statement, sql);

  BodyWriter broken;
  broken.u32(9).u32(0).u8(2).u16(0).u16(0).null_str("db").u8(0x82).be(sql.size(), 2).bytes({1, 2, 3});
  const auto bev = build_event(EventType::kMariaQueryCompressed, broken);
  auto b = decode(bev, default_binlog_format());
  ASSERT_FALSE(b);
  EXPECT_TRUE(b.error().is(Errc::kDecompressFailed)) << b.error().message();
}

// Inner events of a payload: header + body, no CRC, log_pos 0.
std::vector<std::uint8_t> inner_events() {
  std::vector<std::uint8_t> all;
  for (const auto& ev :
       {build_event(EventType::kQuery, BodyWriter().u32(1).u32(0).u8(0).u16(0).u16(0).u8(0).str("BEGIN")),
        build_event(EventType::kTableMap, table_map_body(9, "t")),
        build_event(EventType::kWriteRowsV2, write_rows_body(9)),
        build_event(EventType::kXid, BodyWriter().u64(462))}) {
    all.insert(all.end(), ev.begin(), ev.end());
  }
  return all;
}

BodyWriter payload_body(std::uint64_t compression, const std::vector<std::uint8_t>& data, std::size_t uncompressed) {
  BodyWriter w;
  auto field = [&w](std::uint8_t type, std::uint64_t v) {
    BodyWriter value;
    value.lenenc(v);
    w.lenenc(type).lenenc(value.size()).bytes(value.data());
  };
  field(2, compression);
  field(3, uncompressed);
  w.lenenc(7).lenenc(2).bytes({0xaa, 0xbb});  // unknown field: skipped
  field(1, data.size());
  w.lenenc(0).bytes(data);
  return w;
}

TEST(TransactionPayload, ZstdAndNone) {
  const auto inner = inner_events();
  std::vector<std::uint8_t> z(ZSTD_compressBound(inner.size()));
  const std::size_t zn = ZSTD_compress(z.data(), z.size(), inner.data(), inner.size(), 3);
  ASSERT_FALSE(ZSTD_isError(zn));
  z.resize(zn);
  for (const auto& [name, body] : {std::pair{"zstd", payload_body(0, z, inner.size())},
                                   std::pair{"none", payload_body(255, inner, inner.size())}}) {
    SCOPED_TRACE(name);
    const auto ev = build_event(EventType::kTransactionPayload, body);
    auto r = decode(ev, default_binlog_format());
    ASSERT_TRUE(r) << r.error().message();
    const auto& p = std::get<TransactionPayload>(*r);
    EXPECT_EQ(p.uncompressed, inner);
    EXPECT_EQ(p.uncompressed_size, inner.size());
    auto events = split_payload_events(p);
    ASSERT_TRUE(events) << events.error().message();
    ASSERT_EQ(events->size(), 4u);
    EXPECT_EQ((*events)[3].type(), EventType::kXid);
    auto xid = decode_event((*events)[3], default_binlog_format());
    ASSERT_TRUE(xid);
    EXPECT_EQ(std::get<Xid>(*xid).xid, 462u);
  }
}

TEST(TransactionPayload, Errors) {
  const auto inner = inner_events();
  std::vector<std::uint8_t> z(ZSTD_compressBound(inner.size()));
  z.resize(ZSTD_compress(z.data(), z.size(), inner.data(), inner.size(), 3));
  auto corrupt = z;
  corrupt[0] ^= 0x5a;  // not a zstd frame (zstd frames carry no checksum by default)
  struct Case {
    const char* name;
    BodyWriter body;
    Errc want;
  };
  std::vector<Case> cases;
  cases.push_back({"wrong uncompressed size", payload_body(0, z, inner.size() + 5), Errc::kDecompressFailed});
  cases.push_back({"size too small", payload_body(0, z, inner.size() - 5), Errc::kDecompressFailed});
  cases.push_back({"corrupt stream", payload_body(0, corrupt, inner.size()), Errc::kDecompressFailed});
  cases.push_back({"unknown compression", payload_body(1, z, inner.size()), Errc::kUnsupported});
  cases.push_back({"over 1 GiB", payload_body(0, z, std::size_t{1} << 31), Errc::kBadLength});
  BodyWriter no_end;
  no_end.lenenc(2).lenenc(1);  // field cut before its value
  cases.push_back({"header cut", no_end, Errc::kTruncated});
  BodyWriter short_payload;
  short_payload.lenenc(1).lenenc(1).lenenc(100).lenenc(0).bytes({1, 2, 3});
  cases.push_back({"payload shorter than its size", short_payload, Errc::kTruncated});
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto ev = build_event(EventType::kTransactionPayload, c.body);
    auto r = decode(ev, default_binlog_format());
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().is(c.want)) << r.error().message();
    EXPECT_NE(r.error().context.find("TRANSACTION_PAYLOAD"), std::string::npos);
  }
  // An inner event that claims more bytes than the payload holds.
  TransactionPayload p;
  p.uncompressed = inner;
  p.uncompressed.resize(inner.size() - 3);
  auto split = split_payload_events(p);
  ASSERT_FALSE(split);
  EXPECT_TRUE(split.error().is(Errc::kTruncated));
  EXPECT_NE(split.error().message().find("XID"), std::string::npos) << split.error().message();
}

TEST(TableMapCache, ReplaceFindAndClear) {
  TableMapCache cache;
  auto a = parse_table_map(span_of(table_map_body(5, "a").take()), 8);
  ASSERT_TRUE(a);
  cache.observe(Event(*a));
  ASSERT_NE(cache.find(5), nullptr);
  EXPECT_EQ(cache.find(5)->table, "a");
  auto b = parse_table_map(span_of(table_map_body(5, "b").take()), 8);
  cache.observe(Event(*b));
  EXPECT_EQ(cache.find(5)->table, "b");  // same id, new mapping
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find(6), nullptr);
  cache.observe(Event(Xid{1}));
  EXPECT_EQ(cache.size(), 1u);
  cache.observe(Event(Rotate{4, "b.000002"}));
  EXPECT_EQ(cache.size(), 0u);
  cache.put(*a);
  cache.observe(Event(FormatDescription{}));
  EXPECT_EQ(cache.find(5), nullptr);
}

// A TABLE_MAP equal to the cached one (one before every transaction) leaves the entry as it is;
// a changed one replaces it.
TEST(TableMapCache, EqualMapKeepsTheEntryChangedMapReplacesIt) {
  TableMapCache cache;
  auto a = parse_table_map(span_of(table_map_body(5, "a").take()), 8);
  auto b = parse_table_map(span_of(table_map_body(5, "b").take()), 8);
  ASSERT_TRUE(a && b);
  cache.observe(Event(*a));
  const TableMap* entry = cache.find(5);
  cache.observe(Event(*a));
  EXPECT_EQ(cache.find(5), entry);
  EXPECT_EQ(*cache.find(5), *a);
  cache.observe(Event(*b));
  EXPECT_EQ(*cache.find(5), *b);
  cache.observe(Event(*a));
  EXPECT_EQ(*cache.find(5), *a);
}

Query query(const char* sql) {
  Query q;
  q.statement = sql;
  return q;
}

TEST(TrxBoundary, Sequences) {
  struct Step {
    Event ev;
    TrxStep want;
  };
  struct Case {
    const char* name;
    std::vector<Step> steps;
  };
  MariaGtid maria_trx;
  maria_trx.flags = 0x0c;
  MariaGtid maria_ddl;
  maria_ddl.flags = MariaGtid::kFlStandalone;
  const std::vector<Case> cases = {
      {"mysql gtid dml",
       {{Gtid{}, TrxStep::kStarted},
        {query("BEGIN"), TrxStep::kInside},
        {TableMap{}, TrxStep::kInside},
        {RowsEvent{}, TrxStep::kInside},
        {Xid{}, TrxStep::kEnded}}},
      {"mysql ddl", {{Gtid{}, TrxStep::kStarted}, {query("ALTER TABLE t ADD c INT"), TrxStep::kEnded}}},
      {"no gtid myisam",
       {{query("BEGIN"), TrxStep::kStarted}, {RowsEvent{}, TrxStep::kInside}, {query("COMMIT"), TrxStep::kEnded}}},
      {"autocommit statement",
       {{Intvar{}, TrxStep::kStarted}, {query("INSERT INTO t VALUES (NULL)"), TrxStep::kEnded}}},
      {"statement inside trx",
       {{query("BEGIN"), TrxStep::kStarted},
        {query("UPDATE t SET a=1"), TrxStep::kInside},
        {query("ROLLBACK"), TrxStep::kEnded}}},
      {"mariadb trx",
       {{maria_trx, TrxStep::kStarted},
        {AnnotateRows{}, TrxStep::kInside},
        {TableMap{}, TrxStep::kInside},
        {RowsEvent{}, TrxStep::kInside},
        {Xid{}, TrxStep::kEnded}}},
      {"mariadb standalone ddl", {{maria_ddl, TrxStep::kStarted}, {query("CREATE TABLE t (a INT)"), TrxStep::kEnded}}},
      {"payload", {{Gtid{}, TrxStep::kStarted}, {TransactionPayload{}, TrxStep::kEnded}}},
      {"xa",
       {{Gtid{}, TrxStep::kStarted},
        {query("XA START 'x'"), TrxStep::kInside},
        {RowsEvent{}, TrxStep::kInside},
        {query("XA END 'x'"), TrxStep::kInside},
        {Unknown{EventType::kXaPrepare, 0}, TrxStep::kEnded}}},
      {"outside",
       {{Rotate{}, TrxStep::kOutside},
        {FormatDescription{}, TrxStep::kOutside},
        {PreviousGtids{}, TrxStep::kOutside},
        {Heartbeat{}, TrxStep::kOutside}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TrxBoundary trx;
    std::uint64_t pos = 100;
    for (std::size_t i = 0; i < c.steps.size(); ++i) {
      SCOPED_TRACE(i);
      pos += 10;
      EXPECT_EQ(trx.on_event(c.steps[i].ev, pos), c.steps[i].want);
      if (c.steps[i].want == TrxStep::kEnded) {
        EXPECT_FALSE(trx.in_transaction());
        EXPECT_EQ(trx.last_safe_position(), pos);
      } else if (c.steps[i].want != TrxStep::kOutside) {
        EXPECT_TRUE(trx.in_transaction());
      }
    }
  }
}

TEST(TrxBoundary, SafePositionOnlyMovesAtTransactionEnds) {
  TrxBoundary trx;
  EXPECT_EQ(trx.last_safe_position(), std::nullopt);
  trx.on_event(Gtid{}, 200);
  trx.on_event(query("BEGIN"), 250);
  trx.on_event(RowsEvent{}, 300);
  EXPECT_EQ(trx.last_safe_position(), std::nullopt);
  EXPECT_EQ(trx.state(), TrxState::kInTrx);
  trx.on_event(Xid{}, 331);
  EXPECT_EQ(trx.last_safe_position(), 331u);
  trx.on_event(Gtid{}, 400);
  EXPECT_EQ(trx.state(), TrxState::kPending);
  EXPECT_EQ(trx.last_safe_position(), 331u);
  trx.reset();
  EXPECT_EQ(trx.state(), TrxState::kNone);
  EXPECT_EQ(trx.last_safe_position(), std::nullopt);
}

}  // namespace
}  // namespace ghostcut::binlog
