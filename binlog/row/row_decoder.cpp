// Row image decoding. Per column the value layout is chosen by the TABLE_MAP type and metadata
// (see table_map.h for how metadata is folded into one number):
//   TINY/SHORT/INT24/LONG/LONGLONG  1/2/3/4/8 bytes LE (signedness from ColumnSigns/SIGNEDNESS)
//   FLOAT/DOUBLE                    4/8 bytes IEEE LE
//   NEWDECIMAL                      decimal.h
//   YEAR, DATE, TIME, DATETIME, TIMESTAMP and the *2 forms: temporal.h
//   VARCHAR/VAR_STRING              length (1 byte if max length < 256 else 2 LE) + bytes
//   STRING                          meta byte0 = real type: ENUM → 1-2 byte index, SET → 1-8 byte
//                                   bitmask, else CHAR/BINARY: length prefix as VARCHAR
//   BIT                             (bits % 8 != 0) + bits / 8 bytes, big-endian
//   BLOB/TEXT/GEOMETRY/JSON/VECTOR  length (meta = 1..4 bytes LE) + bytes; JSON → json_binary.h
// https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Rows__event.html
#include "binlog/row/row_decoder.h"

#include <cstring>
#include <memory>
#include <string>

#include "binlog/row/bitmap.h"
#include "binlog/row/decimal.h"
#include "binlog/row/json_binary.h"
#include "binlog/row/temporal.h"

