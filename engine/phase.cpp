#include "engine/phase.h"

namespace ghostcut::engine {

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::kStarting: return "starting";
    case Phase::kCopying: return "copying";
    case Phase::kVerifying: return "verifying";
    case Phase::kWaitingForCutOver: return "waiting for cut-over";
    case Phase::kPostponed: return "postponed";
    case Phase::kCuttingOver: return "cutting over";
    case Phase::kKeepingOldInSync: return "keeping old table in sync";
    case Phase::kReverting: return "reverting";
    case Phase::kDone: return "done";
    case Phase::kFailed: return "failed";
  }
  return "unknown";
}

}  // namespace ghostcut::engine
