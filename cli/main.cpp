#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

int main(int argc, char** argv) {
  // Logs go to stderr: stdout carries data (tail's JSON lines, status output).
  spdlog::set_default_logger(spdlog::stderr_color_mt("ghostcut"));
  const std::vector<std::string> args(argv + 1, argv + argc);
  // --log-format json: JSON from the first line on, before the flags are even parsed.
  if (ghostcut::cli::json_logs_requested(args))
    ghostcut::cli::configure_logging(ghostcut::cli::LogFormat::kJson, ghostcut::cli::Verbosity::kNormal);
  try {
    return ghostcut::cli::run(args);
  } catch (const std::exception& e) {
    ghostcut::cli::report_usage_error("ghostcut", e.what());
    return ghostcut::cli::kExitFailure;
  }
}
