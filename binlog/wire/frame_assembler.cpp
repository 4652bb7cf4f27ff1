#include "binlog/wire/frame_assembler.h"

#include <algorithm>
#include <string>
#include <utility>

namespace ghostcut::binlog {

void FrameAssembler::feed(Bytes data) {
  if (error_) return;
  // Drop consumed bytes before growing, so the buffer stays about one packet long.
  if (start_ > 0 && (start_ == buf_.size() || start_ > buf_.size() / 2)) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  buf_.insert(buf_.end(), data.begin(), data.end());
}

Result<std::optional<std::vector<std::uint8_t>>> FrameAssembler::next() {
  auto view = next_view();
  if (!view) return view.error();
  if (!*view) return std::optional<std::vector<std::uint8_t>>{};
  if (joined_) {  // a joined packet: hand over its buffer instead of copying it
    joined_ = false;
    return std::optional<std::vector<std::uint8_t>>(std::exchange(partial_, {}));
  }
  return std::optional<std::vector<std::uint8_t>>(std::vector<std::uint8_t>((*view)->begin(), (*view)->end()));
}

Result<std::optional<Bytes>> FrameAssembler::next_view() {
  if (error_) return *error_;
  if (joined_) {  // the last view pointed into partial_ (16 MiB or more): it may go now
    partial_ = {};
    joined_ = false;
  }
  for (;;) {
    if (buffered() < kFrameHeaderSize) return std::optional<Bytes>{};
    const std::uint8_t* h = buf_.data() + start_;
    const std::size_t len = std::size_t(h[0]) | (std::size_t(h[1]) << 8) | (std::size_t(h[2]) << 16);
    const std::uint8_t seq = h[3];
    if (seq != expected_seq_) {
      error_ = Error(Errc::kSequenceMismatch,
                     "packet sequence id " + std::to_string(seq) + ", expected " + std::to_string(expected_seq_));
      return *error_;
    }
    if (partial_.size() + len > max_payload_) {
      error_ = Error(Errc::kPacketTooLarge, "packet of at least " + std::to_string(partial_.size() + len) +
                                                " bytes exceeds the limit of " + std::to_string(max_payload_) +
                                                " bytes (raise the max packet size setting)");
      return *error_;
    }
    if (buffered() < kFrameHeaderSize + len) return std::optional<Bytes>{};

    const std::uint8_t* body = h + kFrameHeaderSize;
    start_ += kFrameHeaderSize + len;
    ++expected_seq_;
    if (len == kMaxFramePayload) {
      // More frames follow; keep joining.
      partial_.insert(partial_.end(), body, body + len);
      in_continuation_ = true;
      continue;
    }
    if (in_continuation_) {
      partial_.insert(partial_.end(), body, body + len);
      in_continuation_ = false;
      joined_ = true;
      return std::optional<Bytes>(Bytes(partial_.data(), partial_.size()));
    }
    // Consumed bytes stay in buf_ until the next feed(), so the view stays valid until then.
    return std::optional<Bytes>(Bytes(body, len));
  }
}

std::vector<std::uint8_t> frame_payload(Bytes payload, std::uint8_t& seq) {
  std::vector<std::uint8_t> out;
  out.reserve(payload.size() + kFrameHeaderSize * (payload.size() / kMaxFramePayload + 1));
  std::size_t off = 0;
  for (;;) {
    const std::size_t len = std::min(kMaxFramePayload, payload.size() - off);
    out.push_back(static_cast<std::uint8_t>(len));
    out.push_back(static_cast<std::uint8_t>(len >> 8));
    out.push_back(static_cast<std::uint8_t>(len >> 16));
    out.push_back(seq++);
    out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(off),
               payload.begin() + static_cast<std::ptrdiff_t>(off + len));
    off += len;
    if (len < kMaxFramePayload) break;  // a full frame always needs a (maybe empty) successor
  }
  return out;
}

}  // namespace ghostcut::binlog
