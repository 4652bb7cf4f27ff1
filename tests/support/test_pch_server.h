// The precompiled header of the integration tests: test_pch.h plus the heavy third-party headers
// the engine's public headers bring in (spdlog, Asio executors). Third-party only, so it cannot
// change what a test's own names mean.
#pragma once
#include "support/test_pch.h"

#include <array>
#include <cstdio>
#include <future>
#include <random>

#include <spdlog/logger.h>
#include <spdlog/spdlog.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include "common/fmt_extern.h"
