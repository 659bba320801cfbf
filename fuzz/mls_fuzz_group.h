// Shared set-up of the MLS group fuzzers (mls_process_fuzzer, mls_welcome_fuzzer,
// mls_unprotect_external_fuzzer, mls_unprotect_private_fuzzer): suite-1 groups built
// once at start-up with fresh random keys, and the input conventions they share.
// Fuzz-only code: a failure during set-up aborts, since a target that cannot build
// its group tests nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ztm/mls/group.h"

namespace ztm::mls_fuzz {

// require aborts when a set-up step or a target's invariant fails (libFuzzer reports
// the abort as a crash with its input).
void require(bool ok);

// GroupSetup is the suite, credential validator and config every member is built
// with. Not copyable: config points at validator.
struct GroupSetup {
  mls::CipherSuite suite = *mls::CipherSuite::create(1);
  mls::BasicCredentialValidator validator;
  mls::GroupConfig config;

  GroupSetup() { config.validator = &validator; }
  GroupSetup(const GroupSetup&) = delete;
  GroupSetup& operator=(const GroupSetup&) = delete;

  // signer makes a fresh signature key with a basic credential naming `name`.
  mls::MemberSigner signer(const std::string& name) const;
  // key_package makes a KeyPackageBundle for `name`.
  mls::KeyPackageBundle key_package(const std::string& name) const;
  // create starts a group (random group id) with `name` as its only member.
  mls::Group create(const std::string& name, const mls::ExtensionList& extensions = {}) const;
  // add: `group` commits Adds of `joiners` by value; the result has its Welcome.
  static mls::CommitResult add(mls::Group& group,
                               const std::vector<const mls::KeyPackageBundle*>& joiners,
                               bool force_path = false);
  // join: a joiner's state from the Welcome of an add().
  mls::Group join(const mls::CommitResult& added, const mls::KeyPackageBundle& joiner) const;
};

// require_all_processed: a fresh copy of `member` accepts every template as it is
// (the targets' odd mode relies on unedited templates being valid).
void require_all_processed(const mls::Group& member, const std::vector<Bytes>& templates);

// write_seeds writes each template, behind a 0 byte (the targets' even mode), to
// $ZTM_MLS_FUZZ_WRITE_SEEDS/<name><index> when that variable is set; `numbered`
// false writes a single template as <name>.
void write_seeds(const std::vector<Bytes>& templates, const std::string& name,
                 bool numbered = true);

// apply_edits flips bytes of `message`: each whole 3-byte group of `edits`
// (offset hi, offset lo, xor) xors one byte, the offset taken modulo the size.
Bytes apply_edits(Bytes message, std::span<const std::uint8_t> edits);

// pick_input applies the input convention of the targets with several templates:
// byte 0 even, the rest as it is; odd, byte 1 picks a template and the remaining
// bytes are edits to it. Empty for an input too short to say.
std::optional<Bytes> pick_input(std::span<const std::uint8_t> input,
                                const std::vector<Bytes>& templates);

}  // namespace ztm::mls_fuzz
