#include "engine/sql/query_builder.h"

#include <algorithm>
#include <cstdio>

#include "engine/sql/changelog.h"
#include "engine/sql/quoting.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

constexpr std::size_t kTruncatedBaseChars = 50;

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// Byte length of the first `chars` code points.
std::size_t utf8_prefix_bytes(std::string_view s, std::size_t chars) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == chars) return i;
      ++seen;
    }
  }
  return s.size();
}

unsigned char ascii_lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; }

std::uint32_t fnv1a32(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

// "<t><suffix>", or, when that passes 64 characters, "<first k characters of t>~_<hash><suffix>"
// with the cut placed before an ASCII character below '~' (also when lower-cased), so the name
// still sorts after t byte-wise: see sorts_after_in_lock_order. Empty when no such cut exists.
std::string derived_name(std::string_view table, std::string_view suffix) {
  if (utf8_length(table) + suffix.size() <= kMaxIdentifierLength) return std::string(table) + std::string(suffix);
  char hash[9];
  std::snprintf(hash, sizeof hash, "%08x", fnv1a32(table));
  for (std::size_t chars = kTruncatedBaseChars; chars > 0; --chars) {
    const std::size_t cut = utf8_prefix_bytes(table, chars);
    const unsigned char c = static_cast<unsigned char>(table[cut]);
    if (c < 0x80 && ascii_lower(c) < '~') return std::string(table.substr(0, cut)) + "~_" + hash + std::string(suffix);
  }
  return {};
}

std::string join_quoted(const std::vector<std::string>& names, std::string_view suffix = {}) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += quote_identifier(names[i]);
    out += suffix;
  }
  return out;
}

// Expanded tuple comparison `keys <op> values` (see header). `op` is ">", ">=" or "<=".
std::string compare_keys(const std::vector<KeyBound>& keys, std::string_view op, const KeyTuple& values,
                         std::vector<SqlParam>& params) {
  const std::string_view strict = op == "<=" ? "<" : ">";
  std::vector<std::string> terms;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    std::string term = "(";
    for (std::size_t j = 0; j < i; ++j) term += key_comparison(keys[j], "=", values[j], params) + " AND ";
    term += key_comparison(keys[i], i + 1 == keys.size() ? op : strict, values[i], params) + ")";
    terms.push_back(std::move(term));
  }
  if (terms.size() == 1) return terms.front();
  std::string out = "(";
  for (std::size_t i = 0; i < terms.size(); ++i) out += (i ? " OR " : "") + terms[i];
  return out + ")";
}

std::string read_exprs(const std::vector<KeyBound>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k.read_expr;
  return out;
}

}  // namespace

std::string key_range_condition(const std::vector<KeyBound>& keys, const std::optional<KeyTuple>& lower,
                                bool lower_inclusive, const std::optional<KeyTuple>& upper,
                                std::vector<SqlParam>& params) {
  std::string out;
  if (lower) out = compare_keys(keys, lower_inclusive ? ">=" : ">", *lower, params);
  if (upper) out += (out.empty() ? "" : " AND ") + compare_keys(keys, "<=", *upper, params);
  return out.empty() ? "TRUE" : out;
}

bool sorts_after_in_lock_order(std::string_view name, std::string_view table) {
  // The server compares metadata lock keys with memcmp over the NUL-terminated names, so a
  // proper prefix sorts first; lower_case_table_names=1 lower-cases both names first.
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(ascii_lower(static_cast<unsigned char>(c)));
    return out;
  };
  auto after = [](std::string_view a, std::string_view b) {
    return std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end(), [](char x, char y) {
      return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
    });
  };
  return after(name, table) && after(lower(name), lower(table));
}

std::string tz_shifted(const std::string& expr, int shift) {
  // CONVERT_TZ gives NULL for the zero date; native ALTER keeps it as it is.
  if (shift > 0) return "IFNULL(CONVERT_TZ(" + expr + ", '+00:00', @@global.time_zone), " + expr + ")";
  if (shift < 0) return "IFNULL(CONVERT_TZ(" + expr + ", @@global.time_zone, '+00:00'), " + expr + ")";
  return expr;
}

std::string ghost_table_name(std::string_view table) { return derived_name(table, "_gho"); }
std::string changelog_table_name(std::string_view table) { return derived_name(table, "_ghc"); }
std::string old_table_name(std::string_view table) { return derived_name(table, "_del"); }
std::string revert_table_name(std::string_view table) { return derived_name(table, "_rev"); }

Result<QueryBuilder> QueryBuilder::create(std::string schema, std::string table, IndexInfo key,
                                          const ColumnMapping& mapping, const TableSchema& original) {
  if (key.columns.empty()) return Error(binlog::Errc::kBadValue, "unique key " + key.name + " has no columns");
  if (mapping.shared.empty())
    return Error(binlog::Errc::kBadValue, "no shared columns between " + table + " and its ghost");
  for (const auto& k : key.columns)
    if (!mapping.find_source(k))
      return Error(binlog::Errc::kBadValue,
                   "key column " + k + " of " + key.name + " is not shared with the ghost table");
  QueryBuilder b;
  for (const auto& k : key.columns) {
    const auto i = original.column_index(k);
    if (!i) return Error(binlog::Errc::kBadValue, "key column " + k + " of " + key.name + " is not in " + table);
    ColumnInfo column = original.columns[*i];
    column.name = k;  // the key's spelling, as in the rest of the statement
    auto bound = key_bound_for(column);
    if (!bound) return bound.error();
    b.bounds_.push_back(std::move(*bound));
  }
  b.ghost_ = ghost_table_name(table);
  b.changelog_ = changelog_table_name(table);
  b.old_ = old_table_name(table);
  b.schema_ = std::move(schema);
  b.table_ = std::move(table);
  b.key_ = std::move(key);
  b.source_columns_ = mapping.source_names();
  for (const auto& c : mapping.shared)
    b.source_select_.push_back(tz_shifted(quote_identifier(c.source_name), c.tz_shift));
  b.target_columns_ = mapping.target_names();
  for (const auto& [column, expression] : mapping.backfills) {  // evaluated on the original row
    b.source_select_.push_back("(" + expression + ")");
    b.target_columns_.push_back(column);
  }
  return b;
}

