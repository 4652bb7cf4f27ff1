// decode_rows throughput on a sysbench-shaped table:
//   sbtest(id INT, k INT, c CHAR(120), pad CHAR(60)) in utf8mb4 → CHAR max bytes 480 / 240, so c has a
//   2-byte length prefix and pad a 1-byte one. Values look like sysbench's: c = 119 chars, pad = 59.
// Bytes/s counts row-image bytes; items/s counts rows. Arg = rows per WRITE_ROWS event
// (40 ≈ one default 8 KiB event, 10000 = one large buffer).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "binlog/row/row_decoder.h"

namespace {

using namespace ghostcut::binlog;

std::string sysbench_digits(std::uint32_t seed, int groups) {
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

void put_le(std::vector<std::uint8_t>& v, std::uint64_t x, int n) {
  for (int i = 0; i < n; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}

std::vector<std::uint8_t> build_rows(int n) {
  std::vector<std::uint8_t> out;
  for (int i = 0; i < n; ++i) {
    const std::string c = sysbench_digits(static_cast<std::uint32_t>(i), 10);       // 119 chars
    const std::string pad = sysbench_digits(static_cast<std::uint32_t>(i) + 7, 5);  // 59 chars
    out.push_back(0x00);                                                            // NULL bitmap (4 present columns)
    put_le(out, static_cast<std::uint32_t>(i + 1), 4);
    put_le(out, static_cast<std::uint32_t>(i * 7919 % 100000), 4);
    put_le(out, c.size(), 2);
    out.insert(out.end(), c.begin(), c.end());
    put_le(out, pad.size(), 1);
    out.insert(out.end(), pad.begin(), pad.end());
  }
  return out;
}

TableMap sbtest_map() {
  TableMap m;
  m.table_id = 100;
  m.schema = "sbtest";
  m.table = "sbtest1";
  m.types = {ColumnType::kLong, ColumnType::kLong, ColumnType::kString, ColumnType::kString};
  // CHAR(120) utf8mb4: 480 = 0x1E0 → byte0 = 0xfe ^ 0x10, byte1 = 0xe0; CHAR(60): 240 → fe f0
  m.meta = {0, 0, 0xeee0, 0xfef0};
  m.nullable = {false, false, false, false};
  return m;
}

void BM_DecodeWriteRowsSysbench(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::vector<std::uint8_t> rows = build_rows(n);
  const TableMap map = sbtest_map();
  RowsEvent ev;
  ev.type = EventType::kUnknown;
  ev.kind = RowsKind::kWrite;
  ev.table_id = map.table_id;
  ev.column_count = 4;
  ev.columns_present = {true, true, true, true};
  ev.rows = Bytes(rows.data(), rows.size());
  for (auto _ : state) {
    auto res = decode_rows(ev, map);
    if (!res || res->size() != static_cast<std::size_t>(n)) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(res->data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(rows.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}
BENCHMARK(BM_DecodeWriteRowsSysbench)->Arg(40)->Arg(10000);

// The streaming form: one output vector kept across events, so row vectors and string buffers
// are reused instead of allocated per row.
void BM_DecodeWriteRowsSysbenchReuse(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::vector<std::uint8_t> rows = build_rows(n);
  const TableMap map = sbtest_map();
  RowsEvent ev;
  ev.kind = RowsKind::kWrite;
  ev.table_id = map.table_id;
  ev.column_count = 4;
  ev.columns_present = {true, true, true, true};
  ev.rows = Bytes(rows.data(), rows.size());
  std::vector<RowPair> out;
  for (auto _ : state) {
    auto res = decode_rows_into(ev, map, {}, out);
    if (!res || out.size() != static_cast<std::size_t>(n)) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(rows.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}
BENCHMARK(BM_DecodeWriteRowsSysbenchReuse)->Arg(40)->Arg(10000);

}  // namespace

// bench_binlog is one binary for all tests/bench/*.cpp; this file provides its main().
BENCHMARK_MAIN();
