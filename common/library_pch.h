// The precompiled header of the libraries that do I/O (binlog net, engine, CLI) and of the stress
// harness (common/CMakeLists.txt): the standard headers and the heavy third-party ones (spdlog,
// fmt, Asio's executors and coroutines) parsed once per build instead of once per unity batch.
// Third-party and std only, so it cannot change what a project name means. <utility> first: it
// replaces the `-include utility` the other targets get (GCC 12 + Boost.Asio coroutines need it).
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
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include "common/fmt_extern.h"
