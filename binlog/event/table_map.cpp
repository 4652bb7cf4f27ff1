#include "binlog/event/table_map.h"

namespace ghostcut::binlog {
namespace {

// Optional metadata field types (enum Table_map_event::Optional_metadata_field_type).
enum class OptMeta : std::uint8_t {
  kSignedness = 1,
  kDefaultCharset = 2,
  kColumnCharset = 3,
  kColumnName = 4,
  kSetStrValue = 5,
  kEnumStrValue = 6,
  kGeometryType = 7,
  kSimplePrimaryKey = 8,
  kPrimaryKeyWithPrefix = 9,
  kEnumAndSetDefaultCharset = 10,
  kEnumAndSetColumnCharset = 11,
  kColumnVisibility = 12,
  kVectorDimensionality = 13,
};

bool is_known_column_type(std::uint8_t t) { return t <= 20 || t >= 242; }

// Width of a column's metadata in the TABLE_MAP metadata block.
std::size_t meta_width(ColumnType t) {
  switch (t) {
    case ColumnType::kFloat:
    case ColumnType::kDouble:
    case ColumnType::kBlob:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kGeometry:
    case ColumnType::kJson:
    case ColumnType::kVector:
    case ColumnType::kTime2:
    case ColumnType::kDateTime2:
    case ColumnType::kTimestamp2: return 1;
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kBit:
    case ColumnType::kString:
    case ColumnType::kEnum:
    case ColumnType::kSet:
    case ColumnType::kNewDecimal: return 2;
    default: return 0;
  }
}

std::uint16_t read_meta(ByteReader& r, ColumnType t) {
  switch (meta_width(t)) {
    case 1: return r.u8();
    case 2: {
      const std::uint8_t b0 = r.u8();
      const std::uint8_t b1 = r.u8();
      switch (t) {
        case ColumnType::kVarchar:
        case ColumnType::kVarString:
        case ColumnType::kBit: return static_cast<std::uint16_t>(b0 | (b1 << 8));
        default:  // STRING, ENUM, SET, NEWDECIMAL: byte0 is the high part
          return static_cast<std::uint16_t>((b0 << 8) | b1);
      }
    }
    default: return 0;
  }
}

// Optional-metadata bitmaps are MSB first (unlike the null bitmap).
std::vector<bool> read_msb_bitmap(Bytes b, std::size_t nbits) {
  std::vector<bool> out(nbits);
  for (std::size_t i = 0; i < nbits; ++i) out[i] = (b[i / 8] >> (7 - i % 8)) & 1;
  return out;
}

using Pairs = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

class OptParser {
 public:
  OptParser(Bytes v, std::string what, std::size_t base) : r_(v), what_(std::move(what)), base_(base) {}

  std::uint32_t num() { return static_cast<std::uint32_t>(r_.lenenc()); }
  bool more() const { return r_.ok() && r_.remaining() > 0; }
  std::vector<std::uint32_t> nums() {
    std::vector<std::uint32_t> v;
    while (more()) v.push_back(num());
    return v;
  }
  Pairs pairs() {
    Pairs v;
    while (more()) {
      const std::uint32_t a = num();
      const std::uint32_t b = num();
      v.emplace_back(a, b);
    }
    return v;
  }
  std::string str() {
    const std::uint64_t n = r_.lenenc();
    if (n > r_.remaining()) {
      r_.fail();
      return {};
    }
    return std::string(r_.str(static_cast<std::size_t>(n)));
  }
  std::vector<std::string> strs() {
    std::vector<std::string> v;
    while (more()) v.push_back(str());
    return v;
  }
  std::vector<std::vector<std::string>> str_lists() {
    std::vector<std::vector<std::string>> v;
    while (more()) {
      const std::uint64_t n = r_.lenenc();
      if (n > r_.remaining()) {  // each value needs >= 1 byte
        r_.fail();
        break;
      }
      std::vector<std::string> one;
      for (std::uint64_t i = 0; i < n && r_.ok(); ++i) one.push_back(str());
      v.push_back(std::move(one));
    }
    return v;
  }
  Result<void> done() const {
    if (!r_.ok()) return Error(Errc::kTruncated, "TABLE_MAP optional metadata " + what_, base_ + r_.pos());
    return {};
  }

