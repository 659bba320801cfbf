// key-schedule.json: the epoch key schedule of RFC 9420 §8 for 7 suites, 5 epochs
// each. One case per epoch: the GroupContext encoding, every derived secret,
// external_pub and one MLS-Exporter output. Each epoch starts from the previous
// epoch's computed init_secret, so an error early in a chain fails the later epochs.
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/base/tls_codec.h"
#include "ztm/mls/key_schedule.h"
#include "ztm/mls/messages/group_context.h"

namespace ztm::vectors {

namespace {

// encode_group_context builds the epoch's GroupContext (§8.1) with empty extensions.
Bytes encode_group_context(std::uint16_t suite, ByteView group_id, std::uint64_t epoch,
                           ByteView tree_hash, ByteView confirmed_transcript_hash) {
  mls::GroupContext context;
  context.cipher_suite = suite;
  context.group_id = to_bytes(group_id);
  context.epoch = epoch;
  context.tree_hash = to_bytes(tree_hash);
  context.confirmed_transcript_hash = to_bytes(confirmed_transcript_hash);
  return tls::encode(context);
}

Result<void> expect_secret(const nlohmann::json& e, std::string_view field,
                           const SecretBytes& actual) {
  ZTM_TRY_ASSIGN(auto expected, hex_field(e, field));
  if (!equal(actual.expose(), expected)) {
    return fail(Errc::protocol_violation, std::string(field) + " differs");
  }
  return ok();
}

Result<void> run_epoch(const mls::CipherSuite& cs, ByteView group_id, std::uint64_t epoch,
                       const nlohmann::json& e, SecretBytes& init_secret) {
  ZTM_TRY_ASSIGN(auto tree_hash, hex_field(e, "tree_hash"));
  ZTM_TRY_ASSIGN(auto commit_secret, hex_field(e, "commit_secret"));
  ZTM_TRY_ASSIGN(auto psk_secret, hex_field(e, "psk_secret"));
  ZTM_TRY_ASSIGN(auto cth, hex_field(e, "confirmed_transcript_hash"));
  ZTM_TRY_ASSIGN(auto group_context, hex_field(e, "group_context"));
  const Bytes computed_context = encode_group_context(cs.id(), group_id, epoch, tree_hash, cth);
  if (computed_context != group_context) {
    return fail(Errc::protocol_violation, "group_context encoding differs");
  }
  ZTM_TRY_ASSIGN(auto s, mls::derive_epoch_secrets(cs, init_secret.expose(), commit_secret,
                                                   psk_secret, group_context));
  ZTM_TRY(expect_secret(e, "joiner_secret", s.joiner_secret));
  ZTM_TRY(expect_secret(e, "welcome_secret", s.welcome_secret));
  ZTM_TRY(expect_secret(e, "init_secret", s.init_secret));
  ZTM_TRY(expect_secret(e, "sender_data_secret", s.sender_data_secret));
  ZTM_TRY(expect_secret(e, "encryption_secret", s.encryption_secret));
  ZTM_TRY(expect_secret(e, "exporter_secret", s.exporter_secret));
  ZTM_TRY(expect_secret(e, "epoch_authenticator", s.epoch_authenticator));
  ZTM_TRY(expect_secret(e, "external_secret", s.external_secret));
  ZTM_TRY(expect_secret(e, "confirmation_key", s.confirmation_key));
  ZTM_TRY(expect_secret(e, "membership_key", s.membership_key));
  ZTM_TRY(expect_secret(e, "resumption_psk", s.resumption_psk));

  // The joiner's path from joiner_secret must agree with the committer's.
  ZTM_TRY_ASSIGN(auto joined, mls::derive_epoch_secrets_from_joiner(cs, s.joiner_secret, psk_secret,
                                                                    group_context));
  if (!(joined.init_secret == s.init_secret) || !(joined.welcome_secret == s.welcome_secret)) {
    return fail(Errc::protocol_violation, "joiner path differs from the committer's");
  }

  ZTM_TRY_ASSIGN(auto external, s.external_key_pair());
  ZTM_TRY_ASSIGN(auto external_pub, hex_field(e, "external_pub"));
  if (!equal(external.public_key(), external_pub)) {
    return fail(Errc::protocol_violation, "external_pub differs");
  }

  const auto& x = e.at("exporter");
  ZTM_TRY_ASSIGN(auto context, hex_field(x, "context"));
  ZTM_TRY_ASSIGN(auto exported, s.exporter(x.at("label").get<std::string>(), context,
                                           x.at("length").get<std::size_t>()));
  ZTM_TRY(expect_secret(x, "secret", exported));

  init_secret = std::move(s.init_secret);
  return ok();
}

Runner mls_key_schedule_runner() {
  return {
      "mls/key-schedule",
      [](const std::filesystem::path& path, const nlohmann::json&) {
        return path.filename() == "key-schedule.json";
      },
      [](const nlohmann::json& doc, Report& report) {
        for (const auto& c : doc) {
          const auto suite_id = c.at("cipher_suite").get<std::uint16_t>();
          const std::string prefix = "cipher_suite " + std::to_string(suite_id) + " epoch ";
          const auto& epochs = c.at("epochs");
          auto cs = mls::CipherSuite::create(suite_id);
          auto group_id = hex_field(c, "group_id");
          auto initial = hex_field(c, "initial_init_secret");
          if (!cs || !group_id || !initial) {
            for (std::size_t i = 0; i < epochs.size(); ++i) {
              report.check(prefix + std::to_string(i),
                           fail(Errc::invalid_encoding, "suite or group parameters unusable"));
            }
            continue;
          }
          SecretBytes init_secret = SecretBytes::from_bytes(std::move(*initial));
          for (std::size_t i = 0; i < epochs.size(); ++i) {
            Result<void> result;
            try {
              result = run_epoch(*cs, *group_id, i, epochs[i], init_secret);
            } catch (const nlohmann::json::exception& e) {
              result = fail(Errc::invalid_encoding, std::string("malformed case: ") + e.what());
            }
            report.check(prefix + std::to_string(i), result);
          }
        }
      },
  };
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(mls_key_schedule_runner);

}  // namespace ztm::vectors
