// The service holds no end-to-end key, checked in its memory: while a real meeting
// runs through a real `ztmeet server` (audio and video, a join and a leave, so
// several epochs), the members log their SFrame base keys (`ztmeet join --keylog`),
// and the test searches the service process's whole readable memory for every one of
// them and for every key and salt derived from them (RFC 9605 §4.4.2, per KID of
// §5.2). As a control, the same search in a member's process finds its keys, so a
// key in the service's memory would be found.
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "meeting_fixture.h"
#include "process_memory.h"
#include "ztm/media/sender.h"
#include "ztm/sframe/key_derivation.h"
#include "ztm/sframe/mls_context.h"

namespace ztm_integration {
namespace {

struct LoggedKey {
  std::uint64_t epoch = 0;
  std::uint32_t leaf_count = 0;
  ztm::Bytes base_key;
};

// read_key_log parses the lines `ztmeet join --keylog` writes (docs/client.md).
std::vector<LoggedKey> read_key_log(const std::filesystem::path& path) {
  std::vector<LoggedKey> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string tag, meeting, hex;
    LoggedKey k;
    fields >> tag >> meeting >> k.epoch >> k.leaf_count >> hex;
    EXPECT_EQ(tag, "ZTMEET_SFRAME_BASE_KEY") << line;
    auto bytes = ztm::from_hex(hex);
    EXPECT_TRUE(bytes.has_value()) << line;
    if (bytes) k.base_key = *bytes;
    out.push_back(std::move(k));
  }
  return out;
}

// needles_for: the base key, then the key and salt of every KID a member of this
// epoch can send under (every sender index, the audio and video context ids).
std::vector<ztm::Bytes> needles_for(const LoggedKey& k) {
  std::vector<ztm::Bytes> out{k.base_key};
  const auto suite = ztm::sframe::CipherSuite::aes_128_gcm_sha256_128;
  const ztm::SecretBytes base(k.base_key);
  const unsigned sender_bits = ztm::sframe::mls_sender_bits(k.leaf_count);
  for (std::uint32_t sender = 0; sender < k.leaf_count; ++sender) {
    for (std::uint64_t context : {ztm::media::kAudioContextId, ztm::media::kVideoContextId}) {
      auto kid = ztm::sframe::mls_kid(4, sender_bits, k.epoch, sender, context);
      EXPECT_TRUE(kid.has_value());
      if (!kid) continue;
      auto derived = ztm::sframe::derive_key_salt(suite, *kid, base);
      EXPECT_TRUE(derived.has_value());
      if (!derived) continue;
      out.emplace_back(derived->key.expose().begin(), derived->key.expose().end());
      out.emplace_back(derived->salt.expose().begin(), derived->salt.expose().end());
    }
  }
  return out;
}

class ServiceMemory : public MeetingFixture {};

TEST_F(ServiceMemory, HoldsNoMediaKeyOfAnyEpoch) {
  make_members({"alice", "bob", "carol"});
  start_service();
  auto keylog = [&](const std::string& name) { return dir_.path() / (name + ".keys"); };
  auto join_logging = [&](const std::string& name, bool video) -> ztm::demo::Participant& {
    return join(name, {"--keylog", keylog(name).string()}, video);
  };
  join_logging("alice", /*video=*/true);
  ASSERT_TRUE(client("alice").wait_for("joined", nullptr, kTimeout)) << log_text("alice");
  join_logging("bob", false);
  auto two = wait_group({"alice", "bob"}, {"alice@example.test", "bob@example.test"});
  ASSERT_EQ(two.size(), 2u);
  ASSERT_TRUE(wait_frames_from("bob", "alice@example.test", 50));
  // A join and a leave: epochs with Adds and one with a Remove (a new path).
  join_logging("carol", false);
  auto three = wait_group({"alice", "bob", "carol"},
                          {"alice@example.test", "bob@example.test", "carol@example.test"});
  ASSERT_EQ(three.size(), 3u);
  ASSERT_TRUE(wait_frames_from("carol", "alice@example.test", 50));
  const std::uint64_t epoch_with_carol = three["alice"].value("epoch", 0ull);
  leave("carol");
  auto after = wait_group({"alice", "bob"}, {"alice@example.test", "bob@example.test"},
                          epoch_with_carol + 1);
  ASSERT_EQ(after.size(), 2u);
  const auto from_alice = frames_from("bob", "alice@example.test");
  ASSERT_TRUE(wait_frames_from("bob", "alice@example.test", from_alice + 50));

  // The key logs: 0600, and every member logged the same key for an epoch.
  std::map<std::uint64_t, LoggedKey> epochs;
  for (const std::string name : {"alice", "bob", "carol"}) {
    struct stat st {};
    ASSERT_EQ(stat(keylog(name).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
    for (auto& k : read_key_log(keylog(name))) {
      auto [it, fresh] = epochs.emplace(k.epoch, k);
      if (!fresh) {
        EXPECT_EQ(it->second.base_key, k.base_key) << name << " epoch " << k.epoch;
      }
    }
  }
  ASSERT_GE(epochs.size(), 3u) << "a meeting with a join and a leave has at least 3 epochs";
  const std::uint64_t current = after["alice"].value("epoch", 0ull);
  ASSERT_TRUE(epochs.count(current));

  std::vector<ztm::Bytes> needles;
  std::vector<std::string> names;
  for (const auto& [epoch, k] : epochs) {
    auto n = needles_for(k);
    for (std::size_t i = 0; i < n.size(); ++i) {
      names.push_back("epoch " + std::to_string(epoch) +
                      (i == 0 ? " base key" : (i % 2 == 1 ? " KID key" : " KID salt")));
    }
    needles.insert(needles.end(), n.begin(), n.end());
  }

  // The control: a member's memory holds the current epoch's keys.
  const auto current_needles = needles_for(epochs.at(current));
  const auto member = scan_process_memory(client("alice").process().pid(), current_needles);
  ASSERT_TRUE(member.error.empty()) << member.error;
  std::size_t found_in_member = 0;
  for (auto h : member.hits) found_in_member += h;
  EXPECT_GT(found_in_member, 0u) << "the scan must find a member's own keys";

  // The service: none of them, in any epoch.
  ASSERT_TRUE(service_->running());
  const auto service = scan_process_memory(service_->pid(), needles);
  ASSERT_TRUE(service.error.empty()) << service.error;
  EXPECT_GT(service.bytes_scanned, std::size_t{1} << 20);
  for (std::size_t i = 0; i < needles.size(); ++i) {
    EXPECT_EQ(service.hits[i], 0u) << "the service's memory holds the " << names[i];
  }
  RecordProperty("needles", static_cast<int>(needles.size()));
  RecordProperty("service_bytes_scanned", static_cast<int>(service.bytes_scanned >> 10));
  std::printf(
      "searched %zu keys and salts of %zu epochs in %zu KiB of the service (%zu regions, "
      "%zu KiB skipped); a member's memory held its current keys %zu times\n",
      needles.size(), epochs.size(), service.bytes_scanned >> 10, service.regions,
      service.bytes_skipped >> 10, found_in_member);
  leave("alice");
  leave("bob");
}

}  // namespace
}  // namespace ztm_integration
