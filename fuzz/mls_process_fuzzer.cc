// Fuzzes Group::process (src/mls/group/): everything a member does with an
// untrusted MLSMessage of its group — framing, decryption, signature and
// membership checks, proposal caching and the whole of Commit processing.
//
// A three-member suite-1 group (alice, bob, carol) is built once at start-up;
// every input is processed by a fresh copy of bob's state, which must never
// crash. Keys are random per run, so raw bytes rarely pass authentication; to
// get past it, input byte 0 picks a mode:
//   even: the rest is an MLSMessage, decoded and processed as it is;
//   odd:  byte 1 picks one of the real messages made at start-up (application
//         messages, proposals, Commits of every kind, an external Commit), and
//         each following 3-byte group (offset hi, offset lo, xor) flips bytes of
//         it before it is processed. An input without edits must be accepted.
// ZTM_MLS_FUZZ_WRITE_SEEDS=<dir> writes every start-up message as a mode-0 seed.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "ztm/crypto/random.h"
#include "ztm/mls/group.h"

namespace {

using namespace ztm;
using namespace ztm::mls;

struct World {
  CipherSuite suite = *CipherSuite::create(1);
  BasicCredentialValidator validator;
  GroupConfig config;
  std::unique_ptr<Group> bob;
  std::vector<Bytes> templates;  // encoded messages bob accepts as they are
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
  auto carol_kp = create_key_package(w->suite, signer(w->suite, "carol"));
  require(bob_kp && carol_kp);
  CommitOptions add;
  add.by_value = {Proposal{Add{bob_kp->key_package}}, Proposal{Add{carol_kp->key_package}}};
  auto added = alice->commit(add);
  require(added.has_value());
  Group a = *added->next;
  const Welcome& welcome = std::get<Welcome>(added->welcome->value);
  auto bob = Group::join(welcome, *bob_kp, w->config);
  auto carol = Group::join(welcome, *carol_kp, w->config);
  require(bob && carol);
  Group c = std::move(*carol);

  const auto keep = [&](const Result<MLSMessage>& m) {
    require(m.has_value());
    w->templates.push_back(m->encode());
  };
  const auto commit_of = [&](Group& g, CommitOptions options) {
    auto r = g.commit(options);
    require(r.has_value());
    w->templates.push_back(r->commit.encode());
  };
  commit_of(a, {});  // empty commit with path
  CommitOptions remove_carol;
  remove_carol.by_value = {Proposal{Remove{2}}};
  commit_of(a, remove_carol);
  CommitOptions remove_bob;
  remove_bob.by_value = {Proposal{Remove{1}}};
  commit_of(c, remove_bob);
  auto eve_kp = create_key_package(w->suite, signer(w->suite, "eve"));
  require(eve_kp.has_value());
  CommitOptions add_eve;
  add_eve.by_value = {Proposal{Add{eve_kp->key_package}}};
  add_eve.authenticated_data = to_bytes("ad");
  commit_of(c, add_eve);
  auto info = a.group_info(true, true);
  require(info.has_value());
  auto ext = Group::join_external(*info, signer(w->suite, "frank"), w->config);
  require(ext.has_value());
  w->templates.push_back(ext->commit.encode());
  // Proposals last: a proposal is cached by its sender and would go into
  // that sender's later Commits by reference.
  keep(a.protect(as_bytes("hello from alice"), as_bytes("aad")));
  keep(c.protect(as_bytes("hello from carol")));
  keep(c.propose(Proposal{Remove{0}}));
  auto dave_kp = create_key_package(w->suite, signer(w->suite, "dave"));
  require(dave_kp.has_value());
  keep(a.propose(Proposal{Add{dave_kp->key_package}}));
  w->bob = std::make_unique<Group>(std::move(*bob));

  // Every template is accepted as it is.
  for (const Bytes& t : w->templates) {
    Group copy = *w->bob;
    auto m = MLSMessage::decode(t);
    require(m.has_value());
    require(copy.process(*m).has_value());
  }
  if (const char* dir = std::getenv("ZTM_MLS_FUZZ_WRITE_SEEDS")) {
    for (std::size_t i = 0; i < w->templates.size(); ++i) {
      const std::string path = std::string(dir) + "/message_" + std::to_string(i);
      if (FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fputc(0, f);
        std::fwrite(w->templates[i].data(), 1, w->templates[i].size(), f);
        std::fclose(f);
      }
    }
  }
  return w;
}

void process(const World& w, ByteView wire) {
  auto message = MLSMessage::decode(wire);
  if (!message) return;
  Group copy = *w.bob;
  auto processed = copy.process(*message);
  if (processed && processed->next) {
    // A new epoch must be usable.
    require(processed->next->epoch() == copy.epoch() + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::unique_ptr<World> world = build();
  if (size == 0) return 0;
  if ((data[0] & 1) == 0) {
    process(*world, ByteView(data + 1, size - 1));
    return 0;
  }
  if (size < 2) return 0;
  Bytes message = world->templates[data[1] % world->templates.size()];
  for (std::size_t i = 2; i + 3 <= size; i += 3) {
    const std::size_t offset = ((std::size_t{data[i]} << 8) | data[i + 1]) % message.size();
    message[offset] ^= data[i + 2];
  }
  process(*world, message);
  return 0;
}