namespace ghostcut::binlog {
namespace {

constexpr std::uint64_t kPartialJsonUpdates = 1;  // value_options bit of PARTIAL_UPDATE_ROWS

// What went wrong inside one value, beyond the error code (e.g. a JSON error's own context).
struct ValueError {
  std::string detail;
  std::size_t offset = 0;  // position in the reader where it happened
};

// STRING columns carry their real type and length in the metadata (see table_map.h).
struct StringMeta {
  ColumnType real;
  std::uint32_t length;  // max byte length (CHAR/BINARY) or pack length (ENUM/SET)
};
StringMeta resolve_string_meta(std::uint16_t meta) noexcept {
  const std::uint8_t byte0 = static_cast<std::uint8_t>(meta >> 8);
  const std::uint8_t byte1 = static_cast<std::uint8_t>(meta & 0xff);
  if (byte0 == 0) return {ColumnType::kString, byte1};
  if ((byte0 & 0x30) != 0x30) {  // long CHAR: high length bits are stored inverted in byte0
    return {static_cast<ColumnType>(byte0 | 0x30),
            static_cast<std::uint32_t>(byte1) | (static_cast<std::uint32_t>((byte0 & 0x30) ^ 0x30) << 4)};
  }
  return {static_cast<ColumnType>(byte0), byte1};
}

// `owner`: the buffer `r` reads, shared by the value (a view); null = the value copies its bytes.
Errc read_prefixed_bytes(ByteReader& r, std::size_t prefix, Value& out, const std::shared_ptr<const void>& owner) {
  const std::uint64_t len = r.uint_le(prefix);
  if (!r.ok()) return Errc::kTruncated;
  if (len > r.remaining()) return Errc::kTruncated;
  Bytes b = r.bytes(static_cast<std::size_t>(len));
  const std::string_view text(reinterpret_cast<const char*>(b.data()), b.size());
  if (owner) out.emplace<BytesValue>(owner, text);
  else out.emplace<BytesValue>(text);
  return Errc::kOk;
}

Errc read_enum(ByteReader& r, std::uint32_t size, Value& out) {
  if (size != 1 && size != 2) return Errc::kBadValue;
  auto v = static_cast<std::uint16_t>(r.uint_le(size));
  if (!r.ok()) return Errc::kTruncated;
  out = EnumValue{v};
  return Errc::kOk;
}

Errc read_set(ByteReader& r, std::uint32_t size, Value& out) {
  if (size < 1 || size > 8) return Errc::kBadValue;
  std::uint64_t v = r.uint_le(size);
  if (!r.ok()) return Errc::kTruncated;
  out = SetValue{v};
  return Errc::kOk;
}

Errc read_json(ByteReader& r, std::uint16_t meta, bool partial, Value& out, ValueError& err) {
  if (meta < 1 || meta > 4) return Errc::kBadValue;
  const std::uint64_t len = r.uint_le(meta);
  if (!r.ok() || len > r.remaining()) return Errc::kTruncated;
  const std::size_t at = r.pos();
  Bytes doc = r.bytes(static_cast<std::size_t>(len));
  JsonValue& j = out.emplace<JsonValue>();
  if (partial) {
    Result<std::string> text = json_diffs_to_text(doc);
    if (!text) {
      err.detail = text.error().context;
      err.offset = at + text.error().offset;
      return static_cast<Errc>(text.error().code.value());
    }
    j.text = std::move(*text);
    j.partial = true;
    return Errc::kOk;
  }
  Result<void> res = append_json_text(doc, j.text);
  if (!res) {
    err.detail = res.error().context;
    err.offset = at + res.error().offset;
    return static_cast<Errc>(res.error().code.value());
  }
  return Errc::kOk;
}

template <class T>
Errc emplace_temporal(Errc e, T&& v, Value& out) {
  if (e == Errc::kOk) out = std::forward<T>(v);
  return e;
}

// The one switch over column types. `partial_json` only for PARTIAL_UPDATE after images.
Errc decode_into(ByteReader& r, ColumnType type, std::uint16_t meta, bool is_unsigned, bool partial_json, Value& out,
                 ValueError& err, const std::shared_ptr<const void>& owner) {
  switch (type) {
    case ColumnType::kTiny: {
      std::uint64_t v = r.uint_le(1);
      if (!r.ok()) return Errc::kTruncated;
      if (is_unsigned) out = v;
      else out = std::int64_t{static_cast<std::int8_t>(v)};
      return Errc::kOk;
    }
    case ColumnType::kShort: {
      std::uint64_t v = r.uint_le(2);
      if (!r.ok()) return Errc::kTruncated;
      if (is_unsigned) out = v;
      else out = std::int64_t{static_cast<std::int16_t>(v)};
      return Errc::kOk;
    }
    case ColumnType::kInt24: {
      std::uint64_t v = r.uint_le(3);
      if (!r.ok()) return Errc::kTruncated;
      if (is_unsigned) out = v;
      else out = static_cast<std::int64_t>(v ^ 0x800000) - 0x800000;
      return Errc::kOk;
    }
    case ColumnType::kLong: {
      std::uint64_t v = r.uint_le(4);
      if (!r.ok()) return Errc::kTruncated;
      if (is_unsigned) out = v;
      else out = std::int64_t{static_cast<std::int32_t>(v)};
      return Errc::kOk;
    }
    case ColumnType::kLongLong: {
      std::uint64_t v = r.uint_le(8);
      if (!r.ok()) return Errc::kTruncated;
      if (is_unsigned) out = v;
      else out = static_cast<std::int64_t>(v);
      return Errc::kOk;
    }
    case ColumnType::kFloat: {
      float f = r.f32();
      if (!r.ok()) return Errc::kTruncated;
      out = f;
      return Errc::kOk;
    }
    case ColumnType::kDouble: {
      double d = r.f64();
      if (!r.ok()) return Errc::kTruncated;
      out = d;
      return Errc::kOk;
    }
    case ColumnType::kNewDecimal: {
      DecimalValue* d = std::get_if<DecimalValue>(&out);
      if (d == nullptr) d = &out.emplace<DecimalValue>();
      d->text.clear();
      return read_decimal_text(r, meta >> 8, meta & 0xff, d->text);
    }
    case ColumnType::kDecimal:
      err.detail = "old DECIMAL (MySQL < 5.0 tables) carries no metadata to decode it";
      return Errc::kUnsupported;
    case ColumnType::kNull: out = NullValue{}; return Errc::kOk;
    case ColumnType::kYear: {
      YearValue v;
      return emplace_temporal(read_year(r, v), v, out);
    }
    case ColumnType::kDate:
    case ColumnType::kNewDate: {
      DateValue v;
      return emplace_temporal(read_date(r, v), v, out);
    }
    case ColumnType::kTime: {
      TimeValue v;
      return emplace_temporal(read_time(r, v), v, out);
    }
    case ColumnType::kTime2: {
      TimeValue v;
      return emplace_temporal(read_time2(r, meta, v), v, out);
    }
    case ColumnType::kDateTime: {
      DateTimeValue v;
      return emplace_temporal(read_datetime(r, v), v, out);
    }
    case ColumnType::kDateTime2: {
      DateTimeValue v;
      return emplace_temporal(read_datetime2(r, meta, v), v, out);
    }
    case ColumnType::kTimestamp: {
      TimestampValue v;
      return emplace_temporal(read_timestamp(r, v), v, out);
    }
    case ColumnType::kTimestamp2: {
      TimestampValue v;
      return emplace_temporal(read_timestamp2(r, meta, v), v, out);
    }
    case ColumnType::kVarchar:
    case ColumnType::kVarString: return read_prefixed_bytes(r, meta < 256 ? 1 : 2, out, owner);
    case ColumnType::kString: {
      const StringMeta sm = resolve_string_meta(meta);
      if (sm.real == ColumnType::kEnum) return read_enum(r, sm.length, out);
      if (sm.real == ColumnType::kSet) return read_set(r, sm.length, out);
      return read_prefixed_bytes(r, sm.length < 256 ? 1 : 2, out, owner);
    }
    case ColumnType::kEnum: return read_enum(r, meta & 0xff, out);
    case ColumnType::kSet: return read_set(r, meta & 0xff, out);
    case ColumnType::kBit: {
      const unsigned bits = meta & 0xff, whole = meta >> 8;
      if (bits > 7) return Errc::kBadValue;
      const unsigned nbytes = whole + (bits ? 1 : 0);
      if (nbytes > 8) return Errc::kBadValue;
      std::uint64_t v = r.uint_be(nbytes);
      if (!r.ok()) return Errc::kTruncated;
      out = BitValue{v, static_cast<std::uint16_t>(whole * 8 + bits)};
      return Errc::kOk;
    }
    case ColumnType::kJson: return read_json(r, meta, partial_json, out, err);
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kBlob:
    case ColumnType::kGeometry:
    case ColumnType::kVector:
      if (meta < 1 || meta > 4) return Errc::kBadValue;
      return read_prefixed_bytes(r, meta, out, owner);
    case ColumnType::kTypedArray:
    case ColumnType::kInvalid:
    case ColumnType::kBool: break;
  }
  return Errc::kUnknownColumnType;
}

// Whether decode_into gives a BytesValue for this column.
bool holds_bytes(ColumnType type, std::uint16_t meta) noexcept {
  switch (type) {
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kBlob:
    case ColumnType::kGeometry:
    case ColumnType::kVector: return true;
    case ColumnType::kString: {
      const ColumnType real = resolve_string_meta(meta).real;
      return real != ColumnType::kEnum && real != ColumnType::kSet;
    }
    default: return false;
  }
}

// Per-column facts, computed once per event.
struct ColumnPlan {
  ColumnType type = ColumnType::kNull;
  std::uint16_t meta = 0;
  bool is_unsigned = false;
  int json_index = -1;  // ordinal among the table's JSON columns (partial-update bitmap)
};

std::string column_label(const TableMap& map, std::size_t i) {
  // Built with += : GCC 12 -O2 reports a false -Wrestrict on `"literal" + std::string`.
  std::string s = "column ";
  s += std::to_string(i);
  s += " (";
  s += map.column_name(i);
  s += ", ";
  s += column_type_name(i < map.types.size() ? map.types[i] : ColumnType::kInvalid);
  s += ')';
  return s;
}

std::string_view kind_name(RowsKind k) {
  switch (k) {
    case RowsKind::kWrite: return "WRITE_ROWS";
    case RowsKind::kUpdate: return "UPDATE_ROWS";
    case RowsKind::kDelete: return "DELETE_ROWS";
    case RowsKind::kPartialUpdate: return "PARTIAL_UPDATE_ROWS";
  }
  return "ROWS";
}

class RowsDecoder {
 public:
  RowsDecoder(const RowsEvent& ev, const TableMap& map, const ColumnSigns& signs)
      : ev_(ev), map_(map), r_(ev.rows), ncols_(static_cast<std::size_t>(ev.column_count)) {
    plans_.resize(ncols_);
    bool has_bytes = false;
    std::size_t numeric = 0;
    int json = 0;
    for (std::size_t i = 0; i < ncols_; ++i) {
      ColumnPlan& p = plans_[i];
      p.type = map.types[i];
      p.meta = i < map.meta.size() ? map.meta[i] : 0;
      if (is_numeric_type(p.type)) {
        // SIGNEDNESS has one bit per numeric column, in column order.
        if (numeric < map.optional.signedness.size()) p.is_unsigned = map.optional.signedness[numeric];
        ++numeric;
      }
      if (i < signs.is_unsigned.size()) p.is_unsigned = signs.is_unsigned[i];
      if (p.type == ColumnType::kJson) p.json_index = json++;
      has_bytes = has_bytes || holds_bytes(p.type, p.meta);
    }
    json_columns_ = static_cast<std::size_t>(json);
    if (has_bytes && !ev.rows.empty()) {
      // One copy of the row images, shared by every string value decoded from it (value.h).
      auto buf = std::make_shared_for_overwrite<std::uint8_t[]>(ev.rows.size());
      std::memcpy(buf.get(), ev.rows.data(), ev.rows.size());
      r_ = ByteReader(Bytes(buf.get(), ev.rows.size()));
      owner_ = std::move(buf);
    }
  }

