// Framing: PublicMessage and PrivateMessage protection round trips and everything a
// hostile service or member can try: tampering, wrong keys, replays, far-future
// generations, wrong group or epoch, missing tags. Known answers are
// message-protection.json (src/vectors).
#include "ztm/mls/framing.h"

#include <gtest/gtest.h>

#include "ztm/crypto/aead.h"
#include "ztm/mls/messages/mls_message.h"

namespace ztm::mls {
namespace {

struct Group {
  CipherSuite cs = CipherSuite::create(1).value();
  GroupContext context;
  crypto::SignaturePrivateKey key =
      crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed25519).value();
  SecretBytes membership_key{Bytes(32, 0x11)};
  SecretBytes sender_data_secret{Bytes(32, 0x22)};
  SecretBytes encryption_secret{Bytes(32, 0x33)};

  Group() {
    context.cipher_suite = 1;
    context.group_id = Bytes{'g', 'r', 'p'};
    context.epoch = 7;
    context.tree_hash = Bytes(32, 1);
    context.confirmed_transcript_hash = Bytes(32, 2);
  }

  SecretTree tree() const {
    return SecretTree::create(cs, encryption_secret, LeafCount{4}).value();
  }

  FramedContent content(std::variant<ApplicationData, Proposal, Commit> body,
                        Sender sender = Sender::member(2)) const {
    FramedContent fc;
    fc.group_id = context.group_id;
    fc.epoch = context.epoch;
    fc.sender = sender;
    fc.authenticated_data = Bytes{0xad};
    fc.content = std::move(body);
    return fc;
  }

  AuthenticatedContent sign(WireFormat wf, FramedContent fc) const {
    return sign_content(cs, wf, std::move(fc), context, key).value();
  }
};

Proposal remove_proposal() {
  return Proposal{Remove{3}};
}

TEST(PublicMessage, RoundTripAndVerify) {
  Group g;
  auto ac = g.sign(WireFormat::mls_public_message, g.content(remove_proposal()));
  auto pub = protect_public(g.cs, ac, g.context, g.membership_key);
  ASSERT_TRUE(pub);
  ASSERT_TRUE(pub->membership_tag);
  auto back = unprotect_public(g.cs, *pub, g.context, g.membership_key);
  ASSERT_TRUE(back);
  auto verified = verify_content(g.cs, *back, g.context, g.key.public_key());
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->content(), ac);
}

TEST(PublicMessage, MembershipTagFailures) {
  Group g;
  auto ac = g.sign(WireFormat::mls_public_message, g.content(remove_proposal()));
  auto pub = protect_public(g.cs, ac, g.context, g.membership_key).value();

  auto wrong_key = unprotect_public(g.cs, pub, g.context, SecretBytes(Bytes(32, 0x12)));
  ASSERT_FALSE(wrong_key);
  EXPECT_EQ(wrong_key.error().code, Errc::authentication_failed);
  EXPECT_NE(wrong_key.error().message.find("membership_tag_invalid"), std::string::npos);

  auto tampered = pub;
  tampered.content.authenticated_data = Bytes{0xae};
  EXPECT_EQ(unprotect_public(g.cs, tampered, g.context, g.membership_key).error().code,
            Errc::authentication_failed);

  auto missing = pub;
  missing.membership_tag.reset();
  EXPECT_EQ(unprotect_public(g.cs, missing, g.context, g.membership_key).error().code,
            Errc::protocol_violation);

  // The tag covers the GroupContext: another tree hash means another tag.
  auto other_context = g.context;
  other_context.tree_hash = Bytes(32, 9);
  EXPECT_FALSE(unprotect_public(g.cs, pub, other_context, g.membership_key));
}

TEST(PublicMessage, SignatureFailures) {
  Group g;
  auto ac = g.sign(WireFormat::mls_public_message, g.content(remove_proposal()));
  auto other = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed25519).value();
  auto bad = verify_content(g.cs, ac, g.context, other.public_key());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::authentication_failed);
  EXPECT_NE(bad.error().message.find("framing.signature_invalid"), std::string::npos);

  // A signature for PrivateMessage does not verify as PublicMessage (wire_format is signed).
  auto as_private = ac;
  as_private.wire_format = WireFormat::mls_private_message;
  EXPECT_FALSE(verify_content(g.cs, as_private, g.context, g.key.public_key()));

  // Another epoch's context does not verify either.
  auto next = g.context;
  next.epoch = 8;
  EXPECT_FALSE(verify_content(g.cs, ac, next, g.key.public_key()));
}

TEST(PublicMessage, ApplicationDataIsRefused) {
  Group g;
  auto ac = g.sign(WireFormat::mls_public_message, g.content(ApplicationData{{1, 2}}));
  auto pub = protect_public(g.cs, ac, g.context, g.membership_key);
  ASSERT_FALSE(pub);
  EXPECT_EQ(pub.error().code, Errc::protocol_violation);
  PublicMessage forged;
  forged.content = ac.content;
  forged.auth = ac.auth;
  forged.membership_tag = Bytes(32, 0);
  EXPECT_EQ(unprotect_public(g.cs, forged, g.context, g.membership_key).error().code,
            Errc::protocol_violation);
}

