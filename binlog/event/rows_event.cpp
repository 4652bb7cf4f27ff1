#include "binlog/event/rows_event.h"

#include <optional>
#include <string>

#include "binlog/event/decompress.h"

namespace ghostcut::binlog {
namespace {

struct RowsTypeInfo {
  RowsKind kind;
  std::uint8_t version;
  bool compressed;
};

std::optional<RowsTypeInfo> rows_type_info(EventType t) {
  switch (t) {
    case EventType::kPreGaWriteRows:
    case EventType::kWriteRowsV1: return RowsTypeInfo{RowsKind::kWrite, 1, false};
    case EventType::kPreGaUpdateRows:
    case EventType::kUpdateRowsV1: return RowsTypeInfo{RowsKind::kUpdate, 1, false};
    case EventType::kPreGaDeleteRows:
    case EventType::kDeleteRowsV1: return RowsTypeInfo{RowsKind::kDelete, 1, false};
    case EventType::kWriteRowsV2: return RowsTypeInfo{RowsKind::kWrite, 2, false};
    case EventType::kUpdateRowsV2: return RowsTypeInfo{RowsKind::kUpdate, 2, false};
    case EventType::kDeleteRowsV2: return RowsTypeInfo{RowsKind::kDelete, 2, false};
    case EventType::kPartialUpdateRows: return RowsTypeInfo{RowsKind::kPartialUpdate, 2, false};
    case EventType::kMariaWriteRowsCompressedV1: return RowsTypeInfo{RowsKind::kWrite, 1, true};
    case EventType::kMariaUpdateRowsCompressedV1: return RowsTypeInfo{RowsKind::kUpdate, 1, true};
    case EventType::kMariaDeleteRowsCompressedV1: return RowsTypeInfo{RowsKind::kDelete, 1, true};
    case EventType::kMariaWriteRowsCompressed: return RowsTypeInfo{RowsKind::kWrite, 2, true};
    case EventType::kMariaUpdateRowsCompressed: return RowsTypeInfo{RowsKind::kUpdate, 2, true};
    case EventType::kMariaDeleteRowsCompressed: return RowsTypeInfo{RowsKind::kDelete, 2, true};
    default: return std::nullopt;
  }
}

// Columns-present bitmaps are LSB first.
std::vector<bool> read_lsb_bitmap(Bytes b, std::size_t nbits) {
  std::vector<bool> out(nbits);
  for (std::size_t i = 0; i < nbits; ++i) out[i] = (b[i / 8] >> (i % 8)) & 1;
  return out;
}

}  // namespace

bool is_rows_event(EventType type) noexcept { return rows_type_info(type).has_value(); }

Result<RowsEvent> parse_rows_event(EventType type, Bytes body, std::uint8_t post_header_len) {
  const auto info = rows_type_info(type);
  // Built only for an error message: this runs for every rows event.
  const std::string_view type_name = event_type_name(type);
  const auto name = [type_name] { return std::string(type_name); };
  if (!info) return Error(Errc::kUnsupported, name() + " is not a rows event", 0);
  ByteReader r(body);
  RowsEvent ev;
  ev.type = type;
  ev.kind = info->kind;
  ev.version = info->version;
  ev.table_id = post_header_len == 6 ? r.u32() : r.u48();
  ev.flags = r.u16();
  if (!r.ok()) return Error(Errc::kTruncated, name() + " table_id/flags", r.pos());
  if (ev.version == 2) {
    const std::size_t at = r.pos();
    const std::uint16_t extra_len = r.u16();
    if (!r.ok()) return Error(Errc::kTruncated, name() + " extra data length", at);
    if (extra_len < 2) {
      return Error(Errc::kBadLength, name() + " extra data length " + std::to_string(extra_len) + " (< 2)", at);
    }
    ev.extra_data = r.bytes(extra_len - 2u);
    if (!r.ok()) {
      return Error(Errc::kTruncated, name() + " extra data: want " + std::to_string(extra_len - 2u) + " bytes",
                   r.pos());
    }
  }
  const std::size_t cols_at = r.pos();
  ev.column_count = r.lenenc();
  if (!r.ok()) return Error(Errc::kTruncated, name() + " column count", cols_at);
  const std::uint64_t bitmap_len = (ev.column_count + 7) / 8;
  if (bitmap_len > r.remaining()) {
    return Error(Errc::kTruncated,
                 name() + " columns-present bitmap for " + std::to_string(ev.column_count) + " columns", r.pos());
  }
  const auto ncols = static_cast<std::size_t>(ev.column_count);
  ev.columns_present = read_lsb_bitmap(r.bytes(static_cast<std::size_t>(bitmap_len)), ncols);
  if (ev.kind == RowsKind::kUpdate || ev.kind == RowsKind::kPartialUpdate) {
    const Bytes after = r.bytes(static_cast<std::size_t>(bitmap_len));
    if (!r.ok()) return Error(Errc::kTruncated, name() + " after-image columns-present bitmap", r.pos());
    ev.columns_present_after = read_lsb_bitmap(after, ncols);
  }
  if (info->compressed) {
    const std::size_t at = r.pos();
    auto inflated = detail::mariadb_uncompress(r.rest());
    if (!inflated) {
      Error e = inflated.error();
      e.context = name() + " rows: " + e.context;
      e.offset += at;
      return e;
    }
    ev.owned = std::move(*inflated);
    ev.rows = Bytes(ev.owned.data(), ev.owned.size());
  } else {
    ev.rows = r.rest();
  }
  return ev;
}

}  // namespace ghostcut::binlog
