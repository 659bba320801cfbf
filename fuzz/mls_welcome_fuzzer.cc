// Fuzzes Group::join (src/mls/group/group_join.cc): a Welcome from an untrusted
// Delivery Service, processed with a fixed KeyPackageBundle — GroupSecrets
// decryption and parsing, GroupInfo decryption, signature and confirmation tag,
// the ratchet_tree extension and every joiner check must never crash.
//
// One KeyPackageBundle and a real Welcome to it (a three-member suite-1 group
// with the tree inlined) are made at start-up; keys are random per run. Input
// byte 0 picks a mode:
//   even: the rest is an MLSMessage; if it is a Welcome, join with it;
//   odd:  the real Welcome, with each following 3-byte group (offset hi,
//         offset lo, xor) flipping bytes of its encoding. An input without edits
//         must join.
// ZTM_MLS_FUZZ_WRITE_SEEDS=<dir> writes the real Welcome as a mode-0 seed.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "ztm/crypto/random.h"
#include "ztm/mls/group.h"

namespace {

using namespace ztm;
using namespace ztm::mls;

struct World {
  CipherSuite suite = *CipherSuite::create(1);
  BasicCredentialValidator validator;
  GroupConfig config;
  std::unique_ptr<KeyPackageBundle> key_package;
  Bytes welcome;  // encoded MLSMessage
};

MemberSigner signer(const CipherSuite& suite, const char* name) {
  return {*crypto::SignaturePrivateKey::generate(suite.signature_scheme()),
          Credential::basic(to_bytes(name))};
}

void require(bool ok) {
  if (!ok) std::abort();
}

std::unique_ptr<World> build() {
  auto w = std::make_unique<World>();
  w->config.validator = &w->validator;
  auto alice =
      Group::create(w->suite, crypto::random_bytes(16), signer(w->suite, "alice"), {}, w->config);
  require(alice.has_value());
  auto bob_kp = create_key_package(w->suite, signer(w->suite, "bob"));
  require(bob_kp.has_value());
  CommitOptions add_bob;
  add_bob.by_value = {Proposal{Add{bob_kp->key_package}}};
  auto first = alice->commit(add_bob);
  require(first.has_value());
  Group a = *first->next;
  auto carol_kp = create_key_package(w->suite, signer(w->suite, "carol"));
  require(carol_kp.has_value());
  CommitOptions add_carol;
  add_carol.by_value = {Proposal{Add{carol_kp->key_package}}};
  add_carol.force_path = true;
  auto second = a.commit(add_carol);
  require(second.has_value() && second->welcome.has_value());
  w->welcome = second->welcome->encode();
  w->key_package = std::make_unique<KeyPackageBundle>(std::move(*carol_kp));
  require(Group::join(std::get<Welcome>(second->welcome->value), *w->key_package, w->config)
              .has_value());
  if (const char* dir = std::getenv("ZTM_MLS_FUZZ_WRITE_SEEDS")) {
    const std::string path = std::string(dir) + "/welcome";
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
      std::fputc(0, f);
      std::fwrite(w->welcome.data(), 1, w->welcome.size(), f);
      std::fclose(f);
    }
  }
  return w;
}

void join(const World& w, ByteView wire) {
  auto message = MLSMessage::decode(wire);
  if (!message) return;
  const auto* welcome = std::get_if<Welcome>(&message->value);
  if (welcome == nullptr) return;
  auto group = Group::join(*welcome, *w.key_package, w.config);
  if (group) require(group->members().size() == 3);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::unique_ptr<World> world = build();
  if (size == 0) return 0;
  if ((data[0] & 1) == 0) {
    join(*world, ByteView(data + 1, size - 1));
    return 0;
  }
  Bytes message = world->welcome;
  for (std::size_t i = 1; i + 3 <= size; i += 3) {
    const std::size_t offset = ((std::size_t{data[i]} << 8) | data[i + 1]) % message.size();
    message[offset] ^= data[i + 2];
  }
  join(*world, message);
  return 0;
}