TEST(PublicMessage, WrongGroupOrEpoch) {
  Group g;
  auto ac = g.sign(WireFormat::mls_public_message, g.content(remove_proposal()));
  auto pub = protect_public(g.cs, ac, g.context, g.membership_key).value();
  auto next = g.context;
  next.epoch = 8;
  EXPECT_EQ(unprotect_public(g.cs, pub, next, g.membership_key).error().code, Errc::wrong_epoch);
  auto other = g.context;
  other.group_id = Bytes{'x'};
  EXPECT_EQ(unprotect_public(g.cs, pub, other, g.membership_key).error().code,
            Errc::protocol_violation);
}

TEST(PublicMessage, ExternalSenderHasNoMembershipTag) {
  Group g;
  auto ac =
      g.sign(WireFormat::mls_public_message, g.content(remove_proposal(), Sender::external(0)));
  auto pub = protect_public(g.cs, ac, g.context, g.membership_key);
  ASSERT_TRUE(pub);
  EXPECT_FALSE(pub->membership_tag);
  auto back = unprotect_public(g.cs, *pub, g.context, g.membership_key);
  ASSERT_TRUE(back);
  // External senders sign without the GroupContext: any context verifies.
  auto other = g.context;
  other.tree_hash = Bytes(32, 7);
  EXPECT_TRUE(verify_content(g.cs, *back, other, g.key.public_key()));
}

TEST(PublicMessage, CommitNeedsConfirmationTag) {
  Group g;
  auto ac = g.sign(WireFormat::mls_public_message, g.content(Commit{}));
  auto bad = verify_content(g.cs, ac, g.context, g.key.public_key());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::protocol_violation);
  ac.auth.confirmation_tag = Bytes(32, 4);
  EXPECT_TRUE(verify_content(g.cs, ac, g.context, g.key.public_key()));
}

TEST(PrivateMessage, RoundTripAllContentTypes) {
  Group g;
  auto sender = g.tree();
  auto receiver = g.tree();
  Commit commit;
  commit.proposals.push_back(ProposalOrRef{remove_proposal()});
  for (auto body : std::vector<std::variant<ApplicationData, Proposal, Commit>>{
           ApplicationData{{1, 2, 3}}, remove_proposal(), commit}) {
    auto ac = g.sign(WireFormat::mls_private_message, g.content(body));
    if (ac.content.content_type() == ContentType::commit) ac.auth.confirmation_tag = Bytes(32, 5);
    auto priv = protect_private(g.cs, ac, sender, g.sender_data_secret);
    ASSERT_TRUE(priv) << priv.error().what();
    const Bytes wire = MLSMessage{*priv}.encode();
    auto decoded = MLSMessage::decode(wire);
    ASSERT_TRUE(decoded);
    auto back = unprotect_private(g.cs, std::get<PrivateMessage>(decoded->value), g.context,
                                  receiver, g.sender_data_secret);
    ASSERT_TRUE(back) << back.error().what();
    EXPECT_EQ(*back, ac);
    EXPECT_TRUE(verify_content(g.cs, *back, g.context, g.key.public_key()));
  }
}

TEST(PrivateMessage, PaddingHidesLength) {
  Group g;
  auto sender = g.tree();
  auto receiver = g.tree();
  auto ac = g.sign(WireFormat::mls_private_message, g.content(ApplicationData{{1}}));
  auto priv = protect_private(g.cs, ac, sender, g.sender_data_secret, {256});
  ASSERT_TRUE(priv);
  EXPECT_EQ((priv->ciphertext.size() - 16) % 256, 0u);  // minus the AEAD tag
  auto back = unprotect_private(g.cs, *priv, g.context, receiver, g.sender_data_secret);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, ac);
}

TEST(PrivateMessage, TamperingFailsAndDoesNotBurnTheKey) {
  Group g;
  auto sender = g.tree();
  auto receiver = g.tree();
  auto ac = g.sign(WireFormat::mls_private_message, g.content(ApplicationData{{9, 9}}));
  auto priv = protect_private(g.cs, ac, sender, g.sender_data_secret).value();

  auto bad_ct = priv;
  bad_ct.ciphertext.back() ^= 1;
  auto r1 = unprotect_private(g.cs, bad_ct, g.context, receiver, g.sender_data_secret);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, Errc::authentication_failed);

  auto bad_sd = priv;
  bad_sd.encrypted_sender_data[0] ^= 1;
  auto r2 = unprotect_private(g.cs, bad_sd, g.context, receiver, g.sender_data_secret);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, Errc::authentication_failed);
  EXPECT_NE(r2.error().message.find("sender_data_invalid"), std::string::npos);

  auto bad_aad = priv;
  bad_aad.authenticated_data = Bytes{0xff};
  EXPECT_FALSE(unprotect_private(g.cs, bad_aad, g.context, receiver, g.sender_data_secret));

  auto bad_type = priv;
  bad_type.content_type = ContentType::proposal;
  EXPECT_FALSE(unprotect_private(g.cs, bad_type, g.context, receiver, g.sender_data_secret));

  EXPECT_FALSE(unprotect_private(g.cs, priv, g.context, receiver, SecretBytes(Bytes(32, 0x23))));

  // The genuine message still decrypts after all those failures...
  auto good = unprotect_private(g.cs, priv, g.context, receiver, g.sender_data_secret);
  ASSERT_TRUE(good);
  // ...exactly once.
  auto replay = unprotect_private(g.cs, priv, g.context, receiver, g.sender_data_secret);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, Errc::replay);
}

