// IdentityVerifier: how the meeting engine learns who a group member is. MLS only
// needs a yes/no per credential (mls::CredentialValidator, RFC 9420 §5.3.1); the
// participant list needs the verdict itself (verified with its organization,
// provider-authenticated, expired, ...), so the engine asks for that and derives the
// MLS yes/no from it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ztm/base/bytes.h"
#include "ztm/identity/validator.h"
#include "ztm/mls/messages/credential.h"

namespace ztm::meeting {

// IdentityStatus mirrors identity::CredentialStatus (docs/identity.md).
using IdentityStatus = identity::CredentialStatus;

// MemberIdentity is what the participant list shows for one credential.
struct MemberIdentity {
  IdentityStatus status = IdentityStatus::invalid;
  // display is the identity: an email address, a device domain name, or for basic
  // credentials (tests) the basic identity. Empty when the credential is unreadable.
  std::string display;
  // organization vouches for a verified identity; empty otherwise.
  std::string organization;
  // reason says why the status is not `verified` (for people, never for decisions).
  std::string reason;

  // accepted: the credential may be a group member at all (verified or
  // provider_authenticated). Which of the two a meeting accepts is its policy.
  bool accepted() const {
    return status == IdentityStatus::verified || status == IdentityStatus::provider_authenticated;
  }
  bool operator==(const MemberIdentity&) const = default;
};

// IdentityVerifier judges one credential bound to one signature key. Implementations
// must be deterministic for a given credential and time, and must fail closed
// (anything they cannot read is `invalid`). Called from the engine's thread, and —
// when thread_safe() — from ztm::parallel_for's workers while the engine waits
// (a joiner judges every member of the tree it joins in parallel).
class IdentityVerifier {
 public:
  virtual ~IdentityVerifier() = default;
  virtual MemberIdentity inspect(const mls::Credential& credential,
                                 ByteView signature_key) const = 0;
  // thread_safe says whether inspect may be called concurrently on this object.
  virtual bool thread_safe() const { return false; }
};

// X509IdentityVerifier runs identity::Validator on x509 credentials (every other
// credential type is `invalid`) for one cipher suite's signature scheme, at the time
// the clock says. Results are cached per (credential, signature key) for
// cache_ttl, because every member inspects every joiner and a joiner inspects
// every member: a cached verdict is at most cache_ttl old (an expiry or a CRL
// change is noticed that late). The validator must outlive this object.
// Thread-safe: the cache has a lock, held only to look up and to store (never
// during a validation), and the Validator is thread-safe; the clock must be
// callable from several threads at once, as the default is.
class X509IdentityVerifier final : public IdentityVerifier {
 public:
  using Clock = std::function<identity::TimePoint()>;

  X509IdentityVerifier(
      identity::Validator& validator, crypto::SignatureScheme scheme,
      Clock clock = [] { return std::chrono::system_clock::now(); },
      std::chrono::seconds cache_ttl = std::chrono::seconds(60));
  MemberIdentity inspect(const mls::Credential& credential, ByteView signature_key) const override;
  bool thread_safe() const override { return true; }

 private:
  struct Cached {
    MemberIdentity identity;
    identity::TimePoint at;
  };
  identity::Validator* validator_;
  crypto::SignatureScheme scheme_;
  Clock clock_;
  std::chrono::seconds cache_ttl_;
  mutable std::mutex cache_mutex_;
  mutable std::map<Bytes, Cached> cache_;  // key: signature key || credential encoding
};

// BasicIdentityVerifier is for tests and benchmarks only: a basic credential whose
// identity starts with "verified:" is verified, one starting with "provider:" is
// provider_authenticated, anything else invalid. It authenticates nothing.
class BasicIdentityVerifier final : public IdentityVerifier {
 public:
  MemberIdentity inspect(const mls::Credential& credential, ByteView signature_key) const override;
  // thread_safe: inspect reads only its arguments.
  bool thread_safe() const override { return true; }
};

}  // namespace ztm::meeting
