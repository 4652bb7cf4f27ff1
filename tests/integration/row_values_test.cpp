// Every MariaDB column type, edge values, through the live stream; each decoded value must equal
// what `mariadb-binlog --base64-output=decode-rows -v` prints for the same events.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "binlog/row/temporal.h"
#include "engine/schema/table_schema.h"
#include "integration/every_type_table.h"
#include "integration/stream_harness.h"
#include "integration/test_server.h"
#include "support/process.h"

using namespace ghostcut;
using namespace std::chrono_literals;
using binlog::Value;
using ghostcut::testing::LiveServerTest;
using ghostcut::testing::StreamHarness;

namespace {

using ghostcut::testing::kEveryTypeCreate;
using ghostcut::testing::kEveryTypeInserts;
const char* kRowUpdates[] = {
    "UPDATE every_type SET ti = ti + 1, vc = 'changed', j = '{\"changed\": true}', dtt6 = '2000-01-01 00:00:00.5' WHERE id = 4",
    "UPDATE every_type SET c = NULL, tx = NULL, bu = 42 WHERE id = 3",
    "UPDATE every_type SET id = 5 WHERE id = 1",
};
const char* kRowDeletes[] = {"DELETE FROM every_type WHERE id IN (2, 3)"};

// One row image as mariadb-binlog -v prints it: the text after "@N=" for each column.
struct PrintedRow {
  std::string kind;  // INSERT / UPDATE-before / UPDATE-after / DELETE
  std::vector<std::string> values;
};

// What `cmd` prints on stdout.
std::string run_capture(const std::string& cmd) { return ghostcut::test::run_shell_stdout(cmd).out; }

std::vector<PrintedRow> parse_mariadb_binlog(const std::string& text, const std::string& table) {
  std::vector<PrintedRow> rows;
  std::istringstream in(text);
  std::string line, section, stmt;
  bool ours = false;
  while (std::getline(in, line)) {
    if (line.rfind("### ", 0) != 0) continue;
    std::string body = line.substr(4);
    if (body.rfind("INSERT INTO ", 0) == 0 || body.rfind("UPDATE ", 0) == 0 || body.rfind("DELETE FROM ", 0) == 0) {
      stmt = body.substr(0, body.find(' '));
      ours = body.find("`.`" + table + "`") != std::string::npos;
      continue;
    }
    if (!ours) continue;
    if (body == "SET" || body == "WHERE") {
      std::string kind = stmt == "INSERT"   ? "INSERT"
                         : stmt == "DELETE" ? "DELETE"
                                            : (body == "WHERE" ? "UPDATE-before" : "UPDATE-after");
      rows.push_back({kind, {}});
      continue;
    }
    if (body.rfind("  @", 0) == 0 && !rows.empty()) {
      const auto eq = body.find('=');
      auto end = body.rfind(" /* ");
      std::string v = body.substr(eq + 1, end - eq - 1);
      while (!v.empty() && v.back() == ' ') v.pop_back();
      rows.back().values.push_back(v);
    }
  }
  return rows;
}

int int_width(const std::string& data_type) {
  if (data_type == "tinyint") return 8;
  if (data_type == "smallint") return 16;
  if (data_type == "mediumint") return 24;
  if (data_type == "int") return 32;
  return 64;
}

std::string printed_bytes(const std::string& bytes) {
  std::string out = "'";
  char buf[8];
  for (unsigned char c : bytes) {
    if (c < 0x20) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "'";
}

// Our decoded value, printed the way mariadb-binlog -v prints that column type.
std::string mariadb_style(const Value& v, const engine::ColumnInfo& col) {
  using namespace binlog;
  if (is_null(v)) return "NULL";
  if (auto* i = std::get_if<std::int64_t>(&v)) {
    if (*i >= 0) return std::to_string(*i);
    const int w = int_width(col.data_type);
    const unsigned long long u =
        w == 64 ? static_cast<unsigned long long>(*i) : static_cast<unsigned long long>(*i + (1LL << w));
    return std::to_string(*i) + " (" + std::to_string(u) + ")";
  }
  if (auto* u = std::get_if<std::uint64_t>(&v)) {
    const int w = int_width(col.data_type);
    const unsigned long long half = w == 64 ? (1ULL << 63) : (1ULL << (w - 1));
    if (*u < half) return std::to_string(*u);
    const long long s = w == 64 ? static_cast<long long>(*u) : static_cast<long long>(*u) - (1LL << w);
    return std::to_string(s) + " (" + std::to_string(*u) + ")";
  }
  if (auto* f = std::get_if<float>(&v)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", static_cast<double>(*f));
    return buf;
  }
  if (auto* d = std::get_if<double>(&v)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", 19, *d);  // mariadb-binlog prints DOUBLE with %.*g, 19 digits
    return buf;
  }
  if (auto* dec = std::get_if<DecimalValue>(&v)) return dec->text;
  // mariadb-binlog prints the stored byte + 1900, so the zero year (stored 0) shows as 1900.
  if (auto* y = std::get_if<YearValue>(&v)) return std::to_string(y->year == 0 ? 1900 : y->year);
  if (auto* dt = std::get_if<DateValue>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "'%04u:%02u:%02u'", dt->year, dt->month, dt->day);  // sic: colons
    return buf;
  }
  if (auto* t = std::get_if<TimeValue>(&v)) {
    std::string s;
    append_time_text(s, *t, t->decimals);
    return "'" + s + "'";
  }
  if (auto* t = std::get_if<DateTimeValue>(&v)) {
    std::string s;
    append_datetime_text(s, *t, t->decimals);
    return "'" + s + "'";
  }
  if (std::holds_alternative<TimestampValue>(v)) return to_string(v);  // epoch seconds[.fraction]
  if (auto* b = std::get_if<BytesValue>(&v)) return printed_bytes(std::string(b->bytes()));
  if (auto* e = std::get_if<EnumValue>(&v)) return std::to_string(e->index);
  if (auto* s = std::get_if<SetValue>(&v)) {
    // mariadb-binlog prints a SET's storage bytes in stored (little-endian) order, each byte's
    // bits high to low.
    const auto members = std::count(col.column_type.begin(), col.column_type.end(), ',') + 1;
    const int bytes = static_cast<int>((members + 7) / 8);
    std::string out = "b'";
    for (int b = 0; b < bytes; ++b)
      for (int i = 7; i >= 0; --i) out.push_back((s->bits >> (8 * b + i)) & 1 ? '1' : '0');
    return out + "'";
  }
  if (std::holds_alternative<BitValue>(v)) return to_string(v);
  return "<" + to_string(v) + ">";
}

class RowValuesTest : public LiveServerTest {};

TEST_F(RowValuesTest, EveryTypeMatchesMariadbBinlog) {
  if (run_capture("command -v mariadb-binlog").empty()) GTEST_SKIP() << "mariadb-binlog not installed";
  conn_->execute(kEveryTypeCreate);
  const auto schema = engine::load_table_schema(*conn_, db_, "every_type");
  binlog::TableColumns cols{schema.column_names(), schema.signs()};

  auto status = admin_->query("SHOW MASTER STATUS");
  const binlog::BinlogPosition start{*status.rows[0][0], engine::to_uint64(status.rows[0][1])};
  const std::string binlog_path =
      *admin_->query("SELECT @@log_bin_basename").scalar() + start.file.substr(start.file.rfind('.'));

  binlog::StreamSettings ss;
  ss.connection =
      ghostcut::testing::binlog_settings(settings_, 910000 + static_cast<std::uint32_t>(::getpid() % 10000));
  ss.start = start;
  StreamHarness stream(
      ss, [&](std::string_view s, std::string_view t) { return s == db_ && t == "every_type"; },
      [&](const binlog::TableMap&) { return &cols; });

  conn_->execute("SET time_zone = '+00:00'");
  for (const char* q : kEveryTypeInserts) conn_->execute(q);
  for (const char* q : kRowUpdates) conn_->execute(q);
  for (const char* q : kRowDeletes) conn_->execute(q);
  status = admin_->query("SHOW MASTER STATUS");
  const binlog::BinlogPosition end{*status.rows[0][0], engine::to_uint64(status.rows[0][1])};
  const std::size_t expected_changes = std::size(kEveryTypeInserts) + std::size(kRowUpdates) + 2;

  std::vector<binlog::RowChange> changes;
  while (changes.size() < expected_changes) {
    auto trx = stream->pop(10s);
    ASSERT_TRUE(trx) << "stream delivered only " << changes.size() << " of " << expected_changes << " changes";
    for (auto& c : trx->changes) changes.push_back(std::move(c));
  }
  EXPECT_TRUE(stream->wait_read_past(end, 5s));

  // The same events, as the server's own tool decodes them.
  const std::string printed =
      run_capture("mariadb-binlog --base64-output=decode-rows -v --start-position=" + std::to_string(start.offset) +
                  " --stop-position=" + std::to_string(end.offset) + " " + binlog_path + " 2>&1");
  auto rows = parse_mariadb_binlog(printed, "every_type");
  std::vector<std::pair<std::string, const binlog::RowImage*>> ours;
  for (const auto& c : changes) {
    switch (c.kind) {
      case binlog::RowsKind::kWrite: ours.emplace_back("INSERT", &*c.after); break;
      case binlog::RowsKind::kDelete: ours.emplace_back("DELETE", &*c.before); break;
      default: ours.emplace_back("UPDATE-before", &*c.before); ours.emplace_back("UPDATE-after", &*c.after);
    }
  }
  if (rows.size() != ours.size()) {
    for (auto& r : rows) std::cerr << "printed: " << r.kind << " " << r.values.size() << "\n";
    for (auto& r : ours) std::cerr << "ours: " << r.first << "\n";
  }
  ASSERT_EQ(rows.size(), ours.size());
  std::size_t compared = 0;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    SCOPED_TRACE("row image " + std::to_string(r) + " (" + rows[r].kind + ")");
    EXPECT_EQ(rows[r].kind, ours[r].first);
    ASSERT_EQ(rows[r].values.size(), schema.columns.size());
    ASSERT_EQ(ours[r].second->values.size(), schema.columns.size());
    for (std::size_t i = 0; i < schema.columns.size(); ++i) {
      const auto& col = schema.columns[i];
      const std::string mine = mariadb_style(ours[r].second->values[i], col);
      if (col.data_type == "double" && mine != rows[r].values[i]) {
        // Both sides print a double; compare the numbers.
        EXPECT_EQ(std::strtod(mine.c_str(), nullptr), std::strtod(rows[r].values[i].c_str(), nullptr)) << col.name;
      } else {
        EXPECT_EQ(mine, rows[r].values[i]) << "column " << col.name << " (" << col.column_type << ")";
      }
      ++compared;
    }
  }
  EXPECT_EQ(compared, rows.size() * schema.columns.size());
}

}  // namespace
