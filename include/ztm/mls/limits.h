// limits: the bounds ztmeet's MLS layer puts on work and size for untrusted input
// (STYLE rule 10). Every decoder and validator that could be made to allocate or
// loop in proportion to attacker-chosen numbers checks one of these; exceeding one
// is Errc::limit_exceeded with a message naming the limit.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ztm::mls::limits {

// kMaxTreeLeaves bounds the ratchet tree (RFC 9420 §7): 50 000 leaves is several
// times the largest meeting ztmeet targets (10 000 members) while keeping a tree of
// blank nodes from costing more than a few megabytes of hashes.
inline constexpr std::uint32_t kMaxTreeLeaves = 50'000;

// kMaxTreeNodes is the array width of a tree of kMaxTreeLeaves leaves rounded up to
// a full binary tree (2 * 65536 - 1), the most nodes a ratchet_tree may list.
inline constexpr std::uint32_t kMaxTreeNodes = 2 * 65'536 - 1;

// kMaxMessageBytes bounds one encoded MLSMessage. A Welcome that carries the
// ratchet_tree of a 10 000-member group with X.509 chains is about 25 MB.
inline constexpr std::size_t kMaxMessageBytes = 64u << 20;

// kMaxExtensions bounds every Extension list (GroupContext, LeafNode, KeyPackage,
// GroupInfo): real lists hold a handful, GREASE adds a few more.
inline constexpr std::size_t kMaxExtensions = 64;

// kMaxCapabilityEntries bounds each list inside Capabilities and
// RequiredCapabilities (versions, cipher suites, extension, proposal and credential
// types).
inline constexpr std::size_t kMaxCapabilityEntries = 256;

// kMaxProposalsPerCommit bounds Commit.proposals. The meeting engine batches joins
// and leaves; a batch larger than this is split across epochs.
inline constexpr std::size_t kMaxProposalsPerCommit = 4'096;

// kMaxCertificateChain bounds the certificates in one X.509 Credential.
inline constexpr std::size_t kMaxCertificateChain = 8;

// kMaxWelcomeSecrets bounds Welcome.secrets (one per new member).
inline constexpr std::size_t kMaxWelcomeSecrets = kMaxProposalsPerCommit;

// kMaxPsks bounds the PreSharedKeyIDs in GroupSecrets.psks and in one Commit.
inline constexpr std::size_t kMaxPsks = 64;

// kMaxExternalSenders bounds the external_senders extension.
inline constexpr std::size_t kMaxExternalSenders = 64;

}  // namespace ztm::mls::limits
