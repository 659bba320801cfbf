// GroupContext (RFC 9420 §8.1): the summary of the group's state that every key
// derivation and signature of an epoch is bound to.
#pragma once

#include <cstdint>

#include "ztm/base/bytes.h"
#include "ztm/base/tls_codec.h"
#include "ztm/mls/messages/extension.h"
#include "ztm/mls/messages/types.h"

namespace ztm::mls {

// struct {
//     ProtocolVersion version = mls10;
//     CipherSuite cipher_suite;
//     opaque group_id<V>;
//     uint64 epoch;
//     opaque tree_hash<V>;
//     opaque confirmed_transcript_hash<V>;
//     Extension extensions<V>;
// } GroupContext;   (RFC 9420 §8.1)
struct GroupContext {
  ProtocolVersion version = ProtocolVersion::mls10;
  CipherSuiteId cipher_suite = 0;
  Bytes group_id;
  std::uint64_t epoch = 0;
  Bytes tree_hash;
  Bytes confirmed_transcript_hash;
  ExtensionList extensions;
  ZTM_TLS_FIELDS(version, cipher_suite, group_id, epoch, tree_hash, confirmed_transcript_hash,
                 extensions)
  bool operator==(const GroupContext&) const = default;
};

}  // namespace ztm::mls
