#include "binlog/event/binlog_file_reader.h"

#include <algorithm>
#include <cstdio>

namespace ghostcut::binlog {

Result<std::optional<RawEvent>> BinlogFileReader::next() {
  if (error_) return *error_;
  if (!magic_checked_) {
    if (file_.size() < sizeof kBinlogMagic ||
        !std::equal(std::begin(kBinlogMagic), std::end(kBinlogMagic), file_.begin())) {
      char got[40] = "";
      const std::size_t n = std::min<std::size_t>(file_.size(), 4);
      for (std::size_t i = 0; i < n; ++i) std::snprintf(got + 3 * i, sizeof got - 3 * i, "%02x ", file_[i]);
      return fail(Error(Errc::kBadMagic,
                        "binlog file must start with fe 62 69 6e, got " +
                            (n ? std::string(got, 3 * n - 1) : std::string("an empty file")),
                        0));
    }
    magic_checked_ = true;
    offset_ = sizeof kBinlogMagic;
  }
  if (offset_ == file_.size()) return std::optional<RawEvent>{};
  const std::size_t left = file_.size() - offset_;
  auto header = parse_event_header(file_.subspan(offset_));
  if (!header) {
    if (header.error().is(Errc::kTruncated)) {
      return fail(Error(Errc::kTruncated,
                        "truncated event header at " + std::to_string(offset_) + " (" + std::to_string(left) +
                            " bytes left, need " + std::to_string(kEventHeaderLen) + ")",
                        offset_));
    }
    Error e = header.error();
    e.context = "event at " + std::to_string(offset_) + ": " + e.context;
    e.offset += offset_;
    return fail(e);
  }
  if (header->event_size > left) {
    return fail(Error(Errc::kTruncated,
                      "truncated " + std::string(event_type_name(header->type)) + " event at " +
                          std::to_string(offset_) + ": event_size " + std::to_string(header->event_size) + ", " +
                          std::to_string(left) + " bytes left",
                      offset_));
  }
  auto raw = make_raw_event(file_.subspan(offset_, header->event_size), format_, offset_);
  if (!raw) {
    Error e = raw.error();
    e.context = std::string(event_type_name(header->type)) + " event at " + std::to_string(offset_) + ": " + e.context;
    return fail(e);
  }
  if (raw->header.type == EventType::kFormatDescription) {
    auto f = parse_format_description(raw->body);
    if (!f) {
      Error e = f.error();
      e.context = "FORMAT_DESCRIPTION event at " + std::to_string(offset_) + ": " + e.context;
      e.offset += offset_ + kEventHeaderLen;
      return fail(e);
    }
    format_ = std::move(*f);
    ++fde_count_;
  }
  offset_ += header->event_size;
  return std::optional<RawEvent>(*raw);
}

}  // namespace ghostcut::binlog