 private:
  ByteReader r_;
  std::string what_;
  std::size_t base_;
};

Result<void> parse_optional(TableMap& m, ByteReader& r) {
  std::size_t numeric = 0;
  for (ColumnType t : m.types) numeric += is_numeric_type(t) ? 1 : 0;
  auto& o = m.optional;
  while (r.remaining() > 0) {
    const std::size_t at = r.pos();
    const std::uint8_t type = r.u8();
    const std::uint64_t len = r.lenenc();
    if (!r.ok() || len > r.remaining()) {
      return Error(Errc::kTruncated, "TABLE_MAP optional metadata field " + std::to_string(type) + " length", at);
    }
    const std::size_t value_at = r.pos();
    const Bytes v = r.bytes(static_cast<std::size_t>(len));
    OptParser p(v, "field " + std::to_string(type), value_at);
    switch (static_cast<OptMeta>(type)) {
      case OptMeta::kSignedness:
        if (v.size() < (numeric + 7) / 8) {
          return Error(Errc::kTruncated,
                       "TABLE_MAP SIGNEDNESS: " + std::to_string(numeric) + " numeric columns need " +
                           std::to_string((numeric + 7) / 8) + " bytes",
                       value_at);
        }
        o.signedness = read_msb_bitmap(v, numeric);
        break;
      case OptMeta::kDefaultCharset:
        o.default_charset = p.num();
        o.charset_exceptions = p.pairs();
        break;
      case OptMeta::kColumnCharset: o.column_charsets = p.nums(); break;
      case OptMeta::kColumnName: o.column_names = p.strs(); break;
      case OptMeta::kSetStrValue: o.set_str_values = p.str_lists(); break;
      case OptMeta::kEnumStrValue: o.enum_str_values = p.str_lists(); break;
      case OptMeta::kGeometryType: o.geometry_types = p.nums(); break;
      case OptMeta::kSimplePrimaryKey: o.simple_primary_key = p.nums(); break;
      case OptMeta::kPrimaryKeyWithPrefix: o.primary_key_with_prefix = p.pairs(); break;
      case OptMeta::kEnumAndSetDefaultCharset:
        o.enum_and_set_default_charset = p.num();
        o.enum_and_set_charset_exceptions = p.pairs();
        break;
      case OptMeta::kEnumAndSetColumnCharset: o.enum_and_set_column_charsets = p.nums(); break;
      case OptMeta::kColumnVisibility:
        if (v.size() < (m.types.size() + 7) / 8) {
          return Error(Errc::kTruncated, "TABLE_MAP COLUMN_VISIBILITY bitmap", value_at);
        }
        o.column_visibility = read_msb_bitmap(v, m.types.size());
        break;
      case OptMeta::kVectorDimensionality: o.vector_dimensionality = p.nums(); break;
      default: break;  // unknown field: skipped by its length
    }
    if (auto ok = p.done(); !ok) return ok.error();
  }
  return {};
}

}  // namespace

std::optional<bool> TableMap::is_unsigned(std::size_t column) const {
  if (optional.signedness.empty() || column >= types.size() || !is_numeric_type(types[column])) return std::nullopt;
  std::size_t idx = 0;
  for (std::size_t i = 0; i < column; ++i) idx += is_numeric_type(types[i]) ? 1 : 0;
  if (idx >= optional.signedness.size()) return std::nullopt;
  return optional.signedness[idx];
}

std::string TableMap::column_name(std::size_t column) const {
  if (column < optional.column_names.size()) return optional.column_names[column];
  return "@" + std::to_string(column + 1);
}

Result<TableMap> parse_table_map(Bytes body, std::uint8_t post_header_len) {
  ByteReader r(body);
  TableMap m;
  m.table_id = post_header_len == 6 ? r.u32() : r.u48();
  m.flags = r.u16();
  if (!r.ok()) return Error(Errc::kTruncated, "TABLE_MAP table_id/flags", r.pos());
  if (post_header_len > 8) r.skip(post_header_len - 8u);
  if (!r.ok()) return Error(Errc::kTruncated, "TABLE_MAP post-header", r.pos());

  const std::uint8_t db_len = r.u8();
  m.schema = std::string(r.str(db_len));
  if (!r.ok()) return Error(Errc::kTruncated, "TABLE_MAP schema name", r.pos());
  if (r.u8() != 0 || !r.ok())
    return Error(r.ok() ? Errc::kBadValue : Errc::kTruncated, "TABLE_MAP schema name terminator", r.pos());
  const std::uint8_t table_len = r.u8();
  m.table = std::string(r.str(table_len));
  if (!r.ok()) return Error(Errc::kTruncated, "TABLE_MAP table name", r.pos());
  if (r.u8() != 0 || !r.ok())
    return Error(r.ok() ? Errc::kBadValue : Errc::kTruncated, "TABLE_MAP table name terminator", r.pos());

  const std::uint64_t ncols = r.lenenc();
  if (!r.ok()) return Error(Errc::kTruncated, "TABLE_MAP column count", r.pos());
  if (ncols > r.remaining()) {
    return Error(Errc::kTruncated, "TABLE_MAP column types: " + std::to_string(ncols) + " columns", r.pos());
  }
  const std::size_t types_at = r.pos();
  const Bytes types = r.bytes(static_cast<std::size_t>(ncols));
  m.types.reserve(types.size());
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (!is_known_column_type(types[i])) {
      return Error(Errc::kUnknownColumnType,
                   "TABLE_MAP column " + std::to_string(i) + " type " + std::to_string(types[i]), types_at + i);
    }
    m.types.push_back(static_cast<ColumnType>(types[i]));
  }

  const std::uint64_t meta_len = r.lenenc();
  if (!r.ok() || meta_len > r.remaining()) return Error(Errc::kTruncated, "TABLE_MAP metadata length", r.pos());
  const std::size_t meta_at = r.pos();
  ByteReader mr(r.bytes(static_cast<std::size_t>(meta_len)));
  m.meta.reserve(m.types.size());
  for (std::size_t i = 0; i < m.types.size(); ++i) {
    const std::size_t at = mr.pos();
    m.meta.push_back(read_meta(mr, m.types[i]));
    if (!mr.ok()) {
      return Error(
          Errc::kTruncated,
          "TABLE_MAP metadata for column " + std::to_string(i) + " (" + std::string(column_type_name(m.types[i])) + ")",
          meta_at + at);
    }
  }
  if (mr.remaining() != 0) {
    return Error(Errc::kExtraBytes,
                 "TABLE_MAP metadata: " + std::to_string(mr.remaining()) + " bytes left after the last column",
                 meta_at + mr.pos());
  }

  const Bytes nulls = r.bytes((m.types.size() + 7) / 8);
  if (!r.ok()) return Error(Errc::kTruncated, "TABLE_MAP null bitmap", r.pos());
  m.nullable.resize(m.types.size());
  for (std::size_t i = 0; i < m.types.size(); ++i) m.nullable[i] = (nulls[i / 8] >> (i % 8)) & 1;

  if (auto ok = parse_optional(m, r); !ok) return ok.error();
  return m;
}

}  // namespace ghostcut::binlog
