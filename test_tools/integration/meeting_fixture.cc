// The integration tests' fixture (meeting_fixture.h).
#include "meeting_fixture.h"

#include <sstream>
#include <thread>

#include "ztm/identity/enrollment.h"
#include "ztm/media/frame.h"

namespace ztm_integration {

std::string ztmeet_binary() {
  return (std::filesystem::path(ZTM_BINARY_DIR) / "apps" / "ztmeet" / "ztmeet").string();
}

void MeetingFixture::SetUp() {
  std::filesystem::create_directories(dir_.path() / "tls");
  pki_ = ztm_test::make_test_pki(dir_.path() / "tls");
  org_ = std::make_unique<ztm_test::Ca>(
      ztm_test::make_root(ztm_test::ca_spec("Example Corp Identity CA", "Example Corp")));
  provider_ =
      std::make_unique<ztm_test::Ca>(ztm_test::make_root(ztm_test::ca_spec("ztmeet Provider CA")));
  ztm_test::write_text((dir_.path() / "org.pem").string(), org_->cert.pem());
  ztm_test::write_text((dir_.path() / "provider.pem").string(), provider_->cert.pem());
}

void MeetingFixture::TearDown() {
  // Stop every process first (clients leave cleanly on SIGTERM), then look for what a
  // sanitizer build of them reported: a report in any child fails the test.
  clients_.clear();
  if (relay_) relay_->stop();
  if (service_) service_->stop();
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    if (entry.path().extension() != ".log") continue;
    const auto text = ztm_test::read_text(entry.path());
    for (const char* marker :
         {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"}) {
      const auto at = text.find(marker);
      EXPECT_EQ(at, std::string::npos)
          << entry.path().filename() << ": " << text.substr(at == std::string::npos ? 0 : at, 2000);
    }
  }
  // On failure, the logs say what each process saw.
  if (HasFailure()) {
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      if (entry.path().extension() != ".log") continue;
      const auto text = ztm_test::read_text(entry.path());
      std::cerr << "---- " << entry.path().filename().string() << " (tail)\n"
                << text.substr(text.size() > 4000 ? text.size() - 4000 : 0) << "\n";
    }
  }
}

std::filesystem::path MeetingFixture::make_identity(const std::string& name, const std::string& san,
                                                    bool device, bool provider) {
  const auto out = dir_.path() / "id" / name;
  std::filesystem::create_directories(out);
  auto key =
      ztm::crypto::SignaturePrivateKey::generate(ztm::crypto::SignatureScheme::ed25519).value();
  auto leaf = ztm_test::issue(
      ztm_test::leaf_spec({device ? ztm_test::SanEntry::dns : ztm_test::SanEntry::email, san}),
      key.evp_pkey(), provider ? provider_.get() : org_.get());
  EXPECT_TRUE(ztm::identity::write_private_key_pem(key, out / "signature-key.pem").has_value());
  ztm_test::write_text((out / "chain.pem").string(), leaf.pem());
  sans_[name] = san;
  return out;
}

std::vector<std::string> MeetingFixture::anchors() const {
  return {"org:Example Corp:example.test:" + (dir_.path() / "org.pem").string(),
          "provider:" + (dir_.path() / "provider.pem").string()};
}

void MeetingFixture::make_members(const std::vector<std::string>& names) {
  for (const auto& n : names) make_identity(n, n + "@example.test", false, false);
}

std::map<std::string, json> MeetingFixture::start_meeting(const std::vector<std::string>& names,
                                                          std::vector<std::string> extra_args) {
  start_service(std::move(extra_args));
  if (HasFatalFailure() || names.empty()) return {};
  join(names.front());
  if (!client(names.front()).wait_for("joined", nullptr, kTimeout)) {
    ADD_FAILURE() << names.front() << " did not join\n" << log_text(names.front());
    return {};
  }
  std::set<std::string> identities;
  for (const auto& n : names) {
    if (n != names.front()) join(n);
    identities.insert(identity_of(n));
  }
  return wait_group(names, identities);
}

void MeetingFixture::start_service(std::vector<std::string> extra_args) {
  ztm::demo::ServiceOptions o;
  o.ztmeet = ztmeet_binary();
  o.data_dir = dir_.path() / "service";
  o.tls_cert = pki_.leaf_cert;
  o.tls_key = pki_.leaf_key;
  o.log_file = dir_.path() / "service.log";
  o.extra_args = std::move(extra_args);
  auto s = ztm::demo::ServiceProcess::start(o);
  ASSERT_TRUE(s.has_value()) << s.error().what() << "\n" << ztm_test::read_text(o.log_file);
  service_.emplace(std::move(*s));
}

