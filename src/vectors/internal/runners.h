// Runner registration. Each runner file in this folder registers itself:
//
//   ZTM_REGISTER_VECTOR_RUNNER(my_runner);   // Runner my_runner() { ... }
//
// The library is an OBJECT library, so every runner's object file is linked into
// each binary that uses it and its registration always runs.
#pragma once

#include "ztm/vectors/vectors.h"

namespace ztm::vectors {

// register_runner adds a runner to runners(); it returns a dummy for static init.
bool register_runner(Runner (*factory)());

}  // namespace ztm::vectors

#define ZTM_REGISTER_VECTOR_RUNNER(factory) \
  static const bool ztm_registered_##factory = ::ztm::vectors::register_runner(&factory)
