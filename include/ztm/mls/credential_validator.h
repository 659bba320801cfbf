// CredentialValidator: the Authentication Service hook of RFC 9420 §5.3.1. MLS calls
// it whenever a credential enters the group (a KeyPackage to add, every leaf of a
// tree being joined, an Update or a Commit's new leaf); the application decides
// whether the credential's identities legitimately belong to the leaf's signature
// key. The identity layer implements it for X.509 chains.
#pragma once

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/mls/messages/credential.h"

namespace ztm::mls {

class CredentialValidator {
 public:
  virtual ~CredentialValidator() = default;
  // validate accepts the credential for a leaf whose signature key is
  // signature_key, or says why not (untrusted, expired, revoked, unsupported...).
  // It is called once per credential entering the group; it must not assume any
  // order between calls.
  virtual Result<void> validate(const Credential& credential, ByteView signature_key) const = 0;
  // thread_safe says whether validate() may be called concurrently from several
  // threads (on one validator object). When true, a joiner validates its tree's
  // leaves, and a commit the KeyPackages of its Adds, in parallel, credentials
  // included; when false (the default, safe for any implementation), only the
  // signatures are checked in parallel and validate() is called on the calling
  // thread, in leaf (or proposal) order. Either way the error reported is the one of
  // the first failing leaf (or Add) in that order.
  virtual bool thread_safe() const { return false; }
};

// BasicCredentialValidator accepts every basic credential (any identity, any key)
// and refuses other types with unsupported. For tests and test vectors only: it
// authenticates nothing.
class BasicCredentialValidator final : public CredentialValidator {
 public:
  Result<void> validate(const Credential& credential, ByteView signature_key) const override;
  // thread_safe: validate() reads only its arguments.
  bool thread_safe() const override { return true; }
};

}  // namespace ztm::mls
