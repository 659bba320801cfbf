// message-protection.json: RFC 9420 §6. One case per cipher suite, passing only if
// every sub-check passes. For each of proposal, commit and application (sender:
// leaf 1 of a 2-member tree built from encryption_secret):
//   - the given PublicMessage (proposal, commit) unprotects with membership_key,
//     verifies with signature_pub and yields the raw value;
//   - protecting the raw value as a PublicMessage round-trips (and is refused for
//     application data);
//   - the given PrivateMessage unprotects, verifies and yields the raw value;
//   - protecting the raw value as a PrivateMessage round-trips.
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/mls/framing.h"
#include "ztm/mls/messages/mls_message.h"

namespace ztm::vectors {

namespace {

using mls::ContentType;

struct Fixture {
  mls::CipherSuite cs;
  mls::GroupContext context;
  Bytes signature_pub;
  crypto::SignaturePrivateKey signature_priv;
  SecretBytes encryption_secret;
  SecretBytes sender_data_secret;
  SecretBytes membership_key;
};

Result<Fixture> make_fixture(const nlohmann::json& c) {
  ZTM_TRY_ASSIGN(auto cs, mls::CipherSuite::create(c.at("cipher_suite").get<std::uint16_t>()));
  mls::GroupContext context;
  context.cipher_suite = cs.id();
  ZTM_TRY_ASSIGN(context.group_id, hex_field(c, "group_id"));
  context.epoch = c.at("epoch").get<std::uint64_t>();
  ZTM_TRY_ASSIGN(context.tree_hash, hex_field(c, "tree_hash"));
  ZTM_TRY_ASSIGN(context.confirmed_transcript_hash, hex_field(c, "confirmed_transcript_hash"));
  ZTM_TRY_ASSIGN(auto pub, hex_field(c, "signature_pub"));
  ZTM_TRY_ASSIGN(auto priv_raw, hex_field(c, "signature_priv"));
  // The suite-5 entry gives its P-521 scalar in 65 bytes (the generator dropped a
  // leading zero); RFC 9420 §5.1 encodes it in the curve's 66. Same integer, so pad.
  if (cs.signature_scheme() == crypto::SignatureScheme::ecdsa_secp521r1_sha512 &&
      priv_raw.size() < 66) {
    priv_raw.insert(priv_raw.begin(), 66 - priv_raw.size(), 0);
  }
  ZTM_TRY_ASSIGN(auto priv, crypto::SignaturePrivateKey::from_raw(cs.signature_scheme(), priv_raw));
  ZTM_TRY_ASSIGN(auto enc, hex_field(c, "encryption_secret"));
  ZTM_TRY_ASSIGN(auto sds, hex_field(c, "sender_data_secret"));
  ZTM_TRY_ASSIGN(auto mk, hex_field(c, "membership_key"));
  return Fixture{cs,
                 std::move(context),
                 std::move(pub),
                 std::move(priv),
                 SecretBytes::from_bytes(std::move(enc)),
                 SecretBytes::from_bytes(std::move(sds)),
                 SecretBytes::from_bytes(std::move(mk))};
}

Result<mls::SecretTree> fresh_tree(const Fixture& f) {
  return mls::SecretTree::create(f.cs, f.encryption_secret, mls::LeafCount{2});
}

// raw_value encodes the content arm as the vector gives it: the Proposal, the
// Commit, or the application bytes themselves.
Bytes raw_value(const mls::FramedContent& content) {
  if (const auto* app = std::get_if<mls::ApplicationData>(&content.content)) return app->data;
  if (const auto* p = std::get_if<mls::Proposal>(&content.content)) return tls::encode(*p);
  return tls::encode(std::get<mls::Commit>(content.content));
}

Result<void> expect_value(const std::string& what, const mls::AuthenticatedContent& content,
                          ContentType type, ByteView raw) {
  if (content.content.content_type() != type) {
    return fail(Errc::protocol_violation, what + ": content type differs");
  }
  if (content.content.sender != mls::Sender::member(1)) {
    return fail(Errc::protocol_violation, what + ": sender is not leaf 1");
  }
  if (!equal(raw_value(content.content), raw)) {
    return fail(Errc::protocol_violation, what + ": content differs from the raw value");
  }
  return ok();
}

Result<mls::FramedContent> framed(const Fixture& f, ContentType type, ByteView raw) {
  mls::FramedContent fc;
  fc.group_id = f.context.group_id;
  fc.epoch = f.context.epoch;
  fc.sender = mls::Sender::member(1);
  switch (type) {
    case ContentType::application:
      fc.content = mls::ApplicationData{to_bytes(raw)};
      break;
    case ContentType::proposal: {
      ZTM_TRY_ASSIGN(auto p, tls::decode<mls::Proposal>(raw));
      fc.content = std::move(p);
      break;
    }
    case ContentType::commit: {
      ZTM_TRY_ASSIGN(auto commit, tls::decode<mls::Commit>(raw));
      fc.content = std::move(commit);
      break;
    }
  }
  return fc;
}

Result<void> check_public(const Fixture& f, const nlohmann::json& c, const std::string& name,
                          ContentType type, ByteView raw) {
  if (type != ContentType::application) {
    ZTM_TRY_ASSIGN(auto wire, hex_field(c, name + "_pub"));
    ZTM_TRY_ASSIGN(auto msg, mls::MLSMessage::decode(wire));
    const auto* pub = std::get_if<mls::PublicMessage>(&msg.value);
    if (pub == nullptr) return fail(Errc::invalid_encoding, name + "_pub is not a PublicMessage");
    ZTM_TRY_ASSIGN(auto content, mls::unprotect_public(f.cs, *pub, f.context, f.membership_key));
    ZTM_TRY_ASSIGN(auto verified,
                   mls::verify_content(f.cs, std::move(content), f.context, f.signature_pub));
    ZTM_TRY(expect_value(name + "_pub", verified.content(), type, raw));
  }

  // Protect as PublicMessage and unprotect again.
  ZTM_TRY_ASSIGN(auto fc, framed(f, type, raw));
  ZTM_TRY_ASSIGN(auto signed_content,
                 mls::sign_content(f.cs, mls::WireFormat::mls_public_message, std::move(fc),
                                   f.context, f.signature_priv));
  if (type == ContentType::commit) {
    signed_content.auth.confirmation_tag = Bytes(f.cs.hash_size(), 0x5c);
  }
  auto pub = mls::protect_public(f.cs, signed_content, f.context, f.membership_key);
  if (type == ContentType::application) {
    if (pub) return fail(Errc::protocol_violation, "application data protected as PublicMessage");
    return ok();
  }
  if (!pub) return tl::unexpected(std::move(pub).error());
  const Bytes wire = mls::MLSMessage{*pub}.encode();
  ZTM_TRY_ASSIGN(auto back, mls::MLSMessage::decode(wire));
  ZTM_TRY_ASSIGN(auto content, mls::unprotect_public(f.cs, std::get<mls::PublicMessage>(back.value),
                                                     f.context, f.membership_key));
  ZTM_TRY_ASSIGN(auto verified,
                 mls::verify_content(f.cs, std::move(content), f.context, f.signature_pub));
  return expect_value(name + " public round trip", verified.content(), type, raw);
}

Result<void> check_private(const Fixture& f, const nlohmann::json& c, const std::string& name,
                           ContentType type, ByteView raw) {
  {
    ZTM_TRY_ASSIGN(auto wire, hex_field(c, name + "_priv"));
    ZTM_TRY_ASSIGN(auto msg, mls::MLSMessage::decode(wire));
    const auto* priv = std::get_if<mls::PrivateMessage>(&msg.value);
    if (priv == nullptr)
      return fail(Errc::invalid_encoding, name + "_priv is not a PrivateMessage");
    ZTM_TRY_ASSIGN(auto tree, fresh_tree(f));
    ZTM_TRY_ASSIGN(auto content,
                   mls::unprotect_private(f.cs, *priv, f.context, tree, f.sender_data_secret));
    ZTM_TRY_ASSIGN(auto verified,
                   mls::verify_content(f.cs, std::move(content), f.context, f.signature_pub));
    ZTM_TRY(expect_value(name + "_priv", verified.content(), type, raw));
  }

  // Protect as PrivateMessage with one tree, unprotect with another.
  ZTM_TRY_ASSIGN(auto fc, framed(f, type, raw));
  ZTM_TRY_ASSIGN(auto signed_content,
                 mls::sign_content(f.cs, mls::WireFormat::mls_private_message, std::move(fc),
                                   f.context, f.signature_priv));
  if (type == ContentType::commit) {
    signed_content.auth.confirmation_tag = Bytes(f.cs.hash_size(), 0x5c);
  }
  ZTM_TRY_ASSIGN(auto sender_tree, fresh_tree(f));
  ZTM_TRY_ASSIGN(auto priv, mls::protect_private(f.cs, signed_content, sender_tree,
                                                 f.sender_data_secret, {32}));
  const Bytes wire = mls::MLSMessage{priv}.encode();
  ZTM_TRY_ASSIGN(auto back, mls::MLSMessage::decode(wire));
  ZTM_TRY_ASSIGN(auto receiver_tree, fresh_tree(f));
  ZTM_TRY_ASSIGN(auto content,
                 mls::unprotect_private(f.cs, std::get<mls::PrivateMessage>(back.value), f.context,
                                        receiver_tree, f.sender_data_secret));
  ZTM_TRY_ASSIGN(auto verified,
                 mls::verify_content(f.cs, std::move(content), f.context, f.signature_pub));
  return expect_value(name + " private round trip", verified.content(), type, raw);
}

Result<void> run_case(const nlohmann::json& c) {
  ZTM_TRY_ASSIGN(auto f, make_fixture(c));
  const std::pair<std::string, ContentType> kinds[] = {{"proposal", ContentType::proposal},
                                                       {"commit", ContentType::commit},
                                                       {"application", ContentType::application}};
  for (const auto& [name, type] : kinds) {
    ZTM_TRY_ASSIGN(auto raw, hex_field(c, name));
    ZTM_TRY(check_public(f, c, name, type, raw));
    ZTM_TRY(check_private(f, c, name, type, raw));
  }
  return ok();
}

Runner mls_message_protection_runner() {
  return per_suite_runner("mls/message-protection", "message-protection.json", &run_case);
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(mls_message_protection_runner);

}  // namespace ztm::vectors
