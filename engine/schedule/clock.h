// The wall clock the scheduler reads, injected so tests can pin "now" instead of waiting for real time.
#pragma once
#include <chrono>
#include <functional>

namespace ghostcut::engine {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

// std::chrono::system_clock::now.
WallClock system_wall_clock();

}  // namespace ghostcut::engine
