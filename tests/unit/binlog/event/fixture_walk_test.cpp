// Walks every real binlog file under GHOSTCUT_FIXTURES_DIR with BinlogFileReader + decode_event and
// checks structure against manifest.json (event counts per type, TABLE_MAP names, GTIDs, FDE versions,
// checksum mode, expected errors). Row VALUES are binlog/row's business; here only rows-event
// headers are checked (and that each references a known TABLE_MAP).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "binlog/event/binlog_file_reader.h"
#include "binlog/event/event_decoder.h"
#include "binlog/event/table_map_cache.h"
#include "binlog/event/trx_boundary.h"
#include "support/fixtures.h"
#include "support/mini_json.h"

namespace ghostcut::binlog {
namespace {

namespace fs = std::filesystem;
using test::json_child;
using test::json_get;
using test::JsonNode;

// manifest.json spells MariaDB types with a MARIA_ prefix.
std::string manifest_name(EventType t) {
  switch (t) {
    case EventType::kMariaAnnotateRows: return "MARIA_ANNOTATE_ROWS";
    case EventType::kMariaBinlogCheckpoint: return "MARIA_BINLOG_CHECKPOINT";
    case EventType::kMariaGtid: return "MARIA_GTID";
    case EventType::kMariaGtidList: return "MARIA_GTID_LIST";
    default: return std::string(event_type_name(t));
  }
}

std::vector<std::uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// An object of counts ({} or null when none).
std::map<std::string, int> counts_of(const JsonNode& node) {
  std::map<std::string, int> out;
  for (const auto& [k, v] : node.members) out[k] = test::json_value<int>(v);
  return out;
}

// An array of strings ([] or null when none).
std::vector<std::string> strings_of(const JsonNode& node) {
  std::vector<std::string> out;
  for (const auto& v : node.items) out.push_back(test::json_value<std::string>(v));
  return out;
}

struct Walk {
  std::map<std::string, int> event_counts;
  std::map<std::string, int> inner_counts;
  std::map<std::string, int> table_maps;
  std::vector<std::string> gtids;
  std::vector<std::string> fde_versions;
  std::vector<std::string> decode_errors;  // "TYPE at OFFSET: message"
  std::optional<Error> reader_error;
  std::string last_event;
  BinlogFormat final_format;
  std::size_t rows_events = 0;
  std::size_t trx_ends = 0;
};

void visit(const Event& ev, const RawEvent& raw, TableMapCache& cache, Walk& w, bool inner) {
  cache.observe(ev);
  if (const auto* m = std::get_if<TableMap>(&ev)) {
    ++w.table_maps[m->schema + "." + m->table];
    EXPECT_EQ(m->types.size(), m->meta.size());
    EXPECT_EQ(m->types.size(), m->nullable.size());
  } else if (const auto* rows = std::get_if<RowsEvent>(&ev)) {
    ++w.rows_events;
    const TableMap* map = cache.find(rows->table_id);
    EXPECT_NE(map, nullptr) << manifest_name(raw.type()) << " at " << raw.offset << " table_id " << rows->table_id;
    if (map) {
      EXPECT_EQ(rows->column_count, map->column_count()) << "rows event at " << raw.offset;
    }
    EXPECT_EQ(rows->columns_present.size(), rows->column_count);
  } else if (const auto* g = std::get_if<Gtid>(&ev); g && !g->anonymous()) {
    w.gtids.push_back(g->to_string());
  } else if (const auto* fd = std::get_if<FormatDescription>(&ev)) {
    w.fde_versions.push_back(fd->format.server_version);
  }
  if (inner) {
    EXPECT_EQ(raw.header.log_pos, 0u) << "inner event at " << raw.offset;
  }
}

Walk walk_file(Bytes file) {
  Walk w;
  BinlogFileReader reader(file);
  TableMapCache cache;
  TrxBoundary trx;
  while (true) {
    auto next = reader.next();
    if (!next) {
      w.reader_error = next.error();
      break;
    }
    if (!*next) break;
    const RawEvent& raw = **next;
    const std::string name = manifest_name(raw.type());
    ++w.event_counts[name];
    w.last_event = name;
    auto ev = decode_event(raw, reader.format());
    if (!ev) {
      w.decode_errors.push_back(name + " at " + std::to_string(raw.offset) + ": " + ev.error().message());
      continue;
    }
    visit(*ev, raw, cache, w, false);
    if (trx.on_event(*ev, raw.end_offset()) == TrxStep::kEnded) ++w.trx_ends;
    if (const auto* payload = std::get_if<TransactionPayload>(&*ev)) {
      auto inner = split_payload_events(*payload);
      if (!inner) {
        w.decode_errors.push_back(name + " at " + std::to_string(raw.offset) + ": " + inner.error().message());
        continue;
      }
      for (const RawEvent& in : *inner) {
        ++w.inner_counts[manifest_name(in.type())];
        auto iev = decode_event(in, reader.format());
        if (!iev) {
          w.decode_errors.push_back("inner " + manifest_name(in.type()) + " at " + std::to_string(in.offset) + ": " +
                                    iev.error().message());
          continue;
        }
        visit(*iev, in, cache, w, true);
      }
    }
  }
  w.final_format = reader.format();
  return w;
}

using FixtureWalk = ::ghostcut::test::RequiresFixtures;

TEST_F(FixtureWalk, EveryFileMatchesManifest) {
  const fs::path dir = GHOSTCUT_FIXTURES_DIR;
  const auto manifest_bytes = read_file(dir / "manifest.json");
  const JsonNode manifest = test::parse_json_or_throw(
      std::string_view(reinterpret_cast<const char*>(manifest_bytes.data()), manifest_bytes.size()));
  std::size_t files = 0;
  for (const auto& f : json_child(manifest, "files").items) {
    const std::string rel = json_get<std::string>(f, "file");
    SCOPED_TRACE(rel);
    ++files;
    const auto bytes = read_file(dir / rel);
    ASSERT_EQ(bytes.size(), json_get<std::size_t>(f, "size"));
    const Walk w = walk_file(Bytes(bytes.data(), bytes.size()));

    EXPECT_EQ(w.event_counts, counts_of(json_child(f, "event_counts")));
    int n = 0;
    for (const auto& [k, v] : w.event_counts) n += v;
    EXPECT_EQ(n, json_get<int>(f, "n_events"));
    EXPECT_EQ(w.inner_counts, counts_of(json_child(f, "inner_event_counts")));
    EXPECT_EQ(w.table_maps, counts_of(json_child(f, "table_maps")));
    EXPECT_EQ(w.fde_versions, strings_of(json_child(f, "fde_server_versions")));
    EXPECT_EQ(w.gtids, strings_of(json_child(f, "gtids")));
    const std::string last = json_get<std::string>(f, "last_event");
    EXPECT_EQ(w.last_event.empty() ? std::string("null") : w.last_event, last);

    // Where every transaction starts with a GTID event, TrxBoundary must see exactly one end per GTID.
    int gtid_events = 0;
    for (const char* g : {"GTID", "ANONYMOUS_GTID", "GTID_TAGGED", "MARIA_GTID"}) {
      gtid_events += json_get<int>(f, std::string("event_counts.") + g, 0);
    }
    if (gtid_events > 0) {
      EXPECT_EQ(w.trx_ends, static_cast<std::size_t>(gtid_events));
    }

    const std::string checksum = json_get<std::string>(f, "checksum");
    if (!w.fde_versions.empty()) {
      if (checksum == "CRC32") {
        EXPECT_TRUE(w.final_format.has_checksum());
      } else if (checksum.rfind("NONE", 0) == 0) {
        EXPECT_TRUE(w.final_format.checksum_aware);
        EXPECT_FALSE(w.final_format.has_checksum());
      } else {
        EXPECT_FALSE(w.final_format.checksum_aware);
      }
      EXPECT_EQ(w.final_format.binlog_version, json_get<int>(f, "binlog_version"));
    }

    // Expected errors: reader errors (magic, truncation) and event decode errors must match at the
    // right offset; row-VALUE errors belong to binlog/row (our rows-event header parse must succeed).
    std::vector<std::string> expected_event_errors;
    bool expect_reader_error = false;
    for (const auto& e : strings_of(json_child(f, "expected_decode_errors"))) {
      SCOPED_TRACE(e);
      if (e.rfind("bad magic", 0) == 0) {
        expect_reader_error = true;
        ASSERT_TRUE(w.reader_error.has_value());
        EXPECT_TRUE(w.reader_error->is(Errc::kBadMagic)) << w.reader_error->message();
        EXPECT_EQ(w.reader_error->offset, 0u);
      } else if (e.rfind("truncated header at ", 0) == 0) {
        expect_reader_error = true;
        const std::size_t at = std::stoul(e.substr(std::string("truncated header at ").size()));
        ASSERT_TRUE(w.reader_error.has_value());
        EXPECT_TRUE(w.reader_error->is(Errc::kTruncated)) << w.reader_error->message();
        EXPECT_EQ(w.reader_error->offset, at);
        EXPECT_NE(w.reader_error->message().find(std::to_string(at)), std::string::npos) << w.reader_error->message();
      } else {
        const std::string type = e.substr(0, e.find(' '));
        if (type.find("ROWS") != std::string::npos) continue;  // row values: binlog/row
        expected_event_errors.push_back(e.substr(0, e.find(':')));
      }
    }
    if (!expect_reader_error) {
      EXPECT_FALSE(w.reader_error.has_value()) << w.reader_error->message();
    }
    std::vector<std::string> got_event_errors;
    for (const auto& e : w.decode_errors) got_event_errors.push_back(e.substr(0, e.find(':')));
    EXPECT_EQ(got_event_errors, expected_event_errors) << (w.decode_errors.empty() ? "" : w.decode_errors.front());
    for (const auto& e : w.decode_errors) EXPECT_NE(e.find("truncated"), std::string::npos) << e;
  }
  EXPECT_GE(files, 50u);
}

}  // namespace
}  // namespace ghostcut::binlog
