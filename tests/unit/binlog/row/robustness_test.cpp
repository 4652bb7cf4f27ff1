// Corrupted input never crashes: deterministic random byte flips and cuts over real fixture
// rows events and binary JSON documents. (Meant to run under ASan/UBSan, GHOSTCUT_SANITIZE=ON.)
// Each case only has to return, success or error; an error must carry a message.
#include <gtest/gtest.h>

#include <random>

#include "binlog/row/json_binary.h"
#include "binlog/row/row_decoder.h"
#include "row_test_util.h"
#include "support/fixtures.h"

namespace ghostcut::binlog {
namespace {

using Robustness = ::ghostcut::test::RequiresFixtures;

using test::load_fixture_rows;
using test::make_map;

void mutate_and_decode(const RowsEvent& base, const TableMap& map, std::uint32_t seed, int rounds) {
  std::mt19937 rng(seed);
  const std::vector<std::uint8_t> original(base.rows.begin(), base.rows.end());
  for (int i = 0; i < rounds; ++i) {
    std::vector<std::uint8_t> bytes = original;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips && !bytes.empty(); ++f) bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
    if (rng() % 3 == 0 && !bytes.empty()) bytes.resize(rng() % bytes.size());
    RowsEvent ev = base;
    ev.rows = Bytes(bytes.data(), bytes.size());
    auto res = decode_rows(ev, map);
    if (!res) {
      EXPECT_FALSE(res.error().message().empty());
    }
  }
}

TEST_F(Robustness, MutatedRowsEvents) {
  auto json = load_fixture_rows("mysql-8.0/rmc__json.binlog.000001", 2612, RowsKind::kUpdate);
  mutate_and_decode(
      json.ev,
      make_map(119, {ColumnType::kLong, ColumnType::kJson, ColumnType::kVarchar, ColumnType::kLong}, {0, 4, 400, 0}), 1,
      3000);
  auto partial = load_fixture_rows("mysql-8.0/rmc__json.binlog.000001", 3750, RowsKind::kPartialUpdate);
  mutate_and_decode(
      partial.ev,
      make_map(119, {ColumnType::kLong, ColumnType::kJson, ColumnType::kVarchar, ColumnType::kLong}, {0, 4, 400, 0}), 2,
      3000);
  auto dec = load_fixture_rows("mysql-5.6/gomysql__tcb-eval002c-bin.003320", 284, RowsKind::kWrite);
  std::vector<ColumnType> types(14, ColumnType::kNewDecimal);
  types[0] = types[12] = types[13] = ColumnType::kLong;
  mutate_and_decode(dec.ev,
                    make_map(89, types,
                             {0, 4 << 8 | 2, 5 << 8, 7 << 8 | 3, 10 << 8 | 2, 10 << 8 | 3, 13 << 8 | 2, 15 << 8 | 14,
                              20 << 8 | 10, 30 << 8 | 5, 30 << 8 | 20, 30 << 8 | 25, 0, 0}),
                    3, 1000);
}

TEST_F(Robustness, MutatedJsonDocuments) {
  auto fx = load_fixture_rows("mysql-8.0/rmc__json.binlog.000001", 1059, RowsKind::kWrite);
  // Row layout: NULL bitmap (1), id (4), JSON length (4), document...
  Bytes doc = fx.ev.rows.subspan(9, fx.ev.rows[5] | fx.ev.rows[6] << 8);
  auto ok = json_binary_to_text(doc);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(*ok, R"({"age": 24, "data": "xxxxxxxxxx", "name": "Joe"})");
  std::mt19937 rng(7);
  const std::vector<std::uint8_t> original(doc.begin(), doc.end());
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> bytes = original;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
    auto res = json_binary_to_text(bytes);
    if (!res) {
      EXPECT_FALSE(res.error().message().empty());
    }
  }
}

}  // namespace
}  // namespace ghostcut::binlog