  // Decodes into `rows`, reusing the RowPairs (and their strings' buffers) already there.
  Result<void> run(std::vector<RowPair>& rows) {
    const std::vector<bool>& before_cols = ev_.columns_present;
    const std::vector<bool>& after_cols =
        ev_.columns_present_after.empty() ? ev_.columns_present : ev_.columns_present_after;
    const std::size_t before_n = count_set(before_cols, ncols_);
    const std::size_t after_n = count_set(after_cols, ncols_);
    std::size_t n = 0;
    while (!r_.at_end()) {
      const std::size_t row_start = r_.pos();
      if (n == rows.size()) rows.emplace_back();
      RowPair& pair = rows[n++];
      switch (ev_.kind) {
        case RowsKind::kWrite:
          pair.before.reset();
          if (!image(reuse(pair.after), after_cols, after_n, false, "after")) return fail_out(rows, n);
          break;
        case RowsKind::kDelete:
          pair.after.reset();
          if (!image(reuse(pair.before), before_cols, before_n, false, "before")) return fail_out(rows, n);
          break;
        case RowsKind::kUpdate:
        case RowsKind::kPartialUpdate:
          if (!image(reuse(pair.before), before_cols, before_n, false, "before")) return fail_out(rows, n);
          if (!image(reuse(pair.after), after_cols, after_n, ev_.kind == RowsKind::kPartialUpdate, "after")) {
            return fail_out(rows, n);
          }
          break;
      }
      if (n == 1) {  // size the vector from the first row: avoids regrowth on big events
        const std::size_t row_bytes = r_.pos() - row_start;
        if (row_bytes > 0) rows.reserve(ev_.rows.size() / row_bytes + 1);
      }
      ++row_index_;
    }
    rows.resize(n);
    return {};
  }

