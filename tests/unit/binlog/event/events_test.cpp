// Hand-built bodies for every non-row event parser: values decode, each truncated field fails clearly.
#include <gtest/gtest.h>

#include "binlog/event/events.h"
#include "support/event_builder.h"
#include "truncation.h"

namespace ghostcut::binlog {
namespace {

using test::BodyWriter;
using testing::expect_truncations_fail;
using testing::span_of;

const Uuid kSid = {0x55, 0x77, 0x89, 0x04, 0x02, 0x99, 0x11, 0xf1, 0xb1, 0xb8, 0x4e, 0xf0, 0xc4, 0x95, 0x6f, 0xeb};

TEST(Events, Rotate) {
  const auto body = BodyWriter().u64(4).str("binlog.000043").take();
  auto r = parse_rotate(span_of(body), 8);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->position, 4u);
  EXPECT_EQ(r->next_file, "binlog.000043");
  expect_truncations_fail(body, 8, [](Bytes b) { return parse_rotate(b, 8); });
}

TEST(Events, QueryWithStatusVars) {
  const auto body = BodyWriter()
                        .u32(107)
                        .u32(3)
                        .u8(4)
                        .u16(0)  // thread, exec_time, db_len, error
                        .u16(5)
                        .bytes({0x00, 1, 2, 3, 4})  // status vars, skipped by length
                        .null_str("test")
                        .str("BEGIN")
                        .take();
  auto q = parse_query(span_of(body), 13);
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_EQ(q->thread_id, 107u);
  EXPECT_EQ(q->exec_time, 3u);
  EXPECT_EQ(q->error_code, 0);
  EXPECT_EQ(q->schema, "test");
  EXPECT_EQ(q->statement, "BEGIN");
  EXPECT_EQ(q->status_vars.size(), 5u);
  EXPECT_TRUE(q->is_begin());
  EXPECT_FALSE(q->is_commit());
  // Everything up to the db terminator is required; the statement may be empty.
  expect_truncations_fail(body, body.size() - 5, [](Bytes b) { return parse_query(b, 13); });
}

TEST(Events, QueryStatusVarsOverrunIsTruncated) {
  const auto body = BodyWriter().u32(1).u32(0).u8(0).u16(0).u16(16949).bytes({1, 2, 3}).take();
  auto q = parse_query(span_of(body), 13);
  ASSERT_FALSE(q);
  EXPECT_TRUE(q.error().is(Errc::kTruncated));
  EXPECT_NE(q.error().message().find("want 16949"), std::string::npos) << q.error().message();
}

TEST(Events, QueryV3HasNoStatusVars) {
  const auto body = BodyWriter().u32(1).u32(0).u8(1).u16(0).null_str("d").str("create table t(a int)").take();
  auto q = parse_query(span_of(body), 11);
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_EQ(q->schema, "d");
  EXPECT_EQ(q->statement, "create table t(a int)");
}

TEST(Events, QueryKinds) {
  struct Case {
    const char* sql;
    bool begin, commit, rollback;
  };
  const Case cases[] = {{"BEGIN", true, false, false},         {"  begin", true, false, false},
                        {"COMMIT", false, true, false},        {"ROLLBACK", false, false, true},
                        {"BEGINNING", false, false, false},    {"ALTER TABLE t", false, false, false},
                        {"commit /* x */", false, true, false}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.sql);
    Query q;
    q.statement = c.sql;
    EXPECT_EQ(q.is_begin(), c.begin);
    EXPECT_EQ(q.is_commit(), c.commit);
    EXPECT_EQ(q.is_rollback(), c.rollback);
  }
}

TEST(Events, XidIntvarRandIncident) {
  const auto xid = BodyWriter().u64(462).take();
  ASSERT_TRUE(parse_xid(span_of(xid)));
  EXPECT_EQ(parse_xid(span_of(xid))->xid, 462u);
  expect_truncations_fail(xid, xid.size(), [](Bytes b) { return parse_xid(b); });

  const auto iv = BodyWriter().u8(2).u64(77).take();
  EXPECT_EQ(parse_intvar(span_of(iv))->value, 77u);
  EXPECT_EQ(parse_intvar(span_of(iv))->kind, 2);
  expect_truncations_fail(iv, iv.size(), [](Bytes b) { return parse_intvar(b); });

  const auto rand = BodyWriter().u64(11).u64(22).take();
  EXPECT_EQ(parse_rand(span_of(rand))->seed2, 22u);
  expect_truncations_fail(rand, rand.size(), [](Bytes b) { return parse_rand(b); });

  const auto inc = BodyWriter().u16(1).u8(9).str("LOST_EVENTS"[0] ? "lost evts" : "").take();
  auto i = parse_incident(span_of(inc));
  ASSERT_TRUE(i) << i.error().message();
  EXPECT_EQ(i->kind, 1);
  EXPECT_EQ(i->message, "lost evts");
  expect_truncations_fail(inc, inc.size(), [](Bytes b) { return parse_incident(b); });
}

