#include "ztm/mls/cipher_suite.h"

#include <string>

#include "ztm/crypto/hash.h"

namespace ztm::mls {

namespace {

constexpr std::string_view kMlsLabelPrefix = "MLS 1.0 ";

// write_mls_label writes opaque label<V> = "MLS 1.0 " + label without building the
// concatenated string first.
void write_mls_label(tls::Writer& w, std::string_view label) {
  w.varint(kMlsLabelPrefix.size() + label.size());
  w.raw(as_bytes(kMlsLabelPrefix));
  w.raw(as_bytes(label));
}

// labeled_pair encodes struct { opaque label<V> = "MLS 1.0 " + label; opaque x<V>; },
// the shape of SignContent and EncryptContext.
Bytes labeled_pair(std::string_view label, ByteView value) {
  Bytes out;
  out.reserve(8 + kMlsLabelPrefix.size() + label.size() + value.size());
  tls::Writer w(out);
  write_mls_label(w, label);
  w.opaque(value);
  return out;
}

}  // namespace

Bytes mls_label(std::string_view label) {
  Bytes out;
  out.reserve(kMlsLabelPrefix.size() + label.size());
  append(out, as_bytes(kMlsLabelPrefix));
  append(out, as_bytes(label));
  return out;
}

CipherSuite::CipherSuite(const crypto::MlsCipherSuite* suite, crypto::Hpke hpke)
    : suite_(suite),
      hpke_(hpke),
      nh_(crypto::hash_size(suite->hash)),
      nk_(crypto::aead_key_size(suite->aead)),
      nn_(crypto::aead_nonce_size(suite->aead)) {}

Result<CipherSuite> CipherSuite::create(std::uint16_t id) {
  auto suite = crypto::mls_cipher_suite(id);
  if (!suite) {
    return fail(Errc::unsupported, "cipher_suite.unknown: MLS cipher suite " + std::to_string(id) +
                                       " is not supported");
  }
  ZTM_TRY_ASSIGN(auto hpke, crypto::Hpke::create((*suite)->hpke()));
  return CipherSuite(*suite, hpke);
}

Bytes CipherSuite::hash(ByteView data) const {
  return crypto::hash(suite_->hash, data);
}

Bytes CipherSuite::mac(ByteView key, ByteView data) const {
  return crypto::hmac(suite_->hash, key, data);
}

Result<void> CipherSuite::verify_mac(ByteView key, ByteView data, ByteView tag,
                                     std::string_view rule) const {
  const Bytes expected = mac(key, data);
  if (!constant_time_equal(expected, tag)) {
    return fail(Errc::authentication_failed, std::string(rule) + ": MAC does not verify");
  }
  return ok();
}

SecretBytes CipherSuite::extract(ByteView salt, ByteView ikm) const {
  return crypto::hkdf_extract(suite_->hash, salt, ikm);
}

Result<SecretBytes> CipherSuite::expand(ByteView secret, ByteView info, std::size_t length) const {
  return crypto::hkdf_expand(suite_->hash, secret, info, length);
}

Result<SecretBytes> CipherSuite::expand_with_label(ByteView secret, std::string_view label,
                                                   ByteView context, std::size_t length) const {
  if (length > 0xffff) {
    return fail(Errc::invalid_argument, "expand_with_label: length does not fit uint16");
  }
  Bytes info;
  info.reserve(2 + 4 + kMlsLabelPrefix.size() + label.size() + 4 + context.size());
  tls::Writer w(info);
  w.u16(static_cast<std::uint16_t>(length));
  write_mls_label(w, label);
  w.opaque(context);
  return expand(secret, info, length);
}

Result<SecretBytes> CipherSuite::derive_secret(ByteView secret, std::string_view label) const {
  return expand_with_label(secret, label, {}, nh_);
}

Result<SecretBytes> CipherSuite::derive_tree_secret(ByteView secret, std::string_view label,
                                                    std::uint32_t generation,
                                                    std::size_t length) const {
  const std::uint8_t context[4] = {
      static_cast<std::uint8_t>(generation >> 24), static_cast<std::uint8_t>(generation >> 16),
      static_cast<std::uint8_t>(generation >> 8), static_cast<std::uint8_t>(generation)};
  return expand_with_label(secret, label, context, length);
}

Bytes CipherSuite::ref_hash(std::string_view label, ByteView value) const {
  Bytes input;
  input.reserve(8 + label.size() + value.size());
  tls::Writer w(input);
  w.opaque(as_bytes(label));
  w.opaque(value);
  return hash(input);
}

Bytes CipherSuite::make_key_package_ref(ByteView key_package) const {
  return ref_hash("MLS 1.0 KeyPackage Reference", key_package);
}

Bytes CipherSuite::make_proposal_ref(ByteView authenticated_content) const {
  return ref_hash("MLS 1.0 Proposal Reference", authenticated_content);
}

Result<Bytes> CipherSuite::sign_with_label(const crypto::SignaturePrivateKey& key,
                                           std::string_view label, ByteView content) const {
  if (key.scheme() != suite_->signature) {
    return fail(Errc::invalid_key,
                "sign_with_label: signature key scheme does not match the cipher suite");
  }
  return key.sign(labeled_pair(label, content));
}

Result<void> CipherSuite::verify_with_label(ByteView public_key, std::string_view label,
                                            ByteView content, ByteView signature) const {
  auto verified =
      crypto::verify(suite_->signature, public_key, labeled_pair(label, content), signature);
  if (!verified) {
    return fail(verified.error().code,
                "verify_with_label(" + std::string(label) + "): " + verified.error().message);
  }
  return ok();
}

Result<HPKECiphertext> CipherSuite::encrypt_with_label(ByteView public_key, std::string_view label,
                                                       ByteView context, ByteView plaintext) const {
  ZTM_TRY_ASSIGN(auto sealed, hpke_.seal(public_key, labeled_pair(label, context), {}, plaintext));
  return HPKECiphertext{std::move(sealed.enc), std::move(sealed.ciphertext)};
}

Result<Bytes> CipherSuite::decrypt_with_label(const crypto::DhPrivateKey& private_key,
                                              std::string_view label, ByteView context,
                                              ByteView kem_output, ByteView ciphertext) const {
  auto opened = hpke_.open(kem_output, private_key, labeled_pair(label, context), {}, ciphertext);
  if (!opened) {
    return fail(opened.error().code,
                "decrypt_with_label(" + std::string(label) + "): " + opened.error().message);
  }
  return opened;
}

Result<crypto::DhPrivateKey> CipherSuite::derive_key_pair(ByteView ikm) const {
  return hpke_.derive_key_pair(ikm);
}

}  // namespace ztm::mls
