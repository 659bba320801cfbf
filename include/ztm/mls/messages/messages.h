// messages.h: every MLS wire structure (RFC 9420 §5–§12) in one include.
#pragma once

#include "ztm/mls/messages/credential.h"      // IWYU pragma: export
#include "ztm/mls/messages/extension.h"       // IWYU pragma: export
#include "ztm/mls/messages/framed_content.h"  // IWYU pragma: export
#include "ztm/mls/messages/group_context.h"   // IWYU pragma: export
#include "ztm/mls/messages/key_package.h"     // IWYU pragma: export
#include "ztm/mls/messages/leaf_node.h"       // IWYU pragma: export
#include "ztm/mls/messages/mls_message.h"     // IWYU pragma: export
#include "ztm/mls/messages/proposals.h"       // IWYU pragma: export
#include "ztm/mls/messages/types.h"           // IWYU pragma: export
#include "ztm/mls/messages/welcome.h"         // IWYU pragma: export
