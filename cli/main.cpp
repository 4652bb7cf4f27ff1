#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/app.h"

int main(int argc, char** argv) {
  try {
    return ghostcut::cli::run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::cerr << "ghostcut: " << e.what() << "\n";
    return ghostcut::cli::kExitFailure;
  }
}
