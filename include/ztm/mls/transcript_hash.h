// Transcript hashes and the confirmation tag (RFC 9420 §8.2, §6.1).
//
//   struct {
//       WireFormat wire_format;
//       FramedContent content; /* with content_type == commit */
//       opaque signature<V>;
//   } ConfirmedTranscriptHashInput;
//
//   struct {
//       MAC confirmation_tag;
//   } InterimTranscriptHashInput;
//
//   confirmed_transcript_hash_[epoch] =
//       Hash(interim_transcript_hash_[epoch - 1] || ConfirmedTranscriptHashInput_[epoch])
//   interim_transcript_hash_[epoch] =
//       Hash(confirmed_transcript_hash_[epoch] || InterimTranscriptHashInput_[epoch])
//   confirmation_tag = MAC(confirmation_key, GroupContext.confirmed_transcript_hash)
#pragma once

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/mls/cipher_suite.h"
#include "ztm/mls/messages/framed_content.h"

namespace ztm::mls {

// TranscriptHashes is the pair a group carries from epoch to epoch. Both are empty
// for epoch 0.
struct TranscriptHashes {
  Bytes confirmed;
  Bytes interim;
  bool operator==(const TranscriptHashes&) const = default;
};

// encode_confirmed_transcript_hash_input writes ConfirmedTranscriptHashInput for a
// commit's AuthenticatedContent; content that is not a commit is protocol_violation.
Result<Bytes> encode_confirmed_transcript_hash_input(const AuthenticatedContent& commit);

// compute_confirmed_transcript_hash is Hash(interim_before || ConfirmedTranscriptHashInput).
Result<Bytes> compute_confirmed_transcript_hash(const CipherSuite& suite, ByteView interim_before,
                                                const AuthenticatedContent& commit);

// compute_interim_transcript_hash is Hash(confirmed || InterimTranscriptHashInput).
Bytes compute_interim_transcript_hash(const CipherSuite& suite, ByteView confirmed,
                                      ByteView confirmation_tag);

// next_transcript_hashes updates both hashes with a commit whose auth carries its
// confirmation_tag (as received, or as the committer completed it).
Result<TranscriptHashes> next_transcript_hashes(const CipherSuite& suite, ByteView interim_before,
                                                const AuthenticatedContent& commit);

// make_confirmation_tag is MAC(confirmation_key, confirmed_transcript_hash).
Bytes make_confirmation_tag(const CipherSuite& suite, const SecretBytes& confirmation_key,
                            ByteView confirmed_transcript_hash);

// verify_confirmation_tag recomputes the tag and compares in constant time; a
// mismatch is authentication_failed ("commit.confirmation_tag_invalid").
Result<void> verify_confirmation_tag(const CipherSuite& suite, const SecretBytes& confirmation_key,
                                     ByteView confirmed_transcript_hash, ByteView tag);

}  // namespace ztm::mls
