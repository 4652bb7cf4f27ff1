// Result<T> and Error: one home for every layer (binlog, engine, cli). An Error carries any
// std::error_code (binlog::Errc, engine::EngineErrc, a system code) plus context text.
// Pure layers never throw and never log; they return Result<T>.
#pragma once
#include <cstddef>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace ghostcut {

// An error with what was being done and where.
struct Error {
  std::error_code code;
  std::string context;     // e.g. "TABLE_MAP metadata for column 3"
  std::size_t offset = 0;  // byte offset (in the event, packet or file — the context says which)

  Error() = default;
  Error(std::error_code ec, std::string ctx = {}, std::size_t off = 0)
      : code(ec), context(std::move(ctx)), offset(off) {}
  // Any error-code enum (found by ADL: binlog::Errc, engine::EngineErrc, …).
  template <class E, std::enable_if_t<std::is_error_code_enum_v<E>, int> = 0>
  Error(E e, std::string ctx = {}, std::size_t off = 0)
      : code(make_error_code(e)), context(std::move(ctx)), offset(off) {}

  bool is(std::error_code e) const noexcept { return code == e; }
  template <class E, std::enable_if_t<std::is_error_code_enum_v<E>, int> = 0>
  bool is(E e) const noexcept {
    return code == make_error_code(e);
  }
  // "truncated: TABLE_MAP metadata for column 3 (at byte 41)"
  std::string message() const {
    std::string out = code.message();
    if (!context.empty()) out += ": " + context;
    if (offset != 0) out += " (at byte " + std::to_string(offset) + ")";
    return out;
  }
};

// A small result type: a T or an Error. (Boost.Outcome would do; this keeps the pure core header-light.)
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  template <class E, std::enable_if_t<std::is_error_code_enum_v<E>, int> = 0>
  Result(E e, std::string ctx = {}, std::size_t off = 0) : v_(std::in_place_index<1>, Error(e, std::move(ctx), off)) {}

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
  template <class E, std::enable_if_t<std::is_error_code_enum_v<E>, int> = 0>
  Result(E e, std::string ctx = {}, std::size_t off = 0) : err_(e, std::move(ctx), off), ok_(false) {}
  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_;
  bool ok_ = true;
};

}  // namespace ghostcut
