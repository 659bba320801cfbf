// SendContextTestAccess lets tests jump a SendContext's counter to its limit, which
// no public call can do (there is no counter parameter by design). Test-only.
#pragma once

#include "ztm/sframe/context.h"

namespace ztm::sframe {

struct SendContextTestAccess {
  static void set_next_counter(SendContext& context, Counter next) { context.next_ctr_ = next; }
};

}  // namespace ztm::sframe
