#include "internal/c_nonce.h"

#include "ztm/crypto/random.h"
#include "ztm/identity/jws.h"

namespace ztm::identity::internal {

std::string NonceStore::issue() {
  std::string nonce = base64url_encode(crypto::random_bytes(16));
  std::lock_guard lock(mutex_);
  outstanding_.insert(nonce);
  order_.push_back(nonce);
  while (order_.size() > kMaxOutstandingNonces) {
    outstanding_.erase(order_.front());
    order_.pop_front();
  }
  return nonce;
}

bool NonceStore::consume(const std::string& nonce) {
  std::lock_guard lock(mutex_);
  // The deque keeps a stale copy until it ages out; erasing from the set is what
  // makes the nonce single-use.
  return outstanding_.erase(nonce) == 1;
}

}  // namespace ztm::identity::internal