void MeetingFixture::start_hostile_relay(const std::string& mode, int victim_connection) {
  const auto port = ztm::demo::free_port();
  const auto log = dir_.path() / "relay.log";
  auto p = ztm::demo::Process::spawn(
      {(std::filesystem::path(ZTM_BINARY_DIR) / "test_tools" / "integration" / "ztm_hostile_relay")
           .string(),
       {"--port", std::to_string(port), "--cert", pki_.leaf_cert.string(), "--key",
        pki_.leaf_key.string(), "--upstream", service_->url(), "--upstream-ca",
        pki_.ca_cert.string(), "--mode", mode, "--victim", std::to_string(victim_connection)},
       {},
       log,
       true,
       false});
  ASSERT_TRUE(p.has_value()) << p.error().what();
  relay_.emplace(std::move(*p));
  // It prints one line once it listens.
  ASSERT_TRUE(relay_->read_line(kTimeout).has_value()) << ztm_test::read_text(log);
  relay_url_ = "wss://127.0.0.1:" + std::to_string(port) + "/v1/meetings";
}

ztm::demo::Participant& MeetingFixture::join(const std::string& name,
                                             std::vector<std::string> extra_args, bool video) {
  ztm::demo::ParticipantOptions o;
  o.ztmeet = ztmeet_binary();
  o.name = name;
  o.service_url = relay_url_.empty() ? service_->url() : relay_url_;
  o.service_ca = pki_.ca_cert.string();
  o.meeting = meeting_;
  o.identity_dir = dir_.path() / "id" / name;
  o.anchors = anchors();
  o.record_dir = dir_.path() / "rec" / name;
  o.log_file = dir_.path() / (name + ".log");
  o.tone_hz = 300 + 100.0 * static_cast<double>(clients_.size());
  o.video = video;
  o.extra_args = {"--status-interval-ms", "200"};
  o.extra_args.insert(o.extra_args.end(), extra_args.begin(), extra_args.end());
  auto p = ztm::demo::Participant::start(o);
  EXPECT_TRUE(p.has_value()) << p.error().what();
  clients_[name] = std::make_unique<ztm::demo::Participant>(std::move(*p));
  return *clients_[name];
}

std::map<std::string, json> MeetingFixture::wait_group(const std::vector<std::string>& names,
                                                       const std::set<std::string>& identities,
                                                       std::uint64_t min_epoch) {
  std::vector<ztm::demo::Participant*> who;
  for (const auto& n : names) who.push_back(&client(n));
  auto views = ztm::demo::wait_converged(
      who,
      [&](const json& s) {
        if (s.value("security_code", "").empty() || s.value("epoch", 0ull) < min_epoch)
          return false;
        std::set<std::string> ids;
        for (const auto& m : s["participants"]) ids.insert(m.value("identity", ""));
        return ids == identities;
      },
      kTimeout);
  EXPECT_TRUE(views.has_value()) << "the clients never agreed on the expected group";
  return views.value_or(std::map<std::string, json>{});
}

std::uint64_t MeetingFixture::frames_from(const std::string& listener,
                                          const std::string& identity) {
  auto& c = client(listener);
  c.poll();
  auto s = c.latest("status");
  if (!s) return 0;
  for (const auto& m : (*s)["participants"]) {
    if (m.value("identity", "") == identity) {
      return m["audio_received"].value("frames", 0ull) + m["video_received"].value("frames", 0ull);
    }
  }
  return 0;
}

bool MeetingFixture::wait_frames_from(const std::string& listener, const std::string& identity,
                                      std::uint64_t above) {
  auto st = client(listener).wait_for(
      "status",
      [&](const json& s) {
        for (const auto& m : s["participants"]) {
          if (m.value("identity", "") == identity) {
            return m["audio_received"].value("frames", 0ull) +
                       m["video_received"].value("frames", 0ull) >
                   above;
          }
        }
        return false;
      },
      kTimeout);
  return st.has_value();
}

json MeetingFixture::leave(const std::string& name) {
  auto& c = client(name);
  EXPECT_TRUE(c.command("leave").has_value());
  auto summary = c.finish(kTimeout);
  EXPECT_TRUE(summary.has_value()) << name << " wrote no summary";
  return summary.value_or(json::object());
}

ztm::media::FrameLog MeetingFixture::read_log(const std::string& name, const std::string& which) {
  auto bytes = ztm::media::read_file((dir_.path() / "rec" / name / (which + ".framelog")).string());
  EXPECT_TRUE(bytes.has_value()) << name << " " << which;
  if (!bytes) return {};
  auto log = ztm::media::FrameLog::parse(std::string(bytes->begin(), bytes->end()));
  EXPECT_TRUE(log.has_value());
  return log ? std::move(*log) : ztm::media::FrameLog{};
}

std::vector<MeetingFixture::EpochRecord> MeetingFixture::read_epochs(const std::string& name,
                                                                     const std::string& which) {
  std::istringstream in(ztm_test::read_text(dir_.path() / "rec" / name / (which + ".epochs")));
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "ztm-epochlog 1") << name << " " << which;
  std::vector<EpochRecord> out;
  EpochRecord r;
  while (in >> r.sender >> r.kind >> r.rtp_timestamp >> r.epoch) out.push_back(r);
  return out;
}

std::string MeetingFixture::log_text(const std::string& name) {
  return ztm_test::read_text(dir_.path() / (name + ".log"));
}

}  // namespace ztm_integration
