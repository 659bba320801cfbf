// The epoch key schedule (RFC 9420 §8): from the previous epoch's init_secret, the
// commit_secret, the PSKs and the new GroupContext to every secret of the epoch.
//
//                   init_secret_[n-1]
//                         |
//   commit_secret --> KDF.Extract
//                         |
//                 ExpandWithLabel(., "joiner", GroupContext_[n], KDF.Nh)
//                         |
//                    joiner_secret
//                         |
//   psk_secret (or 0) --> KDF.Extract --> DeriveSecret(., "welcome") = welcome_secret
//                         |
//                 ExpandWithLabel(., "epoch", GroupContext_[n], KDF.Nh)
//                         |
//                    epoch_secret --> DeriveSecret(., <label>) = <secret>
//                         |
//                 DeriveSecret(., "init") = init_secret_[n]
//
// GroupContexts come in encoded (the wire struct is the ratchet tree's side of the
// layer); the key schedule only ever hashes and labels those bytes.
#pragma once

#include <cstddef>
#include <string_view>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/crypto/kem.h"
#include "ztm/mls/cipher_suite.h"

namespace ztm::mls {

// EpochSecrets holds one epoch's secrets (§8, table "Epoch-Derived Secrets"). It
// owns them and wipes them when destroyed; epoch_secret itself is not kept once
// everything is derived from it. joiner_secret and welcome_secret are kept because
// the committer needs them to build the Welcome for this epoch.
struct EpochSecrets {
  CipherSuite suite;
  SecretBytes joiner_secret;
  SecretBytes welcome_secret;
  SecretBytes sender_data_secret;   // "sender data"
  SecretBytes encryption_secret;    // "encryption": the root of the secret tree
  SecretBytes exporter_secret;      // "exporter"
  SecretBytes external_secret;      // "external"
  SecretBytes confirmation_key;     // "confirm"
  SecretBytes membership_key;       // "membership"
  SecretBytes resumption_psk;       // "resumption"
  SecretBytes epoch_authenticator;  // "authentication"
  SecretBytes init_secret;          // "init": feeds the next epoch

  // exporter is MLS-Exporter(label, context, length) of this epoch (§8.5).
  Result<SecretBytes> exporter(std::string_view label, ByteView context, std::size_t length) const;
  // external_key_pair is KEM.DeriveKeyPair(external_secret); its public half is the
  // external_pub published in GroupInfo.
  Result<crypto::DhPrivateKey> external_key_pair() const;
};

// derive_epoch_secrets runs the whole schedule for a member processing a Commit (or
// creating the group). An empty commit_secret or psk_secret means "0", the all-zero
// Nh-byte string (§8: no path / no PSKs); otherwise each must be Nh bytes, and
// init_secret must be Nh bytes (invalid_argument).
Result<EpochSecrets> derive_epoch_secrets(const CipherSuite& suite, ByteView init_secret,
                                          ByteView commit_secret, ByteView psk_secret,
                                          ByteView group_context);

// derive_epoch_secrets_from_joiner runs the schedule from joiner_secret on, for a
// new member who got it in a Welcome's GroupSecrets.
Result<EpochSecrets> derive_epoch_secrets_from_joiner(const CipherSuite& suite,
                                                      const SecretBytes& joiner_secret,
                                                      ByteView psk_secret, ByteView group_context);

// derive_welcome_secret is DeriveSecret(KDF.Extract(joiner_secret, psk_secret),
// "welcome"): what a joiner needs before it can read the GroupInfo.
Result<SecretBytes> derive_welcome_secret(const CipherSuite& suite,
                                          const SecretBytes& joiner_secret, ByteView psk_secret);

// WelcomeKey is the AEAD key and nonce that protect a Welcome's GroupInfo (§12.4.3.1):
//   welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn)
//   welcome_key   = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk)
struct WelcomeKey {
  SecretBytes key;
  SecretBytes nonce;
};
Result<WelcomeKey> derive_welcome_key(const CipherSuite& suite, const SecretBytes& welcome_secret);

// ExternalInitSecret is what a joiner by external Commit makes (§8.3): the kem_output for
// its ExternalInit proposal and the init_secret it injects.
struct ExternalInitSecret {
  Bytes kem_output;
  SecretBytes init_secret;
};

// make_external_init runs SetupBaseS(external_pub, "") and exports
// "MLS 1.0 external init secret" (Nh bytes).
Result<ExternalInitSecret> make_external_init(const CipherSuite& suite, ByteView external_pub);

// receive_external_init is the members' side: SetupBaseR(kem_output, external_priv,
// "") and the same export. A bad kem_output is invalid_key or crypto_failure.
Result<SecretBytes> receive_external_init(const CipherSuite& suite,
                                          const crypto::DhPrivateKey& external_priv,
                                          ByteView kem_output);

}  // namespace ztm::mls
