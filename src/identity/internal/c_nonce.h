// c_nonce: the ACME server's anti-replay nonces (RFC 8555 §6.5): 128-bit random
// base64url values, each accepted once. Thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_set>

namespace ztm::identity::internal {

// kMaxOutstandingNonces bounds memory: past it, the oldest unused nonce is
// forgotten (a client holding it gets badNonce and retries with a fresh one).
inline constexpr std::size_t kMaxOutstandingNonces = 10'000;

class NonceStore {
 public:
  // issue returns a fresh nonce and remembers it.
  std::string issue();
  // consume accepts a nonce exactly once: false when unknown or already used.
  bool consume(const std::string& nonce);

 private:
  std::mutex mutex_;
  std::unordered_set<std::string> outstanding_;
  std::deque<std::string> order_;
};

}  // namespace ztm::identity::internal
