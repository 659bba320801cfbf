// Runner factories, one per kind of vector file (see registry.cc).
#pragma once

#include "ztm/vectors/vectors.h"

namespace ztm::vectors {

Runner mls_deserialization_runner();  // mls_deserialization_vectors.cc

}  // namespace ztm::vectors
