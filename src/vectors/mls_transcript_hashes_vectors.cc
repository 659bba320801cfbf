// transcript-hashes.json: RFC 9420 §8.2. One case per suite: the commit's
// confirmation tag verifies against confirmed_transcript_hash_after, and both
// hashes follow from interim_transcript_hash_before and the AuthenticatedContent.
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/mls/transcript_hash.h"

namespace ztm::vectors {

namespace {

Result<void> run_case(const nlohmann::json& c) {
  ZTM_TRY_ASSIGN(auto cs, mls::CipherSuite::create(c.at("cipher_suite").get<std::uint16_t>()));
  ZTM_TRY_ASSIGN(auto confirmation_key, hex_field(c, "confirmation_key"));
  ZTM_TRY_ASSIGN(auto encoded, hex_field(c, "authenticated_content"));
  ZTM_TRY_ASSIGN(auto interim_before, hex_field(c, "interim_transcript_hash_before"));
  ZTM_TRY_ASSIGN(auto confirmed_after, hex_field(c, "confirmed_transcript_hash_after"));
  ZTM_TRY_ASSIGN(auto interim_after, hex_field(c, "interim_transcript_hash_after"));

  ZTM_TRY_ASSIGN(auto content, tls::decode<mls::AuthenticatedContent>(encoded));
  if (content.content.content_type() != mls::ContentType::commit ||
      !content.auth.confirmation_tag) {
    return fail(Errc::protocol_violation, "authenticated_content is not a commit");
  }
  ZTM_TRY(mls::verify_confirmation_tag(cs, SecretBytes::from_bytes(std::move(confirmation_key)),
                                       confirmed_after, *content.auth.confirmation_tag));
  ZTM_TRY_ASSIGN(auto hashes, mls::next_transcript_hashes(cs, interim_before, content));
  if (hashes.confirmed != confirmed_after) {
    return fail(Errc::protocol_violation, "confirmed_transcript_hash_after differs");
  }
  if (hashes.interim != interim_after) {
    return fail(Errc::protocol_violation, "interim_transcript_hash_after differs");
  }
  return ok();
}

Runner mls_transcript_hashes_runner() {
  return per_suite_runner("mls/transcript-hashes", "transcript-hashes.json", &run_case);
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(mls_transcript_hashes_runner);

}  // namespace ztm::vectors
