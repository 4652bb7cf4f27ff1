#include "engine/errc.h"

namespace ghostcut::engine {
namespace {

class EngineCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "engine"; }
  std::string message(int ev) const override {
    switch (static_cast<EngineErrc>(ev)) {
      case EngineErrc::kBadSetting: return "bad setting";
      case EngineErrc::kBadTimeZone: return "bad time zone";
    }
    return "unknown engine error";
  }
};

}  // namespace

const std::error_category& engine_category() noexcept {
  static const EngineCategory cat;
  return cat;
}

}  // namespace ghostcut::engine
