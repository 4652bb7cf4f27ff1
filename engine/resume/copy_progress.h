// One copy range's progress: what the checkpoint stores and the copier resumes from.
#pragma once
#include <cstdint>
#include <optional>

#include "engine/sql/query_builder.h"

namespace ghostcut::engine {

// One copy range's progress.
struct CopyRangeProgress {
  std::optional<KeyTuple> low_water;  // every row with a key <= this is copied; nullopt: none yet
  std::optional<KeyTuple> max;        // the range's last key when the copy started; nullopt: not started / empty
  std::uint64_t rows_below = 0;       // rows copied up to low_water
  bool done = false;                  // the whole range is copied
  bool operator==(const CopyRangeProgress&) const = default;
};

}  // namespace ghostcut::engine
