// Shared set-up of the MLS group fuzzers (mls_fuzz_group.h).
#include "mls_fuzz_group.h"

#include <cstdio>
#include <cstdlib>
#include <variant>

#include "ztm/crypto/random.h"

namespace ztm::mls_fuzz {

using namespace ztm::mls;

void require(bool ok) {
  if (!ok) std::abort();
}

MemberSigner GroupSetup::signer(const std::string& name) const {
  auto key = crypto::SignaturePrivateKey::generate(suite.signature_scheme());
  require(key.has_value());
  return {std::move(*key), Credential::basic(to_bytes(name))};
}

KeyPackageBundle GroupSetup::key_package(const std::string& name) const {
  auto bundle = create_key_package(suite, signer(name));
  require(bundle.has_value());
  return std::move(*bundle);
}

Group GroupSetup::create(const std::string& name, const ExtensionList& extensions) const {
  auto group = Group::create(suite, crypto::random_bytes(16), signer(name), extensions, config);
  require(group.has_value());
  return std::move(*group);
}

CommitResult GroupSetup::add(Group& group, const std::vector<const KeyPackageBundle*>& joiners,
                             bool force_path) {
  CommitOptions options;
  for (const KeyPackageBundle* joiner : joiners) {
    options.by_value.push_back(Proposal{Add{joiner->key_package}});
  }
  options.force_path = force_path;
  auto added = group.commit(options);
  require(added.has_value() && added->welcome.has_value());
  return std::move(*added);
}

Group GroupSetup::join(const CommitResult& added, const KeyPackageBundle& joiner) const {
  auto group = Group::join(std::get<Welcome>(added.welcome->value), joiner, config);
  require(group.has_value());
  return std::move(*group);
}

void require_all_processed(const Group& member, const std::vector<Bytes>& templates) {
  for (const Bytes& t : templates) {
    Group copy = member;
    auto m = MLSMessage::decode(t);
    require(m.has_value());
    require(copy.process(*m).has_value());
  }
}

void write_seeds(const std::vector<Bytes>& templates, const std::string& name, bool numbered) {
  const char* dir = std::getenv("ZTM_MLS_FUZZ_WRITE_SEEDS");
  if (dir == nullptr) return;
  for (std::size_t i = 0; i < templates.size(); ++i) {
    const std::string path =
        std::string(dir) + "/" + name + (numbered ? std::to_string(i) : std::string());
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
      std::fputc(0, f);
      std::fwrite(templates[i].data(), 1, templates[i].size(), f);
      std::fclose(f);
    }
  }
}

Bytes apply_edits(Bytes message, std::span<const std::uint8_t> edits) {
  if (message.empty()) return message;
  for (std::size_t i = 0; i + 3 <= edits.size(); i += 3) {
    const std::size_t offset = ((std::size_t{edits[i]} << 8) | edits[i + 1]) % message.size();
    message[offset] ^= edits[i + 2];
  }
  return message;
}

std::optional<Bytes> pick_input(std::span<const std::uint8_t> input,
                                const std::vector<Bytes>& templates) {
  if (input.empty()) return std::nullopt;
  if ((input[0] & 1) == 0) return Bytes(input.begin() + 1, input.end());
  if (input.size() < 2 || templates.empty()) return std::nullopt;
  return apply_edits(templates[input[1] % templates.size()], input.subspan(2));
}

}  // namespace ztm::mls_fuzz