TEST(Events, UserVar) {
  const auto body = BodyWriter().u32(1).str("a").u8(0).u8(2).u32(63).u32(8).u64(42).u8(1).take();
  auto u = parse_user_var(span_of(body));
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->name, "a");
  EXPECT_FALSE(u->is_null);
  EXPECT_EQ(u->value_type, 2);
  EXPECT_EQ(u->value.size(), 8u);
  EXPECT_EQ(u->flags, 1);
  expect_truncations_fail(body, body.size() - 1, [](Bytes b) { return parse_user_var(b); });

  const auto null_body = BodyWriter().u32(1).str("b").u8(1).take();
  auto n = parse_user_var(span_of(null_body));
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->is_null);
}

TEST(Events, Heartbeat) {
  const auto v1 = BodyWriter().str("binlog.000007").take();
  auto h = parse_heartbeat(span_of(v1), 1234);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->log_name, "binlog.000007");
  EXPECT_EQ(h->position, 1234u);

  const auto v2 = BodyWriter().u8(1).u8(13).str("binlog.000007").u8(2).u8(4).lenenc(70000).u8(0).take();
  auto h2 = parse_heartbeat_v2(span_of(v2));
  ASSERT_TRUE(h2) << h2.error().message();
  EXPECT_TRUE(h2->v2);
  EXPECT_EQ(h2->log_name, "binlog.000007");
  EXPECT_EQ(h2->position, 70000u);
  const auto bad = BodyWriter().u8(1).u8(20).str("short").take();
  EXPECT_FALSE(parse_heartbeat_v2(span_of(bad)));
}

// A MySQL 8.0 GTID_LOG_EVENT with every optional section, original values differing.
BodyWriter gtid80_body() {
  BodyWriter w;
  w.u8(1).bytes(kSid).u64(7);
  w.u8(2).u64(5).u64(6);                                                   // logical timestamps
  w.le(1695159109445737ULL | (1ULL << 55), 7).le(1695159100000000ULL, 7);  // immediate (+flag), original
  w.lenenc(234);
  w.u32(80032u | 0x80000000u).u32(80027);
  return w;
}

TEST(Events, MySqlGtidAllSections) {
  const auto body = gtid80_body().take();
  auto g = parse_gtid(EventType::kGtid, span_of(body));
  ASSERT_TRUE(g) << g.error().message();
  EXPECT_EQ(g->flags, 1);
  EXPECT_EQ(g->sid, kSid);
  EXPECT_EQ(g->gno, 7u);
  EXPECT_EQ(g->to_string(), "55778904-0299-11f1-b1b8-4ef0c4956feb:7");
  EXPECT_EQ(g->last_committed, 5u);
  EXPECT_EQ(g->sequence_number, 6u);
  EXPECT_EQ(g->immediate_commit_timestamp, 1695159109445737u);
  EXPECT_EQ(g->original_commit_timestamp, 1695159100000000u);
  EXPECT_EQ(g->transaction_length, 234u);
  EXPECT_EQ(g->immediate_server_version, 80032u);
  EXPECT_EQ(g->original_server_version, 80027u);

  // Cuts at section boundaries are older server versions; cuts inside a field are errors.
  struct Cut {
    std::size_t len;
    bool ok;
  };
  const Cut cuts[] = {{0, false},  {1, false},  {24, false}, {25, true},  {26, false},
                      {41, false}, {42, true},  {45, false}, {49, false}, {56, true},
                      {57, true},  {59, false}, {61, false}, {64, false}, {65, true}};
  ASSERT_EQ(body.size(), 65u);
  for (const auto& c : cuts) {
    SCOPED_TRACE(c.len);
    auto r = parse_gtid(EventType::kGtid, Bytes(body.data(), c.len));
    EXPECT_EQ(r.has_value(), c.ok);
    if (!r) {
      EXPECT_TRUE(r.error().is(Errc::kTruncated)) << r.error().message();
    }
  }
}

