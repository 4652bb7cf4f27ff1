// End to end over fixture bytes: event/'s parse_table_map + parse_rows_event, then decode_rows.
// Checks that the TABLE_MAP metadata the event layer folds matches what the row layer expects
// (long CHAR, ENUM/SET, BIT, SIGNEDNESS, column names).
#include <gtest/gtest.h>

#include "binlog/event/rows_event.h"
#include "binlog/event/table_map.h"
#include "binlog/row/row_decoder.h"
#include "row_test_util.h"
#include "support/fixtures.h"

namespace ghostcut::binlog {
namespace {

using Pipeline = ::ghostcut::test::RequiresFixtures;

// Body of the event at `offset` (common header and CRC32 removed). The fixtures used here are all
// CRC32 files with 19-byte headers.
Bytes event_body(const std::vector<std::uint8_t>& file, std::size_t offset) {
  const std::uint8_t* e = file.data() + offset;
  const std::uint32_t size = e[9] | e[10] << 8 | e[11] << 16 | std::uint32_t(e[12]) << 24;
  return Bytes(e + 19, size - 19 - 4);
}

struct Case {
  const char* file;
  std::size_t table_map_at;
  std::size_t rows_at;
  EventType type;
  std::vector<std::string> images;  // image_text of before/after images in order
};

TEST_F(Pipeline, FixtureEventsDecodeThroughEventLayer) {
  const Case cases[] = {
      {"mysql-8.0/rmc__minimal_row_metadata.000001",
       312,
       374,
       EventType::kWriteRowsV2,
       {"@1=1, @3='a', @5=3230202323"}},
      {"mysql-8.0/rmc__mysql_type_bit.000001",
       857,
       927,
       EventType::kWriteRowsV2,
       {"@1=b'100', @2='foo', @3=b'00100000'"}},
      {"mysql-8.0/rmc__time_issue.000001", 312, 358, EventType::kWriteRowsV2, {"@1='-507:48:27'"}},
      {"mysql-9.x/rmc__json-opaque.binlog", 1143, 1197, EventType::kWriteRowsV2, {R"(@1='{"d": 123.456}')"}},
      {"mysql-8.0/rmc__json.binlog.000001",
       3691,
       3750,
       EventType::kPartialUpdateRows,
       {"@1=1", "@2='JSON_DIFF[REPLACE $.age 26]', @3='Joe', @4=26"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.file) + " @" + std::to_string(c.rows_at));
    const auto file = test::read_file(std::string(GHOSTCUT_FIXTURES_DIR) + "/" + c.file);
    auto map = parse_table_map(event_body(file, c.table_map_at), 8);
    ASSERT_TRUE(map) << map.error().message();
    auto ev = parse_rows_event(c.type, event_body(file, c.rows_at), 8);
    ASSERT_TRUE(ev) << ev.error().message();
    auto rows = decode_rows(*ev, *map);
    ASSERT_TRUE(rows) << rows.error().message();
    std::vector<std::string> got;
    for (const RowPair& p : *rows) {
      if (p.before) got.push_back(test::image_text(*p.before));
      if (p.after) got.push_back(test::image_text(*p.after));
    }
    got.resize(std::min(got.size(), c.images.size()));
    EXPECT_EQ(got, c.images);
  }
}

TEST_F(Pipeline, EnumSetLongCharMetadataFromTableMap) {
  const auto file =
      test::read_file(std::string(GHOSTCUT_FIXTURES_DIR) + "/mysql-8.0/rmc__mysql-enum-string-set.000001");
  auto map = parse_table_map(event_body(file, 946), 8);
  ASSERT_TRUE(map) << map.error().message();
  auto ev = parse_rows_event(EventType::kUpdateRowsV2, event_body(file, 1855), 8);
  ASSERT_TRUE(ev) << ev.error().message();
  auto rows = decode_rows(*ev, *map);
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_EQ(rows->size(), 1u);
  const RowImage& after = *(*rows)[0].after;
  EXPECT_EQ(to_string(after.values[0]), "'field1'");
  EXPECT_EQ(to_string(after.values[1]), "'field_2'");
  EXPECT_EQ(std::get<EnumValue>(after.values[2]), EnumValue{2});
  EXPECT_EQ(std::get<SetValue>(after.values[3]), SetValue{10});
  // A failure names the column by its FULL-metadata name.
  RowsEvent cut = *ev;
  cut.rows = cut.rows.first(20);
  auto bad = decode_rows(cut, *map);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().context.find("(f1, STRING)"), std::string::npos) << bad.error().context;
}

}  // namespace
}  // namespace ghostcut::binlog
