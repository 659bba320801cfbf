// RFC 9605 Appendix C (sframe/test-vectors.json): header encoding, the AES-CTR +
// HMAC AEAD, and whole-frame SFrame encryption, every case counted.
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/sframe/context.h"
#include "ztm/sframe/header.h"
#include "ztm/sframe/key_derivation.h"
#include "ztm/sframe/known_answer.h"

namespace ztm::vectors {

namespace {

using sframe::CipherSuite;

Result<void> expect_equal(std::string_view what, ByteView got, ByteView want) {
  if (equal(got, want)) return ok();
  return fail(Errc::invalid_encoding,
              std::string(what) + ": got " + to_hex(got) + ", want " + to_hex(want));
}

// header: encode(kid, ctr) == encoded, and decode(encoded) == (kid, ctr) using
// every byte.
Result<void> run_header(const nlohmann::json& c) {
  const auto kid = c.at("kid").get<std::uint64_t>();
  const auto ctr = c.at("ctr").get<std::uint64_t>();
  ZTM_TRY_ASSIGN(const Bytes encoded, hex_field(c, "encoded"));
  Bytes out(sframe::max_header_size);
  ZTM_TRY_ASSIGN(const auto written, (sframe::Header{kid, ctr}.encode(out)));
  ZTM_TRY(expect_equal("encode", written, encoded));
  ZTM_TRY_ASSIGN(const auto decoded, sframe::decode_header(encoded));
  if (decoded.header.kid != kid || decoded.header.ctr != ctr || decoded.size != encoded.size()) {
    return fail(Errc::invalid_encoding, "decode gave kid " + std::to_string(decoded.header.kid) +
                                            " ctr " + std::to_string(decoded.header.ctr) + " in " +
                                            std::to_string(decoded.size) + " bytes");
  }
  return ok();
}

// aes_ctr_hmac: AEAD.Encrypt(key, nonce, aad, pt) == ct and AEAD.Decrypt(...) == pt.
Result<void> run_aes_ctr_hmac(const nlohmann::json& c) {
  const auto suite = static_cast<CipherSuite>(c.at("cipher_suite").get<std::uint16_t>());
  ZTM_TRY_ASSIGN(const Bytes key, hex_field(c, "key"));
  ZTM_TRY_ASSIGN(const Bytes enc_key, hex_field(c, "enc_key"));
  ZTM_TRY_ASSIGN(const Bytes auth_key, hex_field(c, "auth_key"));
  ZTM_TRY_ASSIGN(const Bytes nonce, hex_field(c, "nonce"));
  ZTM_TRY_ASSIGN(const Bytes aad, hex_field(c, "aad"));
  ZTM_TRY_ASSIGN(const Bytes pt, hex_field(c, "pt"));
  ZTM_TRY_ASSIGN(const Bytes ct, hex_field(c, "ct"));
  // derive_subkeys is a split of the key; the vector states both halves.
  ZTM_TRY(expect_equal("key", key, concat({enc_key, auth_key})));
  return sframe::check_aead_known_answer(suite, key, nonce, aad, pt, ct);
}

// The sframe cases' CTR is reached by protecting that many frames first: the
// public API has no way to choose a counter, on purpose.
constexpr std::uint64_t kMaxReachableCtr = 1u << 20;

// sframe: derive_key_salt gives sframe_key and sframe_salt; a SendContext for kid
// produces ct as its frame number ctr; a ReceiveContext turns ct back into pt.
Result<void> run_sframe(const nlohmann::json& c) {
  const auto suite = static_cast<CipherSuite>(c.at("cipher_suite").get<std::uint16_t>());
  const auto kid = c.at("kid").get<std::uint64_t>();
  const auto ctr = c.at("ctr").get<std::uint64_t>();
  ZTM_TRY_ASSIGN(Bytes base_key_bytes, hex_field(c, "base_key"));
  ZTM_TRY_ASSIGN(const Bytes sframe_key, hex_field(c, "sframe_key"));
  ZTM_TRY_ASSIGN(const Bytes sframe_salt, hex_field(c, "sframe_salt"));
  ZTM_TRY_ASSIGN(const Bytes metadata, hex_field(c, "metadata"));
  ZTM_TRY_ASSIGN(const Bytes pt, hex_field(c, "pt"));
  ZTM_TRY_ASSIGN(const Bytes ct, hex_field(c, "ct"));
  const SecretBytes base_key = SecretBytes::from_bytes(std::move(base_key_bytes));

  ZTM_TRY_ASSIGN(const auto derived, sframe::derive_key_salt(suite, kid, base_key));
  ZTM_TRY(expect_equal("sframe_key", derived.key.expose(), sframe_key));
  ZTM_TRY(expect_equal("sframe_salt", derived.salt.expose(), sframe_salt));

  ZTM_TRY_ASSIGN(auto send, sframe::SendContext::create(suite, kid, base_key));
  Bytes frame(pt.size() + sframe::max_overhead);
  for (std::uint64_t i = 0; i < ctr; ++i) ZTM_TRY(send.protect(pt, metadata, frame));
  ZTM_TRY_ASSIGN(const auto sealed, send.protect(pt, metadata, frame));
  ZTM_TRY(expect_equal("encrypt", sealed, ct));

  ZTM_TRY_ASSIGN(auto receive, sframe::ReceiveContext::create(suite));
  ZTM_TRY(receive.add_key(kid, base_key));
  ZTM_TRY_ASSIGN(const Bytes opened, receive.unprotect(ct, metadata));
  return expect_equal("decrypt", opened, pt);
}

Runner sframe_runner() {
  return {
      "sframe",
      [](const std::filesystem::path&, const nlohmann::json& doc) {
        return doc.is_object() && doc.contains("header") && doc.contains("aes_ctr_hmac") &&
               doc.contains("sframe");
      },
      [](const nlohmann::json& doc, Report& report) {
        std::size_t index = 0;
        for (const auto& c : doc.at("header")) {
          report.check("header " + std::to_string(index++), run_header(c));
        }
        index = 0;
        for (const auto& c : doc.at("aes_ctr_hmac")) {
          report.check("aes_ctr_hmac " + std::to_string(index++), run_aes_ctr_hmac(c));
        }
        index = 0;
        for (const auto& c : doc.at("sframe")) {
          const std::string name = "sframe " + std::to_string(index++);
          if (c.at("ctr").get<std::uint64_t>() > kMaxReachableCtr) {
            report.skip(name, "CTR beyond 2^20 frames; the API offers no way to set a counter");
            continue;
          }
          report.check(name, run_sframe(c));
        }
      },
  };
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(sframe_runner);

}  // namespace ztm::vectors