 private:
  static RowImage& reuse(std::optional<RowImage>& img) { return img ? *img : img.emplace(); }
  Error fail_out(std::vector<RowPair>& rows, std::size_t n) {
    rows.resize(n);
    return err_;
  }

  bool fail(Errc e, std::size_t column, std::string_view image_name, const std::string& detail, std::size_t off) {
    std::string ctx = std::string(kind_name(ev_.kind)) + " row " + std::to_string(row_index_) + " " +
                      std::string(image_name) + " image";
    if (column != static_cast<std::size_t>(-1)) ctx += ", " + column_label(map_, column);
    if (!detail.empty()) ctx += ": " + detail;
    err_ = Error(e, std::move(ctx), off);
    return false;
  }

  bool image(RowImage& img, const std::vector<bool>& cols, std::size_t n_present, bool partial_after,
             std::string_view name) {
    BitmapView partial_bits;
    bool has_partial = false;
    if (partial_after) {
      const std::size_t at = r_.pos();
      const std::uint64_t options = r_.lenenc();
      if (!r_.ok()) return fail(Errc::kTruncated, static_cast<std::size_t>(-1), name, "value_options", at);
      if (options & kPartialJsonUpdates) {
        partial_bits = read_bitmap(r_, json_columns_);
        has_partial = true;
        if (!r_.ok()) return fail(Errc::kTruncated, static_cast<std::size_t>(-1), name, "partial JSON bitmap", at);
      }
    }
    const std::size_t null_at = r_.pos();
    BitmapView nulls = read_bitmap(r_, n_present);
    if (!r_.ok()) return fail(Errc::kTruncated, static_cast<std::size_t>(-1), name, "NULL bitmap", null_at);

    img.values.resize(ncols_);
    img.present.assign(ncols_, false);
    Value* values = img.values.data();
    std::size_t k = 0;  // index among present columns (the NULL bitmap counts only those)
    ValueError verr;
    for (std::size_t i = 0; i < ncols_; ++i) {
      if (i >= cols.size() || !cols[i]) {
        if (!is_null(values[i])) values[i] = NullValue{};
        continue;
      }
      img.present[i] = true;
      if (nulls.test(k++)) {
        if (!is_null(values[i])) values[i] = NullValue{};
        continue;
      }
      const ColumnPlan& p = plans_[i];
      const bool partial =
          has_partial && p.json_index >= 0 && partial_bits.test(static_cast<std::size_t>(p.json_index));
      const std::size_t at = r_.pos();
      const Errc e = decode_into(r_, p.type, p.meta, p.is_unsigned, partial, values[i], verr, owner_);
      if (e != Errc::kOk) {
        return fail(e, i, name, verr.detail.empty() ? std::string("value") : verr.detail,
                    verr.offset ? verr.offset : at);
      }
    }
    return true;
  }

