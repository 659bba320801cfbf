#include "ztm/mls/transcript_hash.h"

namespace ztm::mls {

Result<Bytes> encode_confirmed_transcript_hash_input(const AuthenticatedContent& commit) {
  if (commit.content.content_type() != ContentType::commit) {
    return fail(Errc::protocol_violation,
                "transcript_hash.not_a_commit: only commits enter the transcript");
  }
  Bytes out;
  out.reserve(2 + commit.content.tls_size() + tls::size_of(commit.auth.signature));
  tls::Writer w(out);
  tls::write(w, commit.wire_format);
  tls::write(w, commit.content);
  w.opaque(commit.auth.signature);
  return out;
}

Result<Bytes> compute_confirmed_transcript_hash(const CipherSuite& suite, ByteView interim_before,
                                                const AuthenticatedContent& commit) {
  ZTM_TRY_ASSIGN(const Bytes input, encode_confirmed_transcript_hash_input(commit));
  return suite.hash(concat({interim_before, input}));
}

Bytes compute_interim_transcript_hash(const CipherSuite& suite, ByteView confirmed,
                                      ByteView confirmation_tag) {
  Bytes input;
  input.reserve(confirmed.size() + 4 + confirmation_tag.size());
  append(input, confirmed);
  tls::Writer(input).opaque(confirmation_tag);
  return suite.hash(input);
}

Result<TranscriptHashes> next_transcript_hashes(const CipherSuite& suite, ByteView interim_before,
                                                const AuthenticatedContent& commit) {
  if (!commit.auth.confirmation_tag) {
    return fail(Errc::protocol_violation,
                "transcript_hash.missing_confirmation_tag: a commit must carry one");
  }
  TranscriptHashes out;
  ZTM_TRY_ASSIGN(out.confirmed, compute_confirmed_transcript_hash(suite, interim_before, commit));
  out.interim =
      compute_interim_transcript_hash(suite, out.confirmed, *commit.auth.confirmation_tag);
  return out;
}

Bytes make_confirmation_tag(const CipherSuite& suite, const SecretBytes& confirmation_key,
                            ByteView confirmed_transcript_hash) {
  return suite.mac(confirmation_key.expose(), confirmed_transcript_hash);
}

Result<void> verify_confirmation_tag(const CipherSuite& suite, const SecretBytes& confirmation_key,
                                     ByteView confirmed_transcript_hash, ByteView tag) {
  return suite.verify_mac(confirmation_key.expose(), confirmed_transcript_hash, tag,
                          "commit.confirmation_tag_invalid");
}

}  // namespace ztm::mls