std::string QueryBuilder::comment(std::string_view purpose) const {
  return statement_comment(schema_ + "." + table_, purpose);
}

std::string QueryBuilder::qualified(std::string_view table) const { return quote_qualified(schema_, table); }

Result<KeyTuple> QueryBuilder::key_tuple(const std::vector<std::optional<std::string>>& row) const {
  if (row.size() != bounds_.size())
    return Error(binlog::Errc::kBadValue,
                 "key row has " + std::to_string(row.size()) + " values, key has " + std::to_string(bounds_.size()));
  KeyTuple k;
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (!row[i]) return Error(binlog::Errc::kBadValue, "NULL in chunk key column " + bounds_[i].column);
    auto v = parse_key_value(bounds_[i], *row[i]);
    if (!v) return v.error();
    k.push_back(std::move(*v));
  }
  return k;
}

std::string QueryBuilder::min_key_query() const {
  return comment("min-key") + "SELECT " + read_exprs(bounds_) + " FROM " + qualified(table_) + " FORCE INDEX (" +
         quote_identifier(key_.name) + ") ORDER BY " + join_quoted(key_.columns) + " LIMIT 1";
}

std::string QueryBuilder::max_key_query() const {
  return comment("max-key") + "SELECT " + read_exprs(bounds_) + " FROM " + qualified(table_) + " FORCE INDEX (" +
         quote_identifier(key_.name) + ") ORDER BY " + join_quoted(key_.columns, " DESC") + " LIMIT 1";
}

Result<BuiltQuery> QueryBuilder::next_chunk_end_query(const std::optional<KeyTuple>& lower, bool lower_inclusive,
                                                      const KeyTuple& max, std::uint64_t chunk_size) const {
  const auto n = key_.columns.size();
  if (lower && lower->size() != n)
    return Error(binlog::Errc::kBadValue,
                 "lower key has " + std::to_string(lower->size()) + " values, key has " + std::to_string(n));
  if (max.size() != n)
    return Error(binlog::Errc::kBadValue,
                 "max key has " + std::to_string(max.size()) + " values, key has " + std::to_string(n));
  if (chunk_size == 0) return Error(binlog::Errc::kBadValue, "chunk size 0");
  BuiltQuery q;
  std::string where;
  if (lower) where = compare_keys(bounds_, lower_inclusive ? ">=" : ">", *lower, q.params) + " AND ";
  where += compare_keys(bounds_, "<=", max, q.params);
  const auto cols = join_quoted(key_.columns);
  // The derived table keeps the columns' types and collations, so the outer ORDER BY is the
  // index order too; the read expressions apply to its columns, which have the key's names.
  q.sql = comment("next-chunk-end") + "SELECT " + read_exprs(bounds_) + " FROM (SELECT " + cols + " FROM " +
          qualified(table_) + " FORCE INDEX (" + quote_identifier(key_.name) + ") WHERE " + where + " ORDER BY " +
          cols + " LIMIT " + std::to_string(chunk_size) + ") sel ORDER BY " + join_quoted(key_.columns, " DESC") +
          " LIMIT 1";
  return q;
}

Result<BuiltQuery> QueryBuilder::range_copy_query(const std::optional<KeyTuple>& lower, bool lower_inclusive,
                                                  const KeyTuple& upper) const {
  const auto n = key_.columns.size();
  if (lower && lower->size() != n)
    return Error(binlog::Errc::kBadValue,
                 "lower key has " + std::to_string(lower->size()) + " values, key has " + std::to_string(n));
  if (upper.size() != n)
    return Error(binlog::Errc::kBadValue,
                 "upper key has " + std::to_string(upper.size()) + " values, key has " + std::to_string(n));
  BuiltQuery q;
  std::string where;
  if (lower) where = compare_keys(bounds_, lower_inclusive ? ">=" : ">", *lower, q.params) + " AND ";
  where += compare_keys(bounds_, "<=", upper, q.params);
  q.sql = comment("row-copy") + "INSERT IGNORE INTO " + qualified(ghost_) + " (" + join_quoted(target_columns_) +
          ") SELECT " + join(source_select_) + " FROM " + qualified(table_) + " FORCE INDEX (" +
          quote_identifier(key_.name) + ") WHERE " + where + " LOCK IN SHARE MODE";
  return q;
}

std::string QueryBuilder::create_ghost_query() const {
  return comment("create-ghost") + "CREATE TABLE " + qualified(ghost_) + " LIKE " + qualified(table_);
}

std::string QueryBuilder::alter_ghost_query(std::string_view alter) const {
  return comment("alter-ghost") + "ALTER TABLE " + qualified(ghost_) + " " + std::string(alter);
}

Changelog QueryBuilder::changelog() const { return Changelog(schema_, changelog_, schema_ + "." + table_); }

std::string QueryBuilder::drop_table_query(std::string_view table) const {
  return comment("drop-table") + "DROP TABLE IF EXISTS " + qualified(table);
}

}  // namespace ghostcut::engine