TEST(PrivateMessage, EmptyAndShortFieldsFailCleanly) {
  Group g;
  auto receiver = g.tree();
  PrivateMessage m;
  m.group_id = g.context.group_id;
  m.epoch = g.context.epoch;
  EXPECT_EQ(unprotect_private(g.cs, m, g.context, receiver, g.sender_data_secret).error().code,
            Errc::authentication_failed);
  m.encrypted_sender_data = Bytes(5, 1);
  m.ciphertext = Bytes(3, 2);
  EXPECT_EQ(unprotect_private(g.cs, m, g.context, receiver, g.sender_data_secret).error().code,
            Errc::authentication_failed);
}

TEST(PrivateMessage, OutOfOrderDelivery) {
  Group g;
  auto sender = g.tree();
  auto receiver = g.tree();
  std::vector<PrivateMessage> sent;
  for (std::uint8_t i = 0; i < 4; ++i) {
    auto ac = g.sign(WireFormat::mls_private_message, g.content(ApplicationData{{i}}));
    sent.push_back(protect_private(g.cs, ac, sender, g.sender_data_secret).value());
  }
  for (std::size_t i : {3u, 1u, 0u, 2u}) {
    auto back = unprotect_private(g.cs, sent[i], g.context, receiver, g.sender_data_secret);
    ASSERT_TRUE(back) << i;
    EXPECT_EQ(std::get<ApplicationData>(back->content.content).data,
              Bytes{static_cast<std::uint8_t>(i)});
  }
}

TEST(PrivateMessage, FarFutureGenerationIsRefused) {
  // A member forges sender data claiming generation 1 000 000 for leaf 2.
  Group g;
  auto receiver = g.tree();
  PrivateMessage forged;
  forged.group_id = g.context.group_id;
  forged.epoch = g.context.epoch;
  forged.content_type = ContentType::application;
  forged.ciphertext = Bytes(40, 0x77);
  SenderData sd;
  sd.leaf_index = 2;
  sd.generation = 1'000'000;
  auto sdk = derive_sender_data_key(g.cs, g.sender_data_secret, forged.ciphertext).value();
  auto aead = crypto::AeadKey::create(g.cs.aead_id(), sdk.key.expose()).value();
  forged.encrypted_sender_data =
      aead.seal(sdk.nonce.expose(),
                tls::encode(SenderDataAAD{forged.group_id, forged.epoch, forged.content_type}),
                tls::encode(sd))
          .value();
  auto r = unprotect_private(g.cs, forged, g.context, receiver, g.sender_data_secret);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit_exceeded);
  EXPECT_NE(r.error().message.find("generation_too_far_ahead"), std::string::npos);

  // And a leaf outside the tree.
  sd.leaf_index = 4;
  sd.generation = 0;
  forged.encrypted_sender_data =
      aead.seal(sdk.nonce.expose(),
                tls::encode(SenderDataAAD{forged.group_id, forged.epoch, forged.content_type}),
                tls::encode(sd))
          .value();
  auto r2 = unprotect_private(g.cs, forged, g.context, receiver, g.sender_data_secret);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, Errc::protocol_violation);
}

TEST(PrivateMessage, WrongEpochAndSenderChecks) {
  Group g;
  auto sender = g.tree();
  auto receiver = g.tree();
  auto ac = g.sign(WireFormat::mls_private_message, g.content(ApplicationData{{1}}));
  auto priv = protect_private(g.cs, ac, sender, g.sender_data_secret).value();
  auto next = g.context;
  next.epoch = 8;
  EXPECT_EQ(unprotect_private(g.cs, priv, next, receiver, g.sender_data_secret).error().code,
            Errc::wrong_epoch);

  auto external =
      g.sign(WireFormat::mls_private_message, g.content(remove_proposal(), Sender::external(0)));
  EXPECT_EQ(protect_private(g.cs, external, sender, g.sender_data_secret).error().code,
            Errc::protocol_violation);

  auto wrong_format = g.sign(WireFormat::mls_public_message, g.content(ApplicationData{{1}}));
  EXPECT_EQ(protect_private(g.cs, wrong_format, sender, g.sender_data_secret).error().code,
            Errc::invalid_argument);

  auto commit = g.sign(WireFormat::mls_private_message, g.content(Commit{}));
  EXPECT_EQ(protect_private(g.cs, commit, sender, g.sender_data_secret).error().code,
            Errc::invalid_argument);
}

}  // namespace
}  // namespace ztm::mls
