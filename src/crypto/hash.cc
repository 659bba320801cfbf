// Hash functions over EVP_Digest with the digests fetched once per process.
#include "ztm/crypto/hash.h"

#include "internal/openssl.h"

namespace ztm::crypto {

using internal::evp_md;

std::size_t hash_size(HashId id) {
  switch (id) {
    case HashId::sha256:
      return 32;
    case HashId::sha384:
      return 48;
    case HashId::sha512:
      return 64;
  }
  return 0;
}

Bytes hash(HashId id, ByteView data) {
  Bytes out(hash_size(id));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, evp_md(id), nullptr) != 1 ||
      len != out.size()) {
    internal::fatal("EVP_Digest");
  }
  return out;
}

struct Hasher::Impl {
  HashId id;
  internal::MdCtxPtr ctx;
};

namespace {
void init_digest(EVP_MD_CTX* ctx, HashId id) {
  if (EVP_DigestInit_ex(ctx, evp_md(id), nullptr) != 1) internal::fatal("EVP_DigestInit_ex");
}
}  // namespace

Hasher::Hasher(HashId id) : impl_(std::make_unique<Impl>()) {
  impl_->id = id;
  impl_->ctx.reset(EVP_MD_CTX_new());
  if (!impl_->ctx) internal::fatal("EVP_MD_CTX_new");
  init_digest(impl_->ctx.get(), id);
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(ByteView data) {
  if (data.empty()) return;
  if (EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size()) != 1) {
    internal::fatal("EVP_DigestUpdate");
  }
}

Bytes Hasher::finish() {
  Bytes out(hash_size(impl_->id));
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    internal::fatal("EVP_DigestFinal_ex");
  }
  init_digest(impl_->ctx.get(), impl_->id);
  return out;
}

}  // namespace ztm::crypto
