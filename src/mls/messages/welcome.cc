#include "ztm/mls/messages/welcome.h"

#include "internal/b_codec.h"
#include "ztm/mls/limits.h"

namespace ztm::mls {

Bytes GroupInfo::to_be_signed() const {
  Bytes out;
  tls::Writer w(out);
  tls::write(w, group_context);
  tls::write(w, extensions);
  w.opaque(confirmation_tag);
  w.u32(signer);
  return out;
}

void GroupSecrets::tls_encode(tls::Writer& w) const {
  tls::write(w, joiner_secret);
  tls::write(w, path_secret);
  tls::write(w, psks);
}

Result<void> GroupSecrets::tls_decode(tls::Reader& r) {
  ZTM_TRY(tls::read(r, joiner_secret));
  ZTM_TRY(tls::read(r, path_secret));
  return internal::read_bounded_vector(r, psks, limits::kMaxPsks, "group_secrets.psks");
}

std::size_t GroupSecrets::tls_size() const {
  return tls::size_of(joiner_secret) + tls::size_of(path_secret) + internal::vector_size(psks);
}

const EncryptedGroupSecrets* Welcome::find(ByteView key_package_ref) const {
  for (const auto& s : secrets) {
    if (equal(s.new_member, key_package_ref)) return &s;
  }
  return nullptr;
}

void Welcome::tls_encode(tls::Writer& w) const {
  w.u16(cipher_suite);
  tls::write(w, secrets);
  w.opaque(encrypted_group_info);
}

Result<void> Welcome::tls_decode(tls::Reader& r) {
  ZTM_TRY(tls::read(r, cipher_suite));
  ZTM_TRY(internal::read_bounded_vector(r, secrets, limits::kMaxWelcomeSecrets, "welcome.secrets"));
  return tls::read(r, encrypted_group_info);
}

std::size_t Welcome::tls_size() const {
  return 2 + internal::vector_size(secrets) + internal::opaque_size(encrypted_group_info.size());
}

}  // namespace ztm::mls
