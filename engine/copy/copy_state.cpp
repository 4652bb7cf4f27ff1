#include "engine/copy/copy_state.h"

#include <algorithm>
#include <stdexcept>
#include <variant>

namespace ghostcut::engine::copy_detail {

void CopyState::record_coverage(const Chunk& c) {
  if (!key_lo || !key_hi || c.upper.size() != 1) return;
  const auto hi = as_i128(c.upper[0]);
  const auto lo = c.lower && c.lower->size() == 1 ? as_i128((*c.lower)[0]) : key_lo;
  if (!hi || !lo) return;
  covered += static_cast<long double>(*hi - *lo + (c.first ? 1 : 0));
  const long double total = static_cast<long double>(*key_hi - *key_lo + 1);
  progress.key_range_ppm = static_cast<std::uint64_t>(std::min<long double>(1.0L, covered / total) * 1e6L);
}

KeyTuple CopyState::key_tuple(const std::vector<Cell>& row) const {
  auto k = copy.builder().key_tuple(row);
  if (!k) throw std::runtime_error("chunk key: " + k.error().message());
  return std::move(*k);
}

void CopyState::fail(std::exception_ptr e) {
  {
    std::lock_guard lk(mu);
    if (!error) error = e;
  }
  stop.request_stop();
}

std::optional<KeyTuple> arithmetic_chunk_end(const CopyState& s, std::uint64_t size) {
  if (!s.arithmetic || size == 0) return std::nullopt;
  const auto& lower = s.chunker->lower_bound();
  const auto& max = s.chunker->max();
  if (!lower || lower->size() != 1 || max.size() != 1) return std::nullopt;
  // The first chunk includes its lower bound; later ones start just after it.
  const __int128 step = static_cast<__int128>(size) - (s.chunker->lower_inclusive() ? 1 : 0);
  if (const auto* lo = std::get_if<std::int64_t>(&lower->front())) {
    const auto* hi = std::get_if<std::int64_t>(&max.front());
    if (!hi) return std::nullopt;
    const __int128 end = std::min<__int128>(static_cast<__int128>(*lo) + step, *hi);
    return KeyTuple{static_cast<std::int64_t>(end)};
  }
  if (const auto* lo = std::get_if<std::uint64_t>(&lower->front())) {
    const auto* hi = std::get_if<std::uint64_t>(&max.front());
    if (!hi) return std::nullopt;
    const __int128 end = std::min<__int128>(static_cast<__int128>(*lo) + step, *hi);
    return KeyTuple{static_cast<std::uint64_t>(end)};
  }
  return std::nullopt;
}

void plan_key_chunking(CopyState& s, const ResultTable& min, std::uint64_t estimated_rows) {
  if (s.key_is_int.size() == 1 && s.key_is_int[0] && estimated_rows > 0) {
    const auto lo = CopyState::as_i128(s.chunker->lower_bound()->front());
    const auto hi = CopyState::as_i128(s.chunker->max().front());
    s.arithmetic = lo && hi && *hi - *lo + 1 <= static_cast<__int128>(estimated_rows) * 2;
  }
  if (s.key_is_int.size() == 1 && s.key_is_int[0]) {
    s.key_lo = CopyState::as_i128(s.chunker->lower_bound()->front());
    s.key_hi = CopyState::as_i128(s.chunker->max().front());
    // Resumed: the span below the low-water mark counts as covered.
    if (!s.chunker->lower_inclusive() && !min.empty()) {
      const auto first = s.key_tuple(min.rows[0]);
      if (const auto lo = CopyState::as_i128(first.front()); lo && s.key_lo && *lo <= *s.key_lo) {
        s.covered = static_cast<long double>(*s.key_lo - *lo + 1);
        s.key_lo = lo;
      }
    }
  }
}

}  // namespace ghostcut::engine::copy_detail
