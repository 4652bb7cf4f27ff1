// End-to-end decode throughput of an in-memory binlog: file reader (framing + CRC32 check) →
// ChangeDecoder (event decode, table-map cache, trx boundary) → row values. The binlog is a
// MySQL 8.0-style stream of sysbench-shaped transactions (TABLE_MAP + WRITE_ROWS_V2 + XID, with
// CRC32), sbtest(id INT, k INT, c CHAR(120), pad CHAR(60)) in utf8mb4.
// Bytes/s counts the whole binlog; items/s counts rows.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "binlog/event/binlog_file_reader.h"
#include "binlog/row/change_decoder.h"
#include "support/event_builder.h"

namespace {

using namespace ghostcut::binlog;
using ghostcut::test::BinlogFileBuilder;
using ghostcut::test::BodyWriter;

std::string digits(std::uint32_t seed, int groups) {
  std::string s;
  std::uint32_t x = seed * 2654435761u + 1;
  for (int g = 0; g < groups; ++g) {
    if (g) s.push_back('-');
    for (int i = 0; i < 11; ++i) {
      x = x * 1103515245u + 12345u;
      s.push_back(static_cast<char>('0' + (x >> 16) % 10));
    }
  }
  return s;
}

BodyWriter table_map_body() {
  BodyWriter w;
  w.le(42, 6).u16(1);
  w.u8(6).str("sbtest").u8(0).u8(7).str("sbtest1").u8(0);
  w.lenenc(4).bytes({3, 3, 254, 254});          // LONG, LONG, STRING, STRING
  w.lenenc(4).bytes({0xEE, 0xE0, 0xFE, 0xF0});  // CHAR(480 bytes), CHAR(240 bytes)
  w.u8(0x00);                                   // nothing nullable
  return w;
}

BodyWriter rows_body(int first_id, int rows) {
  BodyWriter w;
  w.le(42, 6).u16(1).u16(2);  // table_id, STMT_END_F, v2 extra-data length (itself only)
  w.lenenc(4).u8(0x0F);       // 4 columns, all present
  for (int i = 0; i < rows; ++i) {
    const auto id = static_cast<std::uint32_t>(first_id + i);
    const std::string c = digits(id, 10), pad = digits(id + 7, 5);
    w.u8(0x00).u32(id).u32(id * 7 % 100000);
    w.u16(static_cast<std::uint16_t>(c.size())).str(c);
    w.u8(static_cast<std::uint8_t>(pad.size())).str(pad);
  }
  return w;
}

std::vector<std::uint8_t> build_binlog(int transactions, int rows_per_event) {
  BinlogFileBuilder b;
  b.fde("8.0.36", 1);
  for (int t = 0; t < transactions; ++t) {
    b.add(EventType::kTableMap, table_map_body(), true);
    b.add(EventType::kWriteRowsV2, rows_body(t * rows_per_event, rows_per_event), true);
    BodyWriter xid;
    xid.u64(static_cast<std::uint64_t>(t));
    b.add(EventType::kXid, xid, true);
  }
  return b.bytes();
}

void BM_DecodeBinlog(benchmark::State& state) {
  const int rows_per_event = static_cast<int>(state.range(0));
  const auto file = build_binlog(4000 / rows_per_event * 10, rows_per_event);
  std::int64_t rows = 0;
  for (auto _ : state) {
    ChangeDecoder decoder;
    decoder.set_position({"binlog.000001", 4});
    BinlogFileReader reader(Bytes(file.data(), file.size()));
    for (;;) {
      auto raw = reader.next();
      if (!raw || !*raw) break;
      auto ev = decoder.decode(**raw);
      if (!ev) {
        state.SkipWithError(ev.error().message().c_str());
        return;
      }
      rows += static_cast<std::int64_t>(ev->rows.size());
      benchmark::DoNotOptimize(ev->rows.data());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(file.size()));
  state.SetItemsProcessed(rows);
}
BENCHMARK(BM_DecodeBinlog)->Arg(1)->Arg(40)->Unit(benchmark::kMillisecond);

}  // namespace
