#include "engine/schedule/clock.h"

namespace ghostcut::engine {

WallClock system_wall_clock() {
  return [] { return std::chrono::system_clock::now(); };
}

}  // namespace ghostcut::engine
