// MeetingFixture: a throwaway PKI (an organization CA and a provider CA made with
// the certificate factory, a TLS certificate for 127.0.0.1), a real `ztmeet server`
// process and real `ztmeet join` processes, for the integration tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ztm/demo/participant.h"
#include "ztm/demo/service.h"
#include "ztm/media/frame_log.h"
#include "ztm_test/cert_factory.h"
#include "ztm_test/process.h"
#include "ztm_test/test_pki.h"

namespace ztm_integration {

using json = nlohmann::json;
using std::chrono::milliseconds;
inline constexpr milliseconds kTimeout{30000};

std::string ztmeet_binary();

class MeetingFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // make_user / make_device / make_guest write an identity directory (the layout of
  // `ztmeet enroll`) for an email under the organization CA, a device name under it,
  // or an email under the provider CA.
  std::filesystem::path make_identity(const std::string& name, const std::string& san, bool device,
                                      bool provider);
  std::vector<std::string> anchors() const;
  // make_members writes a verified user identity <name>@example.test for each name.
  void make_members(const std::vector<std::string>& names);

  // start_meeting starts the service (with extra_args) and joins `names` in order: the
  // first creates the meeting and is waited for until it has joined, then the others
  // join and everyone waits until all show the same group of all of them
  // (wait_group). Returns their status events, empty (with a test failure) if the
  // service did not start or the group did not form.
  std::map<std::string, json> start_meeting(const std::vector<std::string>& names,
                                            std::vector<std::string> extra_args = {});

  void start_service(std::vector<std::string> extra_args = {});
  // start_hostile_relay puts the hostile service (hostile_relay.cc) in front of the
  // real one; clients started afterwards connect through it.
  void start_hostile_relay(const std::string& mode, int victim_connection);
  // join starts `ztmeet join` for an identity made before.
  ztm::demo::Participant& join(const std::string& name, std::vector<std::string> extra_args = {},
                               bool video = false);
  ztm::demo::Participant& client(const std::string& name) { return *clients_.at(name); }

  // wait_group waits until each named client shows exactly the given identities and a
  // security code at an epoch >= min_epoch, and returns their status events.
  std::map<std::string, json> wait_group(const std::vector<std::string>& names,
                                         const std::set<std::string>& identities,
                                         std::uint64_t min_epoch = 0);
  // frames_from: how many frames `listener` decrypted from the member showing `identity`.
  std::uint64_t frames_from(const std::string& listener, const std::string& identity);
  // wait_frames_from waits until listener decrypted more than `above` frames from identity.
  bool wait_frames_from(const std::string& listener, const std::string& identity,
                        std::uint64_t above);
  // leave tells a client to leave and returns its summary.
  json leave(const std::string& name);
  ztm::media::FrameLog read_log(const std::string& name, const std::string& which);
  // EpochRecord is one line of sent.epochs / received.epochs: the MLS epoch a frame
  // was sent or decrypted under.
  struct EpochRecord {
    std::uint32_t sender = 0;
    std::string kind;
    std::uint32_t rtp_timestamp = 0;
    std::uint64_t epoch = 0;
  };
  std::vector<EpochRecord> read_epochs(const std::string& name, const std::string& which);

  std::string log_text(const std::string& name);
  std::string identity_of(const std::string& name) const { return sans_.at(name); }

  ztm_test::TempDir dir_{"ztm-integration"};
  ztm_test::TestPki pki_;
  std::unique_ptr<ztm_test::Ca> org_;
  std::unique_ptr<ztm_test::Ca> provider_;
  std::optional<ztm::demo::ServiceProcess> service_;
  std::map<std::string, std::unique_ptr<ztm::demo::Participant>> clients_;
  std::map<std::string, std::string> sans_;
  std::string meeting_ = "itest";
  std::optional<ztm::demo::Process> relay_;
  std::string relay_url_;
};

}  // namespace ztm_integration
