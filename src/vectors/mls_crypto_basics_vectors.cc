// crypto-basics.json: RFC 9420's labeled operations per cipher suite. One case per
// suite, passing only if all six sub-checks pass: RefHash, ExpandWithLabel,
// DeriveSecret, DeriveTreeSecret, SignWithLabel (verify the given signature, then
// sign and verify afresh) and EncryptWithLabel (decrypt the given ciphertext, then
// encrypt and decrypt afresh).
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/mls/cipher_suite.h"

namespace ztm::vectors {

namespace {

Result<void> expect_equal(std::string_view what, ByteView actual, ByteView expected) {
  if (!equal(actual, expected)) {
    return fail(Errc::protocol_violation, std::string(what) + " output differs");
  }
  return ok();
}

Result<void> check_ref_hash(const mls::CipherSuite& cs, const nlohmann::json& v) {
  ZTM_TRY_ASSIGN(auto value, hex_field(v, "value"));
  ZTM_TRY_ASSIGN(auto out, hex_field(v, "out"));
  return expect_equal("ref_hash", cs.ref_hash(v.at("label").get<std::string>(), value), out);
}

Result<void> check_expand_with_label(const mls::CipherSuite& cs, const nlohmann::json& v) {
  ZTM_TRY_ASSIGN(auto secret, hex_field(v, "secret"));
  ZTM_TRY_ASSIGN(auto context, hex_field(v, "context"));
  ZTM_TRY_ASSIGN(auto out, hex_field(v, "out"));
  ZTM_TRY_ASSIGN(auto actual, cs.expand_with_label(secret, v.at("label").get<std::string>(),
                                                   context, v.at("length").get<std::size_t>()));
  return expect_equal("expand_with_label", actual.expose(), out);
}

Result<void> check_derive_secret(const mls::CipherSuite& cs, const nlohmann::json& v) {
  ZTM_TRY_ASSIGN(auto secret, hex_field(v, "secret"));
  ZTM_TRY_ASSIGN(auto out, hex_field(v, "out"));
  ZTM_TRY_ASSIGN(auto actual, cs.derive_secret(secret, v.at("label").get<std::string>()));
  return expect_equal("derive_secret", actual.expose(), out);
}

Result<void> check_derive_tree_secret(const mls::CipherSuite& cs, const nlohmann::json& v) {
  ZTM_TRY_ASSIGN(auto secret, hex_field(v, "secret"));
  ZTM_TRY_ASSIGN(auto out, hex_field(v, "out"));
  ZTM_TRY_ASSIGN(auto actual, cs.derive_tree_secret(secret, v.at("label").get<std::string>(),
                                                    v.at("generation").get<std::uint32_t>(),
                                                    v.at("length").get<std::size_t>()));
  return expect_equal("derive_tree_secret", actual.expose(), out);
}

Result<void> check_sign_with_label(const mls::CipherSuite& cs, const nlohmann::json& v) {
  ZTM_TRY_ASSIGN(auto priv, hex_field(v, "priv"));
  ZTM_TRY_ASSIGN(auto pub, hex_field(v, "pub"));
  ZTM_TRY_ASSIGN(auto content, hex_field(v, "content"));
  ZTM_TRY_ASSIGN(auto signature, hex_field(v, "signature"));
  const auto label = v.at("label").get<std::string>();
  ZTM_TRY(cs.verify_with_label(pub, label, content, signature));
  ZTM_TRY_ASSIGN(auto key, crypto::SignaturePrivateKey::from_raw(cs.signature_scheme(), priv));
  if (!equal(key.public_key(), pub)) {
    return fail(Errc::protocol_violation, "sign_with_label: public key of priv differs from pub");
  }
  ZTM_TRY_ASSIGN(auto fresh, cs.sign_with_label(key, label, content));
  ZTM_TRY(cs.verify_with_label(pub, label, content, fresh));
  return ok();
}

Result<void> check_encrypt_with_label(const mls::CipherSuite& cs, const nlohmann::json& v) {
  ZTM_TRY_ASSIGN(auto priv, hex_field(v, "priv"));
  ZTM_TRY_ASSIGN(auto pub, hex_field(v, "pub"));
  ZTM_TRY_ASSIGN(auto context, hex_field(v, "context"));
  ZTM_TRY_ASSIGN(auto plaintext, hex_field(v, "plaintext"));
  ZTM_TRY_ASSIGN(auto kem_output, hex_field(v, "kem_output"));
  ZTM_TRY_ASSIGN(auto ciphertext, hex_field(v, "ciphertext"));
  const auto label = v.at("label").get<std::string>();
  ZTM_TRY_ASSIGN(auto key, crypto::DhPrivateKey::from_raw(cs.kem_id(), priv));
  ZTM_TRY_ASSIGN(auto opened, cs.decrypt_with_label(key, label, context, kem_output, ciphertext));
  ZTM_TRY(expect_equal("decrypt_with_label", opened, plaintext));
  ZTM_TRY_ASSIGN(auto sealed, cs.encrypt_with_label(pub, label, context, plaintext));
  ZTM_TRY_ASSIGN(auto again, cs.decrypt_with_label(key, label, context, sealed));
  return expect_equal("encrypt_with_label round trip", again, plaintext);
}

// named prefixes a sub-check's failure with its name.
Result<void> named(std::string_view name, Result<void> r) {
  if (!r) return fail(r.error().code, std::string(name) + ": " + r.error().message);
  return ok();
}

Result<void> run_case(const nlohmann::json& c) {
  ZTM_TRY_ASSIGN(auto cs, mls::CipherSuite::create(c.at("cipher_suite").get<std::uint16_t>()));
  ZTM_TRY(named("RefHash", check_ref_hash(cs, c.at("ref_hash"))));
  ZTM_TRY(named("ExpandWithLabel", check_expand_with_label(cs, c.at("expand_with_label"))));
  ZTM_TRY(named("DeriveSecret", check_derive_secret(cs, c.at("derive_secret"))));
  ZTM_TRY(named("DeriveTreeSecret", check_derive_tree_secret(cs, c.at("derive_tree_secret"))));
  ZTM_TRY(named("SignWithLabel", check_sign_with_label(cs, c.at("sign_with_label"))));
  ZTM_TRY(named("EncryptWithLabel", check_encrypt_with_label(cs, c.at("encrypt_with_label"))));
  return ok();
}

Runner mls_crypto_basics_runner() {
  return per_suite_runner("mls/crypto-basics", "crypto-basics.json", &run_case);
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(mls_crypto_basics_runner);

}  // namespace ztm::vectors