TEST(Events, MySql56GtidAndAnonymous) {
  const auto body = BodyWriter().u8(1).bytes(kSid).u64(3).take();
  auto g = parse_gtid(EventType::kAnonymousGtid, span_of(body));
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->anonymous());
  EXPECT_FALSE(g->last_committed.has_value());
  EXPECT_FALSE(g->immediate_commit_timestamp.has_value());
}

BodyWriter tagged_fields() {
  BodyWriter f;
  f.varlen(0).varlen(0);  // flags
  f.varlen(1);
  for (std::uint8_t b : kSid) f.varlen(b);
  f.varlen(2).varlen_signed(3);
  f.varlen(3).varlen(5).str("mytag");
  f.varlen(4).varlen_signed(0);
  f.varlen(5).varlen_signed(1);
  f.varlen(6).varlen(1770368687207196ULL);
  f.varlen(8).varlen(296);
  f.varlen(9).varlen(90600);
  return f;
}

std::vector<std::uint8_t> tagged_body(const BodyWriter& fields, std::uint64_t last_non_ignorable = 0) {
  // payload_size counts version byte + its own varlen + lnif varlen + fields (1 byte each here).
  BodyWriter w;
  w.u8(2).varlen(fields.size() + 3).varlen(last_non_ignorable).bytes(fields.data());
  return w.take();
}

TEST(Events, GtidTagged) {
  const auto body = tagged_body(tagged_fields());
  auto g = parse_gtid_tagged(span_of(body));
  ASSERT_TRUE(g) << g.error().message();
  EXPECT_EQ(g->type, EventType::kGtidTagged);
  EXPECT_EQ(g->to_string(), "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3");
  EXPECT_EQ(g->sequence_number, 1u);
  EXPECT_EQ(g->immediate_commit_timestamp, 1770368687207196u);
  EXPECT_EQ(g->original_commit_timestamp, 1770368687207196u);
  EXPECT_EQ(g->transaction_length, 296u);
  EXPECT_EQ(g->immediate_server_version, 90600u);
  // Any cut: payload_size no longer fits (or the header is cut) -> error.
  for (std::size_t n = 0; n < body.size(); ++n) {
    SCOPED_TRACE(n);
    auto r = parse_gtid_tagged(Bytes(body.data(), n));
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().is(Errc::kTruncated) || r.error().is(Errc::kBadLength)) << r.error().message();
  }
}

TEST(Events, GtidTaggedUnknownFields) {
  BodyWriter f = tagged_fields();
  f.varlen(40).varlen(1);
  auto ignorable = parse_gtid_tagged(span_of(tagged_body(f, 0)));
  ASSERT_TRUE(ignorable) << ignorable.error().message();
  EXPECT_EQ(ignorable->gno, 3u);
  auto fatal = parse_gtid_tagged(span_of(tagged_body(f, 40)));
  ASSERT_FALSE(fatal);
  EXPECT_TRUE(fatal.error().is(Errc::kUnsupported));
  const auto v3 = BodyWriter().u8(3).varlen(3).varlen(0).take();
  EXPECT_TRUE(parse_gtid_tagged(span_of(v3)).error().is(Errc::kUnsupported));
}

TEST(Events, VarlenIntegers) {
  const std::uint64_t values[] = {0, 1, 127, 128, 16383, 16384, 90600, 1ULL << 40, (1ULL << 56) - 1, 1ULL << 56, ~0ULL};
  for (std::uint64_t v : values) {
    SCOPED_TRACE(v);
    const auto b = BodyWriter().varlen(v).take();
    ByteReader r(span_of(b));
    EXPECT_EQ(detail::read_varlen_uint(r), v);
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.at_end());
  }
  const std::int64_t signed_values[] = {0, 1, -1, 3, -64, 1LL << 40, -(1LL << 40)};
  for (std::int64_t v : signed_values) {
    SCOPED_TRACE(v);
    const auto b = BodyWriter().varlen_signed(v).take();
    ByteReader r(span_of(b));
    EXPECT_EQ(detail::read_varlen_int(r), v);
  }
  const std::vector<std::uint8_t> cut = {0x03, 0x00};  // says 3 bytes, has 2
  ByteReader r(span_of(cut));
  detail::read_varlen_uint(r);
  EXPECT_FALSE(r.ok());
}

