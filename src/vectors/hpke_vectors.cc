// HPKE test vectors (RFC 9180 Appendix A, test-vectors.json of the CFRG repository).
// One case per entry: it passes only if every derived key, enc, the shared secret,
// every key-schedule value, every encryption (in sequence order) and every export
// match.
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/crypto/hpke.h"

namespace ztm::vectors {

namespace {

using namespace ztm::crypto;

Result<void> expect_equal(std::string_view what, ByteView got, ByteView want) {
  if (equal(got, want)) return ok();
  return fail(Errc::invalid_encoding,
              std::string(what) + ": got " + to_hex(got) + ", want " + to_hex(want));
}

// derive_and_check derives a key pair from ikm<who> and checks sk<who>m and pk<who>m.
Result<DhPrivateKey> derive_and_check(const Hpke& hpke, const nlohmann::json& c,
                                      const std::string& who) {
  ZTM_TRY_ASSIGN(Bytes ikm, hex_field(c, "ikm" + who));
  ZTM_TRY_ASSIGN(Bytes sk_want, hex_field(c, "sk" + who + "m"));
  ZTM_TRY_ASSIGN(Bytes pk_want, hex_field(c, "pk" + who + "m"));
  ZTM_TRY_ASSIGN(DhPrivateKey key, hpke.derive_key_pair(ikm));
  ZTM_TRY_ASSIGN(SecretBytes sk, key.export_raw());
  ZTM_TRY(expect_equal("sk" + who + "m", sk.expose(), sk_want));
  ZTM_TRY(expect_equal("pk" + who + "m", key.public_key(), pk_want));
  return key;
}

Result<void> run_case(const nlohmann::json& c, const Hpke& hpke, HpkeMode mode) {
  ZTM_TRY_ASSIGN(Bytes info, hex_field(c, "info"));
  ZTM_TRY_ASSIGN(DhPrivateKey skR, derive_and_check(hpke, c, "R"));
  ZTM_TRY_ASSIGN(DhPrivateKey skE, derive_and_check(hpke, c, "E"));
  const bool auth = mode == HpkeMode::auth || mode == HpkeMode::auth_psk;
  const bool psk_mode = mode == HpkeMode::psk || mode == HpkeMode::auth_psk;
  std::optional<DhPrivateKey> skS;
  if (auth) {
    ZTM_TRY_ASSIGN(skS, derive_and_check(hpke, c, "S"));
  }
  Bytes psk, psk_id;
  if (psk_mode) {
    ZTM_TRY_ASSIGN(psk, hex_field(c, "psk"));
    ZTM_TRY_ASSIGN(psk_id, hex_field(c, "psk_id"));
  }

  HpkeSenderOptions sender_options;
  HpkeReceiverOptions receiver_options;
  sender_options.ephemeral = &skE;
  if (auth) {
    sender_options.sender_key = &*skS;
    receiver_options.sender_public_key = skS->public_key();
  }
  if (psk_mode) {
    sender_options.psk = SecretBytes(ByteView(psk));
    sender_options.psk_id = psk_id;
    receiver_options.psk = SecretBytes(ByteView(psk));
    receiver_options.psk_id = psk_id;
  }

  // Encap / Decap.
  ZTM_TRY_ASSIGN(Bytes enc_want, hex_field(c, "enc"));
  ZTM_TRY_ASSIGN(Bytes ss_want, hex_field(c, "shared_secret"));
  ZTM_TRY_ASSIGN(HpkeEncapsulation encapsulation, hpke.encap(skR.public_key(), sender_options));
  ZTM_TRY(expect_equal("enc", encapsulation.enc, enc_want));
  ZTM_TRY(expect_equal("shared_secret (encap)", encapsulation.shared_secret.expose(), ss_want));
  ZTM_TRY_ASSIGN(SecretBytes decapped, hpke.decap(enc_want, skR, receiver_options));
  ZTM_TRY(expect_equal("shared_secret (decap)", decapped.expose(), ss_want));

  // KeySchedule.
  ZTM_TRY_ASSIGN(HpkeKeySchedule ks, hpke.key_schedule(mode, ss_want, info, psk, psk_id));
  ZTM_TRY_ASSIGN(Bytes ksc_want, hex_field(c, "key_schedule_context"));
  ZTM_TRY(expect_equal("key_schedule_context", ks.key_schedule_context, ksc_want));
  ZTM_TRY_ASSIGN(Bytes secret_want, hex_field(c, "secret"));
  ZTM_TRY(expect_equal("secret", ks.secret.expose(), secret_want));
  ZTM_TRY_ASSIGN(Bytes key_want, hex_field(c, "key"));
  ZTM_TRY(expect_equal("key", ks.key.expose(), key_want));
  ZTM_TRY_ASSIGN(Bytes nonce_want, hex_field(c, "base_nonce"));
  ZTM_TRY(expect_equal("base_nonce", ks.base_nonce, nonce_want));
  ZTM_TRY_ASSIGN(Bytes exp_want, hex_field(c, "exporter_secret"));
  ZTM_TRY(expect_equal("exporter_secret", ks.exporter_secret.expose(), exp_want));

  // The full setup, then every encryption in sequence order through both contexts.
  ZTM_TRY_ASSIGN(HpkeSender sender, hpke.setup_sender(skR.public_key(), info, sender_options));
  ZTM_TRY(expect_equal("enc (setup)", sender.enc, enc_want));
  ZTM_TRY_ASSIGN(HpkeContext receiver,
                 hpke.setup_receiver(sender.enc, skR, info, receiver_options));
  std::size_t seq = 0;
  for (const auto& e : c.at("encryptions")) {
    const std::string where = "encryption " + std::to_string(seq++);
    ZTM_TRY_ASSIGN(Bytes aad, hex_field(e, "aad"));
    ZTM_TRY_ASSIGN(Bytes pt, hex_field(e, "pt"));
    ZTM_TRY_ASSIGN(Bytes ct_want, hex_field(e, "ct"));
    ZTM_TRY_ASSIGN(Bytes ct, sender.context.seal(aad, pt));
    ZTM_TRY(expect_equal(where + " ct", ct, ct_want));
    ZTM_TRY_ASSIGN(Bytes opened, receiver.open(aad, ct_want));
    ZTM_TRY(expect_equal(where + " pt", opened, pt));
  }
  if (hpke.suite().aead == AeadId::export_only) {
    // Export-only suites must refuse to encrypt.
    auto sealed = sender.context.seal({}, {});
    if (sealed || sealed.error().code != Errc::unsupported) {
      return fail(Errc::invalid_state, "export-only context did not refuse seal");
    }
  }
  std::size_t index = 0;
  for (const auto& x : c.at("exports")) {
    const std::string where = "export " + std::to_string(index++);
    ZTM_TRY_ASSIGN(Bytes exporter_context, hex_field(x, "exporter_context"));
    ZTM_TRY_ASSIGN(Bytes want, hex_field(x, "exported_value"));
    const auto length = x.at("L").get<std::size_t>();
    ZTM_TRY_ASSIGN(SecretBytes s, sender.context.export_secret(exporter_context, length));
    ZTM_TRY(expect_equal(where + " (sender)", s.expose(), want));
    ZTM_TRY_ASSIGN(SecretBytes r, receiver.export_secret(exporter_context, length));
    ZTM_TRY(expect_equal(where + " (receiver)", r.expose(), want));
  }
  return ok();
}

Runner hpke_runner() {
  return {
      "hpke",
      [](const std::filesystem::path&, const nlohmann::json& doc) {
        return doc.is_array() && !doc.empty() && doc[0].is_object() && doc[0].contains("kem_id");
      },
      [](const nlohmann::json& doc, Report& report) {
        std::size_t index = 0;
        for (const auto& c : doc) {
          const auto mode = c.at("mode").get<int>();
          const auto kem = c.at("kem_id").get<std::uint16_t>();
          const auto kdf = c.at("kdf_id").get<std::uint16_t>();
          const auto aead = c.at("aead_id").get<std::uint16_t>();
          const std::string name = "case " + std::to_string(index++) + " (mode " +
                                   std::to_string(mode) + ", kem " + std::to_string(kem) +
                                   ", kdf " + std::to_string(kdf) + ", aead " +
                                   std::to_string(aead) + ")";
          auto hpke = Hpke::create(
              {static_cast<KemId>(kem), static_cast<HashId>(kdf), static_cast<AeadId>(aead)});
          if (!hpke) {
            report.skip(name, hpke.error().what());
            continue;
          }
          if (mode < 0 || mode > 3) {
            report.check(name, fail(Errc::invalid_encoding, "unknown mode"));
            continue;
          }
          report.check(name, run_case(c, *hpke, static_cast<HpkeMode>(mode)));
        }
      },
  };
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(hpke_runner);

}  // namespace ztm::vectors
