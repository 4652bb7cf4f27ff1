// Packet framing of the MySQL client/server protocol.
//
//   frame   := payload_length int<3> | sequence_id int<1> | payload string<payload_length>
//
// A payload of 16 MiB - 1 (0xFFFFFF) or more is split into frames of exactly 0xFFFFFF bytes,
// followed by one shorter frame (possibly empty) that ends the packet. Sequence ids count up
// (mod 256) across frames and across the packets of one command exchange.
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_packets.html
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "binlog/error.h"
#include "binlog/wire/byte_reader.h"

namespace ghostcut::binlog {

inline constexpr std::size_t kMaxFramePayload = 0xFFFFFF;
inline constexpr std::size_t kFrameHeaderSize = 4;
// Binlog events can reach max_allowed_packet (at most 1 GiB); allow that by default.
inline constexpr std::size_t kDefaultMaxPacketSize = std::size_t{1} << 30;

// Feed raw socket bytes in any chunking; take out complete (joined) packet payloads.
// Errors stick: once next() failed, the stream is unusable and every later call fails the same way.
class FrameAssembler {
 public:
  explicit FrameAssembler(std::size_t max_payload = kDefaultMaxPacketSize) : max_payload_(max_payload) {}

  void feed(Bytes data);
  // A complete payload, nullopt when more bytes are needed, or an error
  // (sequence_mismatch, packet_too_large).
  [[nodiscard]] Result<std::optional<std::vector<std::uint8_t>>> next();
  // Same, as a view into the assembler's own buffer, without a copy. The view is valid only
  // until the next call of feed(), next() or next_view().
  [[nodiscard]] Result<std::optional<Bytes>> next_view();

  // The sequence id the next frame must carry. A client resets it when it starts a command
  // and sets it to (last sent id + 1) after writing.
  std::uint8_t expected_sequence() const noexcept { return expected_seq_; }
  void set_expected_sequence(std::uint8_t seq) noexcept { expected_seq_ = seq; }

  std::size_t buffered() const noexcept { return buf_.size() - start_; }
  std::size_t max_payload() const noexcept { return max_payload_; }

 private:
  std::vector<std::uint8_t> buf_;  // unconsumed input from start_
  std::size_t start_ = 0;
  std::vector<std::uint8_t> partial_;  // joined payload of the continuation frames seen so far
  bool in_continuation_ = false;
  bool joined_ = false;  // the last view was partial_
  std::uint8_t expected_seq_ = 0;
  std::size_t max_payload_;
  std::optional<Error> error_;
};

// Splits one payload into frames starting at sequence id `seq`; `seq` ends one past the last
// frame's id. A payload of exactly k * 0xFFFFFF bytes gets an empty trailing frame.
[[nodiscard]] std::vector<std::uint8_t> frame_payload(Bytes payload, std::uint8_t& seq);

}  // namespace ghostcut::binlog
