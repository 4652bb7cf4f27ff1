#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/app.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

int main(int argc, char** argv) {
  // Logs go to stderr: stdout carries data (tail's JSON lines, status output).
  spdlog::set_default_logger(spdlog::stderr_color_mt("ghostcut"));
  try {
    return ghostcut::cli::run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::cerr << "ghostcut: " << e.what() << "\n";
    return ghostcut::cli::kExitFailure;
  }
}
