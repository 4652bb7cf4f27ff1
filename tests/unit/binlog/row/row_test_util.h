// Helpers for the row-layer tests: hex bytes, and rows events cut straight out of the
// fixture binlogs (a tiny local v2 rows-event reader, so these tests do not depend on event/).
#pragma once
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "binlog/event/rows_event.h"
#include "binlog/event/table_map.h"
#include "binlog/row/row_decoder.h"

namespace ghostcut::binlog::test {

inline std::vector<std::uint8_t> hex(std::string_view h) {
  std::vector<std::uint8_t> out;
  int hi = -1;
  for (char c : h) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;  // spaces and separators are ignored
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  return out;
}

inline std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// A v2 rows event taken from a fixture file: the bytes stay owned by `file`.
struct FixtureRows {
  std::vector<std::uint8_t> file;
  RowsEvent ev;
};

inline std::vector<bool> bits_of(const std::uint8_t* p, std::size_t n) {
  std::vector<bool> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = (p[i / 8] >> (i % 8)) & 1;
  return v;
}

// Reads the rows event (v2 layout, 6-byte table id, CRC32 trailer) at byte `offset` of the
// fixture `rel_path` (relative to GHOSTCUT_FIXTURES_DIR).
inline FixtureRows load_fixture_rows(const std::string& rel_path, std::size_t offset, RowsKind kind) {
  FixtureRows out;
  out.file = read_file(std::string(GHOSTCUT_FIXTURES_DIR) + "/" + rel_path);
  const std::uint8_t* e = out.file.data() + offset;
  const std::uint32_t size = e[9] | e[10] << 8 | e[11] << 16 | std::uint32_t(e[12]) << 24;
  const std::uint8_t* p = e + 19;
  const std::uint8_t* end = e + size - 4;  // strip CRC32
  RowsEvent& ev = out.ev;
  ev.kind = kind;
  ev.version = 2;
  for (int i = 0; i < 6; ++i) ev.table_id |= std::uint64_t(p[i]) << (8 * i);
  ev.flags = static_cast<std::uint16_t>(p[6] | p[7] << 8);
  const std::uint16_t extra_len = static_cast<std::uint16_t>(p[8] | p[9] << 8);
  p += 8 + extra_len;
  ev.column_count = *p++;  // all fixtures used here have < 251 columns
  const std::size_t nb = (ev.column_count + 7) / 8;
  ev.columns_present = bits_of(p, ev.column_count);
  p += nb;
  if (kind == RowsKind::kUpdate || kind == RowsKind::kPartialUpdate) {
    ev.columns_present_after = bits_of(p, ev.column_count);
    p += nb;
  }
  ev.rows = Bytes(p, static_cast<std::size_t>(end - p));
  return out;
}

inline TableMap make_map(std::uint64_t table_id, std::vector<ColumnType> types, std::vector<std::uint16_t> meta) {
  TableMap m;
  m.table_id = table_id;
  m.types = std::move(types);
  m.meta = std::move(meta);
  m.nullable.assign(m.types.size(), true);
  return m;
}

// One row image as text, "@1=1, @2='x'" (absent columns skipped), for compact expectations.
inline std::string image_text(const RowImage& img) {
  std::string s;
  for (std::size_t i = 0; i < img.values.size(); ++i) {
    if (!img.present[i]) continue;
    if (!s.empty()) s += ", ";
    s += "@" + std::to_string(i + 1) + "=" + to_string(img.values[i]);
  }
  return s;
}

}  // namespace ghostcut::binlog::test