TEST(Events, PreviousGtidsUntaggedAndTagged) {
  const auto plain = BodyWriter().u64(1).bytes(kSid).u64(2).u64(1).u64(3).u64(5).u64(6).take();
  auto p = parse_previous_gtids(span_of(plain));
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_FALSE(p->tagged_format);
  EXPECT_EQ(p->to_string(), "55778904-0299-11f1-b1b8-4ef0c4956feb:1-2:5");
  expect_truncations_fail(plain, plain.size(), [](Bytes b) { return parse_previous_gtids(b); });

  const auto tagged = BodyWriter()
                          .u64((1ULL << 56) | (2ULL << 8) | 1)
                          .bytes(kSid)
                          .varlen(0)
                          .u64(1)
                          .u64(1)
                          .u64(14)
                          .bytes(kSid)
                          .varlen(5)
                          .str("mytag")
                          .u64(1)
                          .u64(1)
                          .u64(3)
                          .take();
  auto t = parse_previous_gtids(span_of(tagged));
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_TRUE(t->tagged_format);
  EXPECT_EQ(t->to_string(), "55778904-0299-11f1-b1b8-4ef0c4956feb:1-13,55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:1-2");
  expect_truncations_fail(tagged, tagged.size(), [](Bytes b) { return parse_previous_gtids(b); });

  const auto huge = BodyWriter().u64(1ULL << 40).take();
  EXPECT_TRUE(parse_previous_gtids(span_of(huge)).error().is(Errc::kTruncated));
}

TEST(Events, MariaGtid) {
  const auto plain = BodyWriter().u64(1).u32(0).u8(0x0c).zeros(6).take();
  auto g = parse_maria_gtid(span_of(plain), 1);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->to_string(), "0-1-1");
  EXPECT_FALSE(g->standalone());
  EXPECT_FALSE(g->commit_id.has_value());
  expect_truncations_fail(plain, 13, [](Bytes b) { return parse_maria_gtid(b, 1); });

  const auto group = BodyWriter().u64(99).u32(2).u8(0x03).u64(12345).take();
  auto gc = parse_maria_gtid(span_of(group), 7);
  ASSERT_TRUE(gc);
  EXPECT_TRUE(gc->standalone());
  EXPECT_EQ(gc->commit_id, 12345u);
  EXPECT_EQ(gc->to_string(), "2-7-99");
  expect_truncations_fail(group, group.size(), [](Bytes b) { return parse_maria_gtid(b, 7); });
}

TEST(Events, MariaGtidListCheckpointAnnotate) {
  const auto list = BodyWriter().u32(2 | (1u << 28)).u32(0).u32(1).u64(10).u32(1).u32(2).u64(20).take();
  auto l = parse_maria_gtid_list(span_of(list));
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->flags, 1);
  ASSERT_EQ(l->gtids.size(), 2u);
  EXPECT_EQ(l->gtids[1], (MariaGtidListEntry{1, 2, 20}));
  expect_truncations_fail(list, list.size(), [](Bytes b) { return parse_maria_gtid_list(b); });

  const auto cp = BodyWriter().u32(18).str("mariadb-bin.000001").take();
  EXPECT_EQ(parse_binlog_checkpoint(span_of(cp))->log_name, "mariadb-bin.000001");
  expect_truncations_fail(cp, cp.size(), [](Bytes b) { return parse_binlog_checkpoint(b); });

  const auto ann = BodyWriter().str("insert into t values (1)").take();
  EXPECT_EQ(parse_annotate_rows(span_of(ann))->statement, "insert into t values (1)");

  const auto rq = BodyWriter().u8(24).str("insert into t values (1)").take();
  EXPECT_EQ(parse_rows_query(span_of(rq))->statement, "insert into t values (1)");
  expect_truncations_fail(rq, 1, [](Bytes b) { return parse_rows_query(b); });
}

TEST(Events, UuidToString) {
  EXPECT_EQ(uuid_to_string(kSid), "55778904-0299-11f1-b1b8-4ef0c4956feb");
  EXPECT_EQ(uuid_to_string(Uuid{}), "00000000-0000-0000-0000-000000000000");
}

}  // namespace
}  // namespace ghostcut::binlog
