// The list of vector runners. Each runner lives in its own file in this folder;
// add one line here for a new kind of vector file.
#include "internal/runners.h"

namespace ztm::vectors {

const std::vector<Runner>& runners() {
  static const std::vector<Runner> all = {
      mls_deserialization_runner(),
  };
  return all;
}

}  // namespace ztm::vectors
