// The precompiled header of the engine, the CLI and the stress harness (issue #17: build time):
// the third-party and standard headers their files include most, parsed once per build instead of
// once per unity batch. Third-party and std only, so it cannot change what our own names mean;
// a file still includes what it uses (a build with -DGHOSTCUT_PCH=OFF proves it).
// <utility> first: it replaces the `-include utility` other targets get (GCC 12 + Boost.Asio
// coroutines), and fmt_extern.h replaces the forced include: GCC uses a PCH only as the first include.
#pragma once
#include <utility>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <variant>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/fmt_extern.h"