  const RowsEvent& ev_;
  const TableMap& map_;
  ByteReader r_;
  std::shared_ptr<const void> owner_;  // the copy r_ reads when a column holds bytes
  std::size_t ncols_;
  std::vector<ColumnPlan> plans_;
  std::size_t json_columns_ = 0;
  std::size_t row_index_ = 0;
  Error err_;
};

}  // namespace

Result<Value> decode_value(ByteReader& r, ColumnType type, std::uint16_t meta, bool is_unsigned) {
  Value v;
  ValueError verr;
  const std::size_t at = r.pos();
  const Errc e = decode_into(r, type, meta, is_unsigned, false, v, verr, nullptr);
  if (e != Errc::kOk) {
    std::string ctx = std::string(column_type_name(type)) + " value";
    if (!verr.detail.empty()) ctx += ": " + verr.detail;
    return Error(e, std::move(ctx), verr.offset ? verr.offset : at);
  }
  return v;
}

Result<std::vector<RowPair>> decode_rows(const RowsEvent& ev, const TableMap& map, const ColumnSigns& signs) {
  std::vector<RowPair> rows;
  Result<void> r = decode_rows_into(ev, map, signs, rows);
  if (!r) return r.error();
  return rows;
}

Result<void> decode_rows_into(const RowsEvent& ev, const TableMap& map, const ColumnSigns& signs,
                              std::vector<RowPair>& rows) {
  if (ev.table_id != map.table_id) {
    rows.clear();
    return Error(Errc::kMissingTableMap, "rows event for table_id " + std::to_string(ev.table_id) +
                                             " decoded with TABLE_MAP of table_id " + std::to_string(map.table_id));
  }
  if (ev.column_count > map.types.size()) {
    rows.clear();
    return Error(Errc::kBadLength, "rows event has " + std::to_string(ev.column_count) + " columns, TABLE_MAP " +
                                       std::to_string(map.types.size()));
  }
  return RowsDecoder(ev, map, signs).run(rows);
}

}  // namespace ghostcut::binlog
