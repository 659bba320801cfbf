// The registry of vector runners, filled by ZTM_REGISTER_VECTOR_RUNNER in each
// runner file during static initialization.
#include "internal/runners.h"

namespace ztm::vectors {
namespace {
std::vector<Runner>& registry() {
  static std::vector<Runner> all;
  return all;
}
}  // namespace

bool register_runner(Runner (*factory)()) {
  registry().push_back(factory());
  return true;
}

const std::vector<Runner>& runners() {
  return registry();
}

}  // namespace ztm::vectors
