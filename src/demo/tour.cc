#include "ztm/demo/tour.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "ztm/crypto/random.h"
#include "ztm/mls/group.h"
#include "ztm/sframe/mls_context.h"
#include "ztm/vectors/vectors.h"

namespace ztm::demo {
namespace {

using Clock = std::chrono::steady_clock;

void heading(std::ostream& out, const std::string& title) {
  out << "\n== " << title << " ==\n";
}

// step 1: every official vector file, through the same loader as `ztmeet vectors`.
Result<void> run_vectors(const std::filesystem::path& dir, std::ostream& out) {
  heading(out, "1. Official test vectors (RFC 9180 HPKE, RFC 9420 MLS, RFC 9605 SFrame)");
  if (!std::filesystem::is_directory(dir)) {
    return fail(Errc::not_found, "no test-vector directory at " + dir.string());
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::size_t passed = 0, failed = 0, skipped = 0, unknown = 0;
  for (const auto& file : files) {
    auto report = vectors::run_file(file);
    if (!report) {
      ++unknown;
      out << "  " << std::filesystem::relative(file, dir).string() << ": not run ("
          << report.error().what() << ")\n";
      continue;
    }
    out << "  " << std::filesystem::relative(file, dir).string() << ": " << report->passed
        << " passed, " << report->failed << " failed, " << report->skipped << " skipped\n";
    passed += report->passed;
    failed += report->failed;
    skipped += report->skipped;
  }
  out << "  total: " << passed << " cases passed, " << failed << " failed, " << skipped
      << " skipped, " << unknown << " files without a runner yet\n";
  if (failed != 0) return fail(Errc::protocol_violation, "some official vectors failed");
  return ok();
}

// A rehearsal participant: its MLS state and its SFrame keys.
struct Participant {
  std::string name;
  mls::Group group;
  sframe::MlsContext media;
  std::size_t frames_decrypted = 0;
};

Result<void> install_epoch(Participant& p, Clock::time_point now) {
  ZTM_TRY_ASSIGN(SecretBytes base, p.group.exporter("SFrame 1.0 Base Key", {}, 16));
  return p.media.add_epoch(p.group.epoch(), base, p.group.tree().leaf_count().value,
                           p.group.own_leaf().value, now);
}

// audio_frame makes 20 ms of a 440 Hz tone as 16-bit PCM at 8 kHz: recognizable
// content whose bytes can be compared after decryption.
Bytes audio_frame(int index) {
  Bytes pcm;
  for (int i = 0; i < 160; ++i) {
    const double t = (index * 160 + i) / 8000.0;
    const auto sample = static_cast<std::int16_t>(8000 * std::sin(2 * 3.14159265358979 * 440 * t));
    pcm.push_back(static_cast<std::uint8_t>(sample & 0xff));
    pcm.push_back(static_cast<std::uint8_t>((sample >> 8) & 0xff));
  }
  return pcm;
}

// send_audio has `sender` send frames that every other participant decrypts and
// compares byte for byte; `outsiders` must fail to decrypt every one.
Result<void> send_audio(Participant& sender, std::vector<Participant*> receivers,
                        std::vector<Participant*> outsiders, int frames, Clock::time_point now,
                        std::ostream& out) {
  std::size_t overhead = 0;
  std::size_t refused = 0;
  for (int i = 0; i < frames; ++i) {
    const Bytes frame = audio_frame(i);
    ZTM_TRY_ASSIGN(Bytes ciphertext, sender.media.protect(/*context_id=*/0, frame, {}));
    overhead = ciphertext.size() - frame.size();
    for (Participant* r : receivers) {
      ZTM_TRY_ASSIGN(Bytes plain, r->media.unprotect(ciphertext, {}, now));
      if (plain != frame) return fail(Errc::protocol_violation, r->name + " decrypted other bytes");
      ++r->frames_decrypted;
    }
    for (Participant* o : outsiders) {
      if (o->media.unprotect(ciphertext, {}, now)) {
        return fail(Errc::protocol_violation, o->name + " decrypted a frame it must not read");
      }
      ++refused;
    }
  }
  out << "  " << sender.name << " sent " << frames << " audio frames (320 B each, SFrame overhead "
      << overhead << " B); " << receivers.size() << " receivers decrypted all, byte-identical";
  if (!outsiders.empty()) out << "; " << refused << " decryption attempts by outsiders refused";
  out << "\n";
  return ok();
}

std::string short_hex(ByteView v) {
  return to_hex(v.first(std::min<std::size_t>(v.size(), 8)));
}

Result<void> rehearse_meeting(std::ostream& out) {
  heading(out, "2. A meeting rehearsed in memory: MLS group + SFrame media (suite 1)");
  ZTM_TRY_ASSIGN(auto suite, mls::CipherSuite::create(1));
  static const mls::BasicCredentialValidator validator;  // names only, as the vectors do
  mls::GroupConfig config;
  config.validator = &validator;
  const auto now = Clock::now();

  auto signer = [&](const std::string& name) -> Result<mls::MemberSigner> {
    ZTM_TRY_ASSIGN(auto key, crypto::SignaturePrivateKey::generate(suite.signature_scheme()));
    return mls::MemberSigner{std::move(key), mls::Credential::basic(to_bytes(name))};
  };
  auto media = [&]() {
    return sframe::MlsContext::create(sframe::CipherSuite::aes_128_gcm_sha256_128);
  };

  ZTM_TRY_ASSIGN(auto alice_signer, signer("alice"));
  ZTM_TRY_ASSIGN(auto alice_group, mls::Group::create(suite, crypto::random_bytes(16),
                                                      std::move(alice_signer), {}, config));
  ZTM_TRY_ASSIGN(auto alice_media, media());
  Participant alice{"alice", std::move(alice_group), std::move(alice_media)};
  out << "  alice creates the group (epoch 0) and leads it\n";

  // bob, carol and dave join with one Commit and one Welcome.
  const std::vector<std::string> joiners{"bob", "carol", "dave"};
  std::vector<mls::KeyPackageBundle> packages;
  mls::CommitOptions add;
  for (const auto& name : joiners) {
    ZTM_TRY_ASSIGN(auto s, signer(name));
    ZTM_TRY_ASSIGN(auto kp, mls::create_key_package(suite, std::move(s)));
    add.by_value.push_back(mls::Proposal{mls::Add{kp.key_package}});
    packages.push_back(std::move(kp));
  }
  ZTM_TRY_ASSIGN(auto added, alice.group.commit(add));
  alice.group = *added.next;
  std::vector<Participant> others;
  for (std::size_t i = 0; i < packages.size(); ++i) {
    ZTM_TRY_ASSIGN(auto g, mls::Group::join(std::get<mls::Welcome>(added.welcome->value),
                                            packages[i], config));
    ZTM_TRY_ASSIGN(auto m, media());
    others.push_back({joiners[i], std::move(g), std::move(m)});
  }
  Participant& bob = others[0];
  Participant& carol = others[1];
  Participant& dave = others[2];
  out << "  bob, carol and dave join with one Commit (" << added.commit.encode().size()
      << " B) and one Welcome (" << added.welcome->encode().size() << " B)\n";

  std::vector<Participant*> everyone{&alice, &bob, &carol, &dave};
  for (Participant* p : everyone) {
    if (!equal(p->group.epoch_authenticator(), alice.group.epoch_authenticator())) {
      return fail(Errc::protocol_violation, p->name + " disagrees on the epoch authenticator");
    }
    ZTM_TRY(install_epoch(*p, now));
  }
  out << "  epoch " << alice.group.epoch() << ": all 4 agree, epoch authenticator "
      << short_hex(alice.group.epoch_authenticator()) << "…; roster from the MLS tree:";
  for (const auto& m : alice.group.members()) {
    const auto& id = std::get<mls::BasicCredential>(m.leaf_node->credential.value).identity;
    out << " " << std::string(id.begin(), id.end()) << "@leaf" << m.leaf.value;
  }
  out << "\n";
  ZTM_TRY(send_audio(alice, {&bob, &carol, &dave}, {}, 50, now, out));
  ZTM_TRY(send_audio(carol, {&alice, &bob, &dave}, {}, 50, now, out));

  // dave leaves: alice commits a Remove with a path, so the new key reaches only
  // those who remain.
  ZTM_TRY_ASSIGN(auto removed, alice.group.commit([&] {
    mls::CommitOptions o;
    o.by_value.push_back(mls::Proposal{mls::Remove{dave.group.own_leaf().value}});
    return o;
  }()));
  alice.group = *removed.next;
  for (Participant* p : {&bob, &carol}) {
    ZTM_TRY_ASSIGN(auto processed, p->group.process(removed.commit));
    p->group = *processed.next;
  }
  ZTM_TRY_ASSIGN(auto at_dave, dave.group.process(removed.commit));
  if (!at_dave.removed_self) return fail(Errc::protocol_violation, "dave did not see his removal");
  for (Participant* p : {&alice, &bob, &carol}) ZTM_TRY(install_epoch(*p, now));
  out << "  dave leaves: Remove commit with UpdatePath (" << removed.commit.encode().size()
      << " B); epoch " << alice.group.epoch() << ", authenticator "
      << short_hex(alice.group.epoch_authenticator()) << "…\n";
  ZTM_TRY(send_audio(bob, {&alice, &carol}, {&dave}, 50, now, out));

  // At meeting end every key is erased.
  for (Participant* p : everyone) p->media.clear();
  out << "  meeting ends: every SFrame key erased (" << alice.media.key_count()
      << " keys left at alice)\n";
  return ok();
}

}  // namespace

Result<void> run_tour(const TourOptions& options, std::ostream& out) {
  out << "ztmeet demo — what runs today, each claim checked as it is printed.\n"
      << "(The networked meeting — service, clients, real audio over SRTP — is not built yet;\n"
      << " see README.md for the state of each part.)\n";
  ZTM_TRY(run_vectors(options.vectors_dir, out));
  ZTM_TRY(rehearse_meeting(out));
  out << "\nAll checks held.\n";
  return ok();
}

}  // namespace ztm::demo
