#include "binlog/event/decompress.h"

#include <zlib.h>
#include <zstd.h>

#include <memory>

namespace ghostcut::binlog::detail {

Result<std::vector<std::uint8_t>> zstd_decompress(Bytes in, std::size_t expected_size) {
  if (expected_size > kMaxDecompressedSize) {
    return Error(Errc::bad_length, "zstd uncompressed size " + std::to_string(expected_size) + " exceeds 1 GiB");
  }
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (!ctx) return Error(Errc::decompress_failed, "zstd: cannot create context");
  std::vector<std::uint8_t> out(expected_size);
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  while (true) {
    const std::size_t rc = ZSTD_decompressStream(ctx.get(), &output, &input);
    if (ZSTD_isError(rc)) {
      return Error(Errc::decompress_failed, std::string("zstd: ") + ZSTD_getErrorName(rc), input.pos);
    }
    if (rc == 0) break;  // frame complete
    if (input.pos == input.size && output.pos < output.size) {
      return Error(Errc::decompress_failed, "zstd: input ended inside the frame", input.pos);
    }
    if (output.pos == output.size) {
      // Full buffer but the frame wants more: the declared size was too small.
      std::uint8_t probe = 0;
      ZSTD_outBuffer extra{&probe, 1, 0};
      const std::size_t rc2 = ZSTD_decompressStream(ctx.get(), &extra, &input);
      if (ZSTD_isError(rc2) || extra.pos != 0) {
        return Error(Errc::decompress_failed,
                     "zstd: payload inflates beyond its declared " + std::to_string(expected_size) + " bytes");
      }
      if (rc2 == 0) break;
      if (input.pos == input.size) {
        return Error(Errc::decompress_failed, "zstd: input ended inside the frame", input.pos);
      }
    }
  }
  if (output.pos != expected_size) {
    return Error(Errc::decompress_failed, "zstd: inflated to " + std::to_string(output.pos) +
                                              " bytes, header said " + std::to_string(expected_size));
  }
  return out;
}

Result<std::vector<std::uint8_t>> mariadb_uncompress(Bytes record) {
  ByteReader r(record);
  const std::uint8_t head = r.u8();
  if (!r.ok()) return Error(Errc::truncated, "MariaDB compressed header byte", 0);
  if ((head & 0x80) == 0) return Error(Errc::bad_value, "MariaDB compressed header: bit 7 not set", 0);
  const unsigned alg = (head & 0x70) >> 4;
  if (alg != 0) return Error(Errc::unsupported, "MariaDB compression algorithm " + std::to_string(alg), 0);
  const unsigned len_bytes = head & 0x07;
  if (len_bytes < 1 || len_bytes > 4) {
    return Error(Errc::bad_value, "MariaDB compressed header: length of length " + std::to_string(len_bytes), 0);
  }
  const std::size_t len = static_cast<std::size_t>(r.uint_be(len_bytes));
  if (!r.ok()) return Error(Errc::truncated, "MariaDB compressed original length", 1);
  if (len > kMaxDecompressedSize) {
    return Error(Errc::bad_length, "MariaDB compressed original length " + std::to_string(len) + " exceeds 1 GiB", 1);
  }
  const Bytes stream = r.rest();
  std::vector<std::uint8_t> out(len);
  uLongf out_len = static_cast<uLongf>(len);
  // uncompress() wants a non-null destination even for empty output.
  std::uint8_t dummy = 0;
  const int rc = uncompress(len ? out.data() : &dummy, &out_len, stream.data(), static_cast<uLong>(stream.size()));
  if (rc != Z_OK) {
    return Error(Errc::decompress_failed, "zlib: " + std::string(zError(rc)), 1 + len_bytes);
  }
  if (out_len != len) {
    return Error(Errc::decompress_failed,
                 "zlib: inflated to " + std::to_string(out_len) + " bytes, header said " + std::to_string(len),
                 1 + len_bytes);
  }
  return out;
}

}  // namespace ghostcut::binlog::detail
