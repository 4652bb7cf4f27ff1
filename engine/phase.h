// The steps of a migration as status, logs and metrics name them.
#pragma once
#include <string_view>

namespace ghostcut::engine {

enum class Phase {
  kStarting,
  kCopying,
  kVerifying,
  kWaitingForCutOver,
  kPostponed,
  kCuttingOver,
  kKeepingOldInSync,  // after the cut-over, --keep-old-table-in-sync: a revert stays possible
  kReverting,
  kDone,
  kFailed
};
std::string_view phase_name(Phase p);

}  // namespace ghostcut::engine
