// HPKE (RFC 9180): DHKEM over five curves, HKDF-SHA256/384/512, AES-GCM and
// ChaCha20-Poly1305 (or export-only), modes base, psk, auth and auth_psk.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/crypto/aead.h"
#include "ztm/crypto/hash.h"
#include "ztm/crypto/kem.h"

namespace ztm::crypto {

enum class HpkeMode : std::uint8_t { base = 0, psk = 1, auth = 2, auth_psk = 3 };

struct HpkeSuite {
  KemId kem;
  HashId kdf;
  AeadId aead;
};

// HpkeContext is an encryption context after setup (RFC 9180 §5.2). It owns the
// sequence number: seal/open use and advance it, so a nonce never repeats; when it
// would overflow, they fail with counter_exhausted.
class HpkeContext {
 public:
  ~HpkeContext();
  HpkeContext(HpkeContext&&) noexcept;
  HpkeContext& operator=(HpkeContext&&) noexcept;

  Result<Bytes> seal(ByteView aad, ByteView plaintext);
  Result<Bytes> open(ByteView aad, ByteView ciphertext);
  // export_secret is Context.Export(exporter_context, length) (§5.3).
  Result<SecretBytes> export_secret(ByteView exporter_context, std::size_t length) const;

 private:
  friend class Hpke;
  HpkeContext() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// HpkeSender is what SetupS returns: the encapsulated key and the context.
struct HpkeSender {
  Bytes enc;
  HpkeContext context;
};

// HpkeOptions selects the mode: a psk (with its id) and/or the sender's key for
// auth modes. Empty options mean base mode.
struct HpkeSenderOptions {
  std::optional<SecretBytes> psk;
  Bytes psk_id;
  const DhPrivateKey* sender_key = nullptr;  // auth modes; not owned
  // ephemeral fixes the ephemeral key (test vectors only; normally generated).
  const DhPrivateKey* ephemeral = nullptr;
};
struct HpkeReceiverOptions {
  std::optional<SecretBytes> psk;
  Bytes psk_id;
  std::optional<Bytes> sender_public_key;  // auth modes
};

// HpkeEncapsulation is what Encap/AuthEncap return (RFC 9180 §4.1).
struct HpkeEncapsulation {
  SecretBytes shared_secret;
  Bytes enc;
};

// HpkeKeySchedule holds the values KeySchedule derives (§5.1). setup_* consume them;
// key_schedule() returns them so the official test vectors can check each step.
struct HpkeKeySchedule {
  HpkeMode mode = HpkeMode::base;
  Bytes key_schedule_context;
  SecretBytes secret;
  SecretBytes key;
  Bytes base_nonce;
  SecretBytes exporter_secret;
};

class Hpke {
 public:
  // create fails with unsupported for a combination ztmeet does not offer.
  static Result<Hpke> create(HpkeSuite suite);

  const HpkeSuite& suite() const { return suite_; }

  Result<HpkeSender> setup_sender(ByteView recipient_public_key, ByteView info,
                                  const HpkeSenderOptions& options = {}) const;
  Result<HpkeContext> setup_receiver(ByteView enc, const DhPrivateKey& recipient_key, ByteView info,
                                     const HpkeReceiverOptions& options = {}) const;

  // Single-shot APIs (§6.1).
  struct Sealed {
    Bytes enc;
    Bytes ciphertext;
  };
  Result<Sealed> seal(ByteView recipient_public_key, ByteView info, ByteView aad,
                      ByteView plaintext, const HpkeSenderOptions& options = {}) const;
  Result<Bytes> open(ByteView enc, const DhPrivateKey& recipient_key, ByteView info, ByteView aad,
                     ByteView ciphertext, const HpkeReceiverOptions& options = {}) const;

  // encap is Encap(pkR), or AuthEncap(pkR, skS) when options.sender_key is set
  // (§4.1); options.ephemeral fixes the ephemeral key (test vectors only).
  Result<HpkeEncapsulation> encap(ByteView recipient_public_key,
                                  const HpkeSenderOptions& options = {}) const;
  // decap is Decap(enc, skR), or AuthDecap(enc, skR, pkS) when
  // options.sender_public_key is set (§4.1).
  Result<SecretBytes> decap(ByteView enc, const DhPrivateKey& recipient_key,
                            const HpkeReceiverOptions& options = {}) const;
  // key_schedule is KeySchedule(mode, shared_secret, info, psk, psk_id) (§5.1),
  // including VerifyPSKInputs: a psk without psk_id (or the reverse) or a psk in
  // a mode that takes none is invalid_argument.
  Result<HpkeKeySchedule> key_schedule(HpkeMode mode, ByteView shared_secret, ByteView info,
                                       ByteView psk, ByteView psk_id) const;

  // derive_key_pair is DeriveKeyPair(ikm) (§7.1.3).
  Result<DhPrivateKey> derive_key_pair(ByteView ikm) const;

 private:
  explicit Hpke(HpkeSuite suite);
  // The single-shot APIs never export, so they run these with with_exporter =
  // false, which skips deriving exporter_secret (one LabeledExpand per message).
  Result<HpkeKeySchedule> key_schedule(HpkeMode mode, ByteView shared_secret, ByteView info,
                                       ByteView psk, ByteView psk_id, bool with_exporter) const;
  Result<HpkeSender> setup_sender(ByteView recipient_public_key, ByteView info,
                                  const HpkeSenderOptions& options, bool with_exporter) const;
  Result<HpkeContext> setup_receiver(ByteView enc, const DhPrivateKey& recipient_key, ByteView info,
                                     const HpkeReceiverOptions& options, bool with_exporter) const;
  // make_context keys a context from the key schedule's output.
  Result<HpkeContext> make_context(HpkeKeySchedule&& ks, bool is_sender) const;
  ByteView suite_id() const { return ByteView(suite_id_); }

  HpkeSuite suite_;
  // suite_id_ is hpke_suite_id(suite_); empty_psk_id_hash_ is
  // LabeledExtract("", "psk_id_hash", "") (§5.1), the same for every message in the
  // modes without a PSK. Both are computed once, in create().
  std::array<std::uint8_t, 10> suite_id_{};
  std::array<std::uint8_t, 64> empty_psk_id_hash_{};
  std::uint8_t empty_psk_id_hash_size_ = 0;
};

}  // namespace ztm::crypto
