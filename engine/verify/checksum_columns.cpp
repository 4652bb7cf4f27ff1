#include "engine/verify/checksum_columns.h"

#include <optional>
#include <set>

#include "engine/sql/quoting.h"
#include "engine/text.h"

namespace ghostcut::engine {
namespace {

// Values whose text cannot hold the separator: numbers and temporal values.
bool fixed_text(const std::string& data_type) {
  static const std::set<std::string> kFixed = {"tinyint",  "smallint",  "mediumint", "int",    "integer", "bigint",
                                               "decimal",  "numeric",   "float",     "double", "real",    "date",
                                               "datetime", "timestamp", "time",      "year"};
  return kFixed.count(lower(data_type)) > 0;
}
bool is_text(const std::string& t) {
  return t == "char" || t == "varchar" || t == "tinytext" || t == "text" || t == "mediumtext" || t == "longtext";
}
bool is_bytes(const std::string& t) {
  return t == "binary" || t == "varbinary" || t == "tinyblob" || t == "blob" || t == "mediumblob" || t == "longblob";
}
// The "(a,b)" numbers of a column type such as "decimal(10,2) unsigned" or "datetime(6)".
std::vector<int> type_numbers(const std::string& column_type) {
  std::vector<int> out;
  const auto open = column_type.find('(');
  if (open == std::string::npos) return out;
  int v = 0;
  bool any = false;
  for (std::size_t i = open + 1; i < column_type.size() && column_type[i] != ')'; ++i) {
    const char c = column_type[i];
    if (c >= '0' && c <= '9') {
      v = v * 10 + (c - '0');
      any = true;
    } else if (c == ',') {
      out.push_back(v);
      v = 0;
      any = false;
    }
  }
  if (any) out.push_back(v);
  return out;
}

// How the original's value `q` becomes the ghost's exactly ("" = the same text, nullopt = no
// exact conversion known: not compared). The copy refuses any truncation or out-of-range value
// (every warning is checked), so only representation changes need an expression here.
std::optional<std::string> exact_conversion(const ColumnInfo& a, const ColumnInfo& b, const std::string& q) {
  const auto ta = lower(a.data_type), tb = lower(b.data_type);
  if (a.column_type == b.column_type && a.charset == b.charset) return "";  // nullability or collation only
  if (is_integer_type(ta) && is_integer_type(tb)) return "";
  if (tb == "enum" && ta == "enum") {  // compared as the member's text, in the ghost's charset
    if (a.charset == b.charset) return "";
    if (!b.charset) return std::nullopt;
    return "CONVERT(" + q + " USING " + *b.charset + ")";
  }
  // CHAR strips trailing spaces when read, so only into a CHAR or a variable-length text.
  if (is_text(ta) && is_text(tb) && (tb != "char" || ta == "char")) {
    if (a.charset == b.charset) return "";
    if (!b.charset) return std::nullopt;
    return "CONVERT(" + q + " USING " + *b.charset + ")";
  }
  if (is_bytes(ta) && is_bytes(tb) && tb != "binary") return "";  // BINARY(n) pads
  const auto na = type_numbers(a.column_type), nb = type_numbers(b.column_type);
  if ((ta == "decimal" || ta == "numeric") && (tb == "decimal" || tb == "numeric") && na.size() == 2 &&
      nb.size() == 2) {
    if (na[1] == nb[1]) return "";
    if (nb[1] > na[1]) return "CAST(" + q + " AS DECIMAL(" + std::to_string(nb[0]) + "," + std::to_string(nb[1]) + "))";
    return std::nullopt;  // a narrowed scale rounds
  }
  if (ta == tb && (ta == "datetime" || ta == "time" || ta == "timestamp")) {
    const int fa = na.empty() ? 0 : na[0], fb = nb.empty() ? 0 : nb[0];
    if (fb < fa) return std::nullopt;  // fewer fractional digits: rounded or cut
    return "CAST(" + q + " AS " + (ta == "time" ? "TIME(" : "DATETIME(") + std::to_string(fb) + "))";
  }
  return std::nullopt;
}

}  // namespace

ChecksumColumns checksum_columns(const MigrationPlan& plan) {
  ChecksumColumns out;
  std::set<std::string> collations, charsets;
  for (const auto& s : plan.mapping.shared) {
    const auto& a = plan.original.columns.at(s.source_index);
    const auto& b = plan.ghost.columns.at(s.target_index);
    if (a.generated || b.generated) continue;
    const auto qa = quote_identifier(s.source_name), qb = quote_identifier(s.target_name);
    const auto conv = s.tz_shift != 0 ? std::nullopt : exact_conversion(a, b, qa);
    if (!conv) {
      out.skipped.push_back(s.source_name);
      continue;
    }
    ChecksumColumn c{s.source_name, conv->empty() ? qa : *conv, qb, a.nullable || b.nullable, !fixed_text(b.data_type)};
    if (b.collation) collations.insert(*b.collation);
    if (a.collation) collations.insert(*a.collation);
    // The values as compared are in the ghost's character set on both sides (CONVERT into it).
    const bool converted = c.original.rfind("CONVERT(", 0) == 0;
    if (converted) collations.insert("CONVERT");  // its result has the charset's default collation
    c.text = b.charset && *b.charset != "binary" && c.variable;
    if (c.text) charsets.insert(*b.charset);
    // Not converted (an ENUM keeps its own charset on the original's side): that one counts too.
    if (c.text && !converted && a.charset) charsets.insert(*a.charset);
    out.compared.push_back(std::move(c));
  }
  if (collations.size() > 1) {  // CONCAT_WS cannot mix them as they are
    if (charsets.size() == 1) out.text_collation = *charsets.begin() + "_bin";
    else out.binary = true;
  }
  return out;
}

std::string checksum_row_expression(const ChecksumColumns& columns, bool ghost_side) {
  // CONCAT_WS skips NULLs, hence the ISNULL flags; the lengths keep ('a#b','c') and ('a','b#c')
  // apart. Numbers and dates need neither: their text cannot hold '#'.
  const bool collate = !columns.text_collation.empty() && !columns.binary;
  std::string e = "CONCAT_WS('#'", text = "CONCAT_WS('#'";
  for (const auto& c : columns.compared) {
    const auto& v = ghost_side ? c.ghost : c.original;
    auto& out = collate && c.text ? text : e;
    if (c.nullable) out += ", ISNULL(" + v + ")";
    if (c.variable) {
      out += ", LENGTH(" + v + ")";
      if (collate && c.text) out += ", " + v + " COLLATE " + columns.text_collation;
      else out += columns.binary ? ", CAST(" + v + " AS BINARY)" : ", " + v;
    } else {
      out += ", " + v;
    }
  }
  // The text part's CRC32 is a number in the row's string: binary values beside it stay bytes.
  if (collate) e += ", CRC32(" + text + "))";
  return e + ")";
}

}  // namespace ghostcut::engine
