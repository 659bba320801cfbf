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

// per_suite_runner makes the common runner for files named file_name that hold one
// JSON array of cases, each named by its cipher_suite: every case runs through
// run_case, and a case whose JSON is malformed counts as failed, not as a crash.
Runner per_suite_runner(std::string_view kind, std::string_view file_name,
                        Result<void> (*run_case)(const nlohmann::json& c));

}  // namespace ztm::vectors

#define ZTM_REGISTER_VECTOR_RUNNER(factory) \
  static const bool ztm_registered_##factory = ::ztm::vectors::register_runner(&factory)
