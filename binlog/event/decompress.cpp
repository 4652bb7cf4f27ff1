#include "binlog/event/decompress.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <memory>

namespace ghostcut::binlog::detail {
namespace {

// Output grows as data actually arrives, so a corrupt size field cannot make us allocate 1 GiB.
std::size_t initial_capacity(std::size_t expected, std::size_t input) {
  return std::min(expected, std::max<std::size_t>(64 * 1024, input * 8));
}

}  // namespace

Result<std::vector<std::uint8_t>> zstd_decompress(Bytes in, std::size_t expected_size) {
  if (expected_size > kMaxDecompressedSize) {
    return Error(Errc::kBadLength, "zstd uncompressed size " + std::to_string(expected_size) + " exceeds 1 GiB");
  }
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (!ctx) return Error(Errc::kDecompressFailed, "zstd: cannot create context");
  std::vector<std::uint8_t> out(initial_capacity(expected_size, in.size()));
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  std::size_t produced = 0;
  std::uint8_t probe = 0;  // one byte past the declared size, to detect overlong frames
  while (true) {
    if (produced == out.size() && out.size() < expected_size) {
      out.resize(std::min(expected_size, out.size() * 2));
    }
    const bool at_limit = produced == out.size();
    ZSTD_outBuffer output =
        at_limit ? ZSTD_outBuffer{&probe, 1, 0} : ZSTD_outBuffer{out.data() + produced, out.size() - produced, 0};
    const std::size_t rc = ZSTD_decompressStream(ctx.get(), &output, &input);
    if (ZSTD_isError(rc)) {
      return Error(Errc::kDecompressFailed, std::string("zstd: ") + ZSTD_getErrorName(rc), input.pos);
    }
    if (at_limit && output.pos != 0) {
      return Error(Errc::kDecompressFailed,
                   "zstd: payload inflates beyond its declared " + std::to_string(expected_size) + " bytes");
    }
    produced += at_limit ? 0 : output.pos;
    if (rc == 0) break;  // frame complete
    if (input.pos == input.size && output.pos == 0) {
      return Error(Errc::kDecompressFailed, "zstd: input ended inside the frame", input.pos);
    }
  }
  if (produced != expected_size) {
    return Error(Errc::kDecompressFailed, "zstd: inflated to " + std::to_string(produced) + " bytes, header said " +
                                              std::to_string(expected_size));
  }
  out.resize(produced);
  return out;
}

Result<std::vector<std::uint8_t>> mariadb_uncompress(Bytes record) {
  ByteReader r(record);
  const std::uint8_t head = r.u8();
  if (!r.ok()) return Error(Errc::kTruncated, "MariaDB compressed header byte", 0);
  if ((head & 0x80) == 0) return Error(Errc::kBadValue, "MariaDB compressed header: bit 7 not set", 0);
  const unsigned alg = (head & 0x70) >> 4;
  if (alg != 0) return Error(Errc::kUnsupported, "MariaDB compression algorithm " + std::to_string(alg), 0);
  const unsigned len_bytes = head & 0x07;
  if (len_bytes < 1 || len_bytes > 4) {
    return Error(Errc::kBadValue, "MariaDB compressed header: length of length " + std::to_string(len_bytes), 0);
  }
  const std::size_t len = static_cast<std::size_t>(r.uint_be(len_bytes));
  if (!r.ok()) return Error(Errc::kTruncated, "MariaDB compressed original length", 1);
  if (len > kMaxDecompressedSize) {
    return Error(Errc::kBadLength, "MariaDB compressed original length " + std::to_string(len) + " exceeds 1 GiB", 1);
  }
  const std::size_t at = 1 + len_bytes;
  const Bytes stream = r.rest();
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return Error(Errc::kDecompressFailed, "zlib: cannot initialise", at);
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&zs, &inflateEnd);
  zs.next_in = const_cast<Bytef*>(stream.data());  // zlib's API is not const-correct
  zs.avail_in = static_cast<uInt>(std::min<std::size_t>(stream.size(), 0xffffffffu));
  std::vector<std::uint8_t> out(initial_capacity(len, stream.size()));
  std::uint8_t probe = 0;
  std::size_t produced = 0;
  while (true) {
    if (produced == out.size() && out.size() < len) out.resize(std::min(len, out.size() * 2));
    const bool at_limit = produced == out.size();
    zs.next_out = at_limit ? &probe : out.data() + produced;
    zs.avail_out = at_limit ? 1 : static_cast<uInt>(out.size() - produced);
    const uInt before = zs.avail_out;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const std::size_t got = before - zs.avail_out;
    if (at_limit && got != 0) {
      return Error(Errc::kDecompressFailed, "zlib: inflates beyond the declared " + std::to_string(len) + " bytes", at);
    }
    produced += at_limit ? 0 : got;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Error(Errc::kDecompressFailed, "zlib: " + std::string(zs.msg ? zs.msg : zError(rc)), at);
    }
    if (got == 0 && zs.avail_in == 0) return Error(Errc::kDecompressFailed, "zlib: stream ends early", at);
  }
  if (produced != len) {
    return Error(Errc::kDecompressFailed,
                 "zlib: inflated to " + std::to_string(produced) + " bytes, header said " + std::to_string(len), at);
  }
  out.resize(produced);
  return out;
}

}  // namespace ghostcut::binlog::detail
