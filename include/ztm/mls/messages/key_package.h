// KeyPackage (RFC 9420 §10).
#pragma once

#include "ztm/base/bytes.h"
#include "ztm/base/tls_codec.h"
#include "ztm/mls/messages/extension.h"
#include "ztm/mls/messages/leaf_node.h"
#include "ztm/mls/messages/types.h"

namespace ztm::mls {

// struct {
//     ProtocolVersion version;
//     CipherSuite cipher_suite;
//     HPKEPublicKey init_key;
//     LeafNode leaf_node;
//     Extension extensions<V>;
// } KeyPackageTBS;   (RFC 9420 §10)
struct KeyPackageTBS {
  ProtocolVersion version = ProtocolVersion::mls10;
  CipherSuiteId cipher_suite = 0;
  HPKEPublicKey init_key;
  LeafNode leaf_node;
  ExtensionList extensions;
  ZTM_TLS_FIELDS(version, cipher_suite, init_key, leaf_node, extensions)
  bool operator==(const KeyPackageTBS&) const = default;
};

// struct {
//     ProtocolVersion version;
//     CipherSuite cipher_suite;
//     HPKEPublicKey init_key;
//     LeafNode leaf_node;
//     Extension extensions<V>;
//     /* SignWithLabel(., "KeyPackageTBS", KeyPackageTBS) */
//     opaque signature<V>;
// } KeyPackage;   (RFC 9420 §10)
struct KeyPackage {
  ProtocolVersion version = ProtocolVersion::mls10;
  CipherSuiteId cipher_suite = 0;
  HPKEPublicKey init_key;
  LeafNode leaf_node;
  ExtensionList extensions;
  Bytes signature;
  ZTM_TLS_FIELDS(version, cipher_suite, init_key, leaf_node, extensions, signature)

  // to_be_signed encodes the KeyPackageTBS (every field but the signature).
  Bytes to_be_signed() const;
  bool operator==(const KeyPackage&) const = default;
};

}  // namespace ztm::mls
