// Errors of the pure binlog layers: an error_code (binlog_errc) plus context text.
// Pure layers never throw and never log; they return Result<T>.
#pragma once
#include <cstddef>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace ghostcut::binlog {

enum class Errc {
  kOk = 0,
  kTruncated,            // fewer bytes than a length or field says
  kBadChecksum,         // CRC32 mismatch
  kBadMagic,            // not a binlog file
  kBadLength,           // a length field that cannot be right
  kExtraBytes,          // bytes left where none should be
  kUnknownColumnType,  // a column type we cannot decode
  kUnsupported,          // a valid feature we do not handle (says which)
  kPacketTooLarge,     // frame assembler size limit hit
  kSequenceMismatch,    // packet sequence id out of order
  kServerError,         // an ERR packet from the server
  kProtocolError,       // anything else the server sent that breaks the protocol
  kAuthFailed,          // authentication refused or impossible
  kDecompressFailed,    // zstd/zlib payload did not decompress
  kBadValue,            // a value that cannot exist (e.g. invalid decimal digits)
  kMissingTableMap,    // a rows event for an unknown table_id
};

}  // namespace ghostcut::binlog

template <>
struct std::is_error_code_enum<ghostcut::binlog::Errc> : std::true_type {};

namespace ghostcut::binlog {

const std::error_category& binlog_category() noexcept;
inline std::error_code make_error_code(Errc e) noexcept { return {static_cast<int>(e), binlog_category()}; }

// An error with what was being decoded and where.
struct Error {
  std::error_code code;
  std::string context;      // e.g. "TABLE_MAP metadata for column 3"
  std::size_t offset = 0;   // byte offset (in the event, packet or file — the context says which)

  Error() = default;
  Error(Errc e, std::string ctx = {}, std::size_t off = 0) : code(make_error_code(e)), context(std::move(ctx)), offset(off) {}
  Error(std::error_code ec, std::string ctx = {}, std::size_t off = 0) : code(ec), context(std::move(ctx)), offset(off) {}

  bool is(Errc e) const noexcept { return code == make_error_code(e); }
  bool is(std::error_code e) const noexcept { return code == e; }  // another layer's code
  // "truncated: TABLE_MAP metadata for column 3 (at byte 41)"
  std::string message() const;
};

// A small result type: a T or an Error. (Boost.Outcome would do; this keeps the pure core header-light.)
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}      // NOLINT
  Result(Errc e, std::string ctx = {}, std::size_t off = 0) : v_(std::in_place_index<1>, Error(e, std::move(ctx), off)) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), ok_(false) {}  // NOLINT
  Result(Errc e, std::string ctx = {}, std::size_t off = 0) : err_(e, std::move(ctx), off), ok_(false) {}
  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_;
  bool ok_ = true;
};

}  // namespace ghostcut::binlog

