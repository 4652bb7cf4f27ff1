// The precompiled header of every test target (tests/CMakeLists.txt): GoogleTest and the standard
// headers most tests use, parsed once instead of once per file. <utility> first: it replaces the
// `-include utility` the other targets get (GCC 12 + Boost.Asio coroutines need it seen first).
#pragma once
#include <utility>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
