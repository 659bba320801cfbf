// CipherSuite: one MLS cipher suite (RFC 9420 §5.1, §17.1) with the labeled
// operations the protocol builds on: ExpandWithLabel, DeriveSecret, DeriveTreeSecret
// (§8), RefHash (§5.2), SignWithLabel/VerifyWithLabel (§5.1.2) and
// EncryptWithLabel/DecryptWithLabel (§5.1.3).
//
// Secrets come in as SecretBytes (or, where a caller already holds a view of one, as
// a ByteView) and derived secrets go out as SecretBytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/base/tls_codec.h"
#include "ztm/crypto/cipher_suite.h"
#include "ztm/crypto/hpke.h"
#include "ztm/crypto/kem.h"
#include "ztm/crypto/signature.h"

namespace ztm::mls {

// struct {
//     opaque kem_output<V>;
//     opaque ciphertext<V>;
// } HPKECiphertext;                                        (RFC 9420 §7.6)
struct HPKECiphertext {
  Bytes kem_output;
  Bytes ciphertext;
  ZTM_TLS_FIELDS(kem_output, ciphertext)
  friend bool operator==(const HPKECiphertext&, const HPKECiphertext&) = default;
};

// CipherSuite is a value (cheap to copy: a pointer to the static suite table and
// the HPKE parameters). Every operation is const and thread-compatible.
class CipherSuite {
 public:
  // create looks up a suite by its IANA value (1..7); anything else is unsupported.
  static Result<CipherSuite> create(std::uint16_t id);

  std::uint16_t id() const { return suite_->id; }
  std::string_view name() const { return suite_->name; }
  const crypto::MlsCipherSuite& info() const { return *suite_; }
  crypto::HashId hash_id() const { return suite_->hash; }
  crypto::AeadId aead_id() const { return suite_->aead; }
  crypto::KemId kem_id() const { return suite_->kem; }
  crypto::SignatureScheme signature_scheme() const { return suite_->signature; }
  const crypto::Hpke& hpke() const { return hpke_; }

  // Nh: the hash (and KDF extract) output size; Nk, Nn: the AEAD key and nonce sizes.
  std::size_t hash_size() const { return nh_; }
  std::size_t key_size() const { return nk_; }
  std::size_t nonce_size() const { return nn_; }

  // hash is Hash(data) of the suite.
  Bytes hash(ByteView data) const;
  // mac is MAC(key, data): HMAC with the suite's hash (§5.1).
  Bytes mac(ByteView key, ByteView data) const;
  // verify_mac recomputes MAC(key, data) and compares it with tag in constant time;
  // a mismatch is authentication_failed naming rule.
  Result<void> verify_mac(ByteView key, ByteView data, ByteView tag, std::string_view rule) const;
  // extract is KDF.Extract(salt, ikm).
  SecretBytes extract(ByteView salt, ByteView ikm) const;
  // expand is KDF.Expand(secret, info, length); length is at most 255 * Nh.
  Result<SecretBytes> expand(ByteView secret, ByteView info, std::size_t length) const;

  // struct {
  //     uint16 length;
  //     opaque label<V> = "MLS 1.0 " + Label;
  //     opaque context<V>;
  // } KDFLabel;                                            (§8)
  // expand_with_label is ExpandWithLabel(secret, label, context, length).
  Result<SecretBytes> expand_with_label(ByteView secret, std::string_view label, ByteView context,
                                        std::size_t length) const;
  Result<SecretBytes> expand_with_label(const SecretBytes& secret, std::string_view label,
                                        ByteView context, std::size_t length) const {
    return expand_with_label(secret.expose(), label, context, length);
  }
  // derive_secret is DeriveSecret(secret, label) = ExpandWithLabel(secret, label, "", Nh).
  Result<SecretBytes> derive_secret(ByteView secret, std::string_view label) const;
  Result<SecretBytes> derive_secret(const SecretBytes& secret, std::string_view label) const {
    return derive_secret(secret.expose(), label);
  }
  // derive_tree_secret is DeriveTreeSecret(secret, label, generation, length) =
  // ExpandWithLabel(secret, label, uint32 generation, length) (§9).
  Result<SecretBytes> derive_tree_secret(ByteView secret, std::string_view label,
                                         std::uint32_t generation, std::size_t length) const;
  Result<SecretBytes> derive_tree_secret(const SecretBytes& secret, std::string_view label,
                                         std::uint32_t generation, std::size_t length) const {
    return derive_tree_secret(secret.expose(), label, generation, length);
  }

  // struct { opaque label<V>; opaque value<V>; } RefHashInput;   (§5.2)
  // ref_hash is RefHash(label, value) = Hash(RefHashInput); the label is used as given.
  Bytes ref_hash(std::string_view label, ByteView value) const;
  // make_key_package_ref is RefHash("MLS 1.0 KeyPackage Reference", encoded KeyPackage).
  Bytes make_key_package_ref(ByteView key_package) const;
  // make_proposal_ref is RefHash("MLS 1.0 Proposal Reference", encoded
  // AuthenticatedContent carrying the proposal).
  Bytes make_proposal_ref(ByteView authenticated_content) const;

  // struct { opaque label<V> = "MLS 1.0 " + Label; opaque content<V>; } SignContent;
  // sign_with_label is SignWithLabel(key, label, content) (§5.1.2). The key's scheme
  // must be the suite's (else invalid_key).
  Result<Bytes> sign_with_label(const crypto::SignaturePrivateKey& key, std::string_view label,
                                ByteView content) const;
  // verify_with_label is VerifyWithLabel; a bad signature is authentication_failed.
  Result<void> verify_with_label(ByteView public_key, std::string_view label, ByteView content,
                                 ByteView signature) const;

  // struct { opaque label<V> = "MLS 1.0 " + Label; opaque context<V>; } EncryptContext;
  // encrypt_with_label is EncryptWithLabel: HPKE SealBase(public_key, EncryptContext,
  // "", plaintext) (§5.1.3).
  Result<HPKECiphertext> encrypt_with_label(ByteView public_key, std::string_view label,
                                            ByteView context, ByteView plaintext) const;
  // decrypt_with_label is DecryptWithLabel; a wrong key, label or context, or a
  // tampered ciphertext, is authentication_failed.
  Result<Bytes> decrypt_with_label(const crypto::DhPrivateKey& private_key, std::string_view label,
                                   ByteView context, ByteView kem_output,
                                   ByteView ciphertext) const;
  Result<Bytes> decrypt_with_label(const crypto::DhPrivateKey& private_key, std::string_view label,
                                   ByteView context, const HPKECiphertext& ct) const {
    return decrypt_with_label(private_key, label, context, ct.kem_output, ct.ciphertext);
  }

  // derive_key_pair is the KEM's DeriveKeyPair(ikm) (RFC 9180 §7.1.3), used for
  // node keys (§7.4) and external_pub (§8).
  Result<crypto::DhPrivateKey> derive_key_pair(ByteView ikm) const;
  Result<crypto::DhPrivateKey> derive_key_pair(const SecretBytes& ikm) const {
    return derive_key_pair(ikm.expose());
  }

  friend bool operator==(const CipherSuite& a, const CipherSuite& b) { return a.id() == b.id(); }

 private:
  CipherSuite(const crypto::MlsCipherSuite* suite, crypto::Hpke hpke);

  const crypto::MlsCipherSuite* suite_;
  crypto::Hpke hpke_;
  std::size_t nh_;
  std::size_t nk_;
  std::size_t nn_;
};

// mls_label is "MLS 1.0 " + label, the prefix every labeled operation adds.
Bytes mls_label(std::string_view label);

}  // namespace ztm::mls
