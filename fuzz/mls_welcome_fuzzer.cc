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
#include <memory>
#include <variant>
#include <vector>

#include "mls_fuzz_group.h"

namespace {

using namespace ztm;
using namespace ztm::mls;
using mls_fuzz::require;

struct World {
  mls_fuzz::GroupSetup setup;
  std::unique_ptr<KeyPackageBundle> key_package;
  Bytes welcome;  // encoded MLSMessage
};

std::unique_ptr<World> build() {
  auto w = std::make_unique<World>();
  const mls_fuzz::GroupSetup& setup = w->setup;
  Group alice = setup.create("alice");
  const KeyPackageBundle bob_kp = setup.key_package("bob");
  Group a = *mls_fuzz::GroupSetup::add(alice, {&bob_kp}).next;
  w->key_package = std::make_unique<KeyPackageBundle>(setup.key_package("carol"));
  const CommitResult second =
      mls_fuzz::GroupSetup::add(a, {w->key_package.get()}, /*force_path=*/true);
  w->welcome = second.welcome->encode();
  setup.join(second, *w->key_package);
  mls_fuzz::write_seeds({w->welcome}, "welcome", /*numbered=*/false);
  return w;
}

void join(const World& w, ByteView wire) {
  auto message = MLSMessage::decode(wire);
  if (!message) return;
  const auto* welcome = std::get_if<Welcome>(&message->value);
  if (welcome == nullptr) return;
  auto group = Group::join(*welcome, *w.key_package, w.setup.config);
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
  // One template only: no pick byte, the edits start at byte 1.
  join(*world, mls_fuzz::apply_edits(world->welcome, {data + 1, size - 1}));
  return 0;
}
