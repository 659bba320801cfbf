// `ztmeet demo`: a whole meeting on loopback, every party its own process
// (ztm/demo/network_demo.h). Each claim printed is checked; the run fails if one
// does not hold.
#include "ztm/demo/network_demo.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ztm/demo/authorities.h"
#include "ztm/demo/participant.h"
#include "ztm/demo/process.h"
#include "ztm/demo/service.h"
#include "ztm/media/frame.h"
#include "ztm/media/frame_log.h"

namespace ztm::demo {
namespace {

using std::chrono::milliseconds;
using json = nlohmann::json;
constexpr milliseconds kStepTimeout{30000};

// Checks collects every claim and whether it held.
class Checks {
 public:
  explicit Checks(std::ostream& out) : out_(out) {}
  bool check(bool held, const std::string& claim) {
    out_ << (held ? "  [ok]   " : "  [FAIL] ") << claim << "\n" << std::flush;
    results_.emplace_back(held, claim);
    return held;
  }
  std::size_t failed() const {
    return static_cast<std::size_t>(
        std::count_if(results_.begin(), results_.end(), [](const auto& r) { return !r.first; }));
  }
  std::size_t total() const { return results_.size(); }

 private:
  std::ostream& out_;
  std::vector<std::pair<bool, std::string>> results_;
};

void heading(std::ostream& out, const std::string& title) {
  out << "\n== " << title << " ==\n" << std::flush;
}

// A participant of the demo: who it is, its process, and its files.
struct Person {
  std::string name;
  std::string identity;  // what its certificate says
  std::string kind;      // "SSO user", "device", "guest"
  std::filesystem::path identity_dir;
  std::filesystem::path record_dir;
  double tone_hz = 440;
  bool video = false;
  std::unique_ptr<Participant> client;
  std::optional<json> summary;
  std::vector<std::string> extra_anchors;  // only the service's own listener has one
};

std::string short_code(const std::string& code) {
  return code.empty() ? "(none)" : code;
}

// status_of returns the participant's latest status event (polling first).
std::optional<json> status_of(Person& p) {
  p.client->poll();
  return p.client->latest("status");
}

// wait_for_group waits until every person in `who` shows exactly `expected` (by
// identity) as the group, all at one epoch with one security code; returns each one's
// status.
std::optional<std::map<std::string, json>> wait_for_group(std::vector<Person*> who,
                                                          const std::set<std::string>& expected,
                                                          std::optional<std::uint64_t> min_epoch) {
  std::vector<Participant*> clients;
  for (auto* p : who) clients.push_back(p->client.get());
  return wait_converged(
      clients,
      [&](const json& s) {
        if (s.value("security_code", "").empty()) return false;
        if (min_epoch && s.value("epoch", 0ull) < *min_epoch) return false;
        std::set<std::string> ids;
        for (const auto& m : s["participants"]) ids.insert(m.value("identity", ""));
        return ids == expected;
      },
      kStepTimeout);
}

void print_view(std::ostream& out, const Person& p, const json& s) {
  out << "  " << p.name << " sees (epoch " << s.value("epoch", 0) << ", code "
      << short_code(s.value("security_code", "")) << ", shield " << s.value("shield", "") << "):\n";
  for (const auto& m : s["participants"]) {
    std::string line = "      " + std::string(m.value("leader", false) ? "L " : "  ") +
                       m.value("identity", "") + "  " + m.value("status", "");
    if (!m.value("organization", "").empty()) line += " (" + m.value("organization", "") + ")";
    if (m.value("self", false)) line += "  <- me";
    out << line << "\n";
  }
}

bool codes_equal(const std::map<std::string, json>& views, std::string* code,
                 std::uint64_t* epoch) {
  std::set<std::string> codes;
  std::set<std::uint64_t> epochs;
  for (const auto& [name, s] : views) {
    codes.insert(s.value("security_code", ""));
    epochs.insert(s.value("epoch", 0ull));
  }
  if (code) *code = codes.empty() ? "" : *codes.begin();
  if (epoch) *epoch = epochs.empty() ? 0 : *epochs.begin();
  return codes.size() == 1 && epochs.size() == 1 && !codes.begin()->empty();
}

// talk lets media flow for a while, then checks that every listener decrypted frames
// from every speaker in `speakers` during that time.
void talk(std::ostream& out, Checks& checks, std::vector<Person*> group, double seconds) {
  auto frames_from = [](Person& listener, const std::string& speaker_identity) -> std::uint64_t {
    auto s = status_of(listener);
    if (!s) return 0;
    for (const auto& m : (*s)["participants"]) {
      if (m.value("identity", "") == speaker_identity) {
        return m["audio_received"].value("frames", 0ull) +
               m["video_received"].value("frames", 0ull);
      }
    }
    return 0;
  };
  std::map<std::pair<std::string, std::string>, std::uint64_t> before;
  for (auto* l : group) {
    for (auto* s : group) {
      if (l != s) before[{l->name, s->name}] = frames_from(*l, s->identity);
    }
  }
  out << "  (everyone talks for " << seconds << " s: "
      << "each sends an Opus tone";
  for (auto* p : group) {
    if (p->video) out << ", " << p->name << " also sends VP8 video";
  }
  out << ")\n" << std::flush;
  std::this_thread::sleep_for(milliseconds(static_cast<int>(seconds * 1000)));
  // A status event comes every 250 ms; read up to the newest.
  for (auto* l : group) l->client->wait_for("status", nullptr, milliseconds(1000));
  std::size_t pairs = 0, flowing = 0;
  std::string missing;
  for (auto* l : group) {
    for (auto* s : group) {
      if (l == s) continue;
      ++pairs;
      if (frames_from(*l, s->identity) > before[{l->name, s->name}]) {
        ++flowing;
      } else {
        missing += " " + l->name + "<-" + s->name;
      }
    }
  }
  checks.check(flowing == pairs, "every participant decrypted new media from every other (" +
                                     std::to_string(flowing) + "/" + std::to_string(pairs) +
                                     " pairs" + (missing.empty() ? "" : "; missing:" + missing) +
                                     ")");
}

Result<Person*> start_person(Person& p, const ServiceProcess& service,
                             const DemoAuthorities& authorities, const NetworkDemoOptions& options,
                             const std::filesystem::path& work, const std::string& meeting) {
  ParticipantOptions po;
  po.ztmeet = options.ztmeet;
  po.name = p.name;
  po.service_url = service.url();
  po.service_ca = authorities.tls().ca_cert.string();
  po.meeting = meeting;
  po.identity_dir = p.identity_dir;
  po.anchors = authorities.anchors();
  po.anchors.insert(po.anchors.end(), p.extra_anchors.begin(), p.extra_anchors.end());
  po.record_dir = p.record_dir;
  po.log_file = work / (p.name + ".log");
  po.tone_hz = p.tone_hz;
  po.video = p.video;
  po.extra_args = {"--status-interval-ms", "250"};
  ZTM_TRY_ASSIGN(Participant client, Participant::start(po));
  p.client = std::make_unique<Participant>(std::move(client));
  return &p;
}

// read_epochs reads a client's sent.epochs / received.epochs: the MLS epoch of every
// frame it sent or decrypted.
std::vector<std::uint64_t> read_epochs(const std::filesystem::path& file) {
  std::vector<std::uint64_t> epochs;
  auto bytes = media::read_file(file.string());
  if (!bytes) return epochs;
  std::istringstream in(std::string(bytes->begin(), bytes->end()));
  std::string header;
  std::getline(in, header);
  std::uint32_t sender = 0, ts = 0;
  std::string kind;
  std::uint64_t epoch = 0;
  while (in >> sender >> kind >> ts >> epoch) epochs.push_back(epoch);
  return epochs;
}

std::string make_work_dir(const NetworkDemoOptions& options) {
  if (!options.work_dir.empty()) {
    std::filesystem::create_directories(options.work_dir);
    return options.work_dir.string();
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "ztmeet-demo-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return "/tmp/ztmeet-demo";
  return tmpl;
}

}  // namespace

Result<void> run_network_demo(const NetworkDemoOptions& options_in, std::ostream& out) {
  auto options = options_in;
  if (options.ztmeet.empty()) options.ztmeet = self_executable();
  if (!std::filesystem::exists(options.source_dir / "test_tools/peers/oidc_provider.mjs")) {
    // Run from elsewhere than the repository: find it from the binary
    // (<repo>/build/<preset>/apps/ztmeet/ztmeet).
    const auto repo = std::filesystem::path(options.ztmeet).parent_path() / "../../../..";
    if (std::filesystem::exists(repo / "test_tools/peers/oidc_provider.mjs")) {
      options.source_dir = std::filesystem::weakly_canonical(repo);
    }
  }
  const std::filesystem::path work = make_work_dir(options);
  Checks checks(out);
  const auto started = std::chrono::steady_clock::now();

  out << "ztmeet demo: a real end-to-end encrypted meeting on this machine.\n"
         "Every party below is a separate process talking over loopback sockets, as\n"
         "separate machines would over a network. Logs and recordings: "
      << work.string() << "\n";

  // ---------------------------------------------------------------- identities
  heading(out, "1. Who vouches for whom");
  out << "  An organization (Example Corp) runs its own identity provider (OIDC) and\n"
         "  its own ACME CA; the meeting provider runs another CA that only says\n"
         "  \"this person has an account with us\". Clients trust both, for different\n"
         "  things: the organization's CA makes identities *verified*.\n";
  AuthoritiesOptions ao;
  ao.work_dir = work / "authorities";
  ao.ztmeet = options.ztmeet;
  ao.source_dir = options.source_dir;
  ao.progress = [&](const std::string& line) {
    out << "  started: " << line << "\n" << std::flush;
  };
  ZTM_TRY_ASSIGN(auto authorities, DemoAuthorities::start(ao));

  std::vector<Person> people(5);
  people[0] = {
      "alice", "alice@example.test", "SSO user", work / "id/alice", work / "rec/alice", 330, false,
      nullptr, std::nullopt,         {}};
  people[1] = {
      "bob",   "bob@example.test", "SSO user", work / "id/bob", work / "rec/bob", 440, false,
      nullptr, std::nullopt,       {}};
  people[2] = {
      "room",  "room-1.example.test", "device", work / "id/room", work / "rec/room", 550, true,
      nullptr, std::nullopt,          {}};
  people[3] = {
      "guest", "guest@partner.test", "guest", work / "id/guest", work / "rec/guest", 660, false,
      nullptr, std::nullopt,         {}};
  people[4] = {
      "carol", "carol@example.test", "SSO user", work / "id/carol", work / "rec/carol", 770, false,
      nullptr, std::nullopt,         {}};
  auto& alice = people[0];
  auto& bob = people[1];
  auto& room = people[2];
  auto& guest = people[3];
  auto& carol = people[4];
  out << "  Each participant runs `ztmeet enroll`: a fresh MLS signature key, certified over\n"
         "  ACME (RFC 8555) by the CA that can vouch for it:\n";
  for (auto& p : people) {
    Result<void> r;
    if (p.kind == "SSO user") {
      r = authorities->enroll_sso(p.identity, p.identity_dir);
      out << "    " << p.name << ": " << p.identity
          << " signed in at the IdP (sso-01) -> certificate from Example Corp's CA\n";
    } else if (p.kind == "device") {
      r = authorities->enroll_device(p.identity, p.identity_dir);
      out << "    " << p.name << ": " << p.identity
          << " proved its domain name (http-01) -> certificate from Example Corp's CA\n";
    } else {
      r = authorities->enroll_guest(p.identity, p.identity_dir);
      out << "    " << p.name << ": " << p.identity
          << " has a provider account (provider-01) -> certificate from the provider CA\n";
    }
    if (!checks.check(r.has_value(), p.name + " enrolled" + (r ? "" : ": " + r.error().what()))) {
      return fail(Errc::invalid_state, "enrollment of " + p.name + " failed");
    }
  }

  // ---------------------------------------------------------------- service
  heading(out, "2. The meeting service (untrusted)");
  ServiceOptions so;
  so.ztmeet = options.ztmeet;
  so.data_dir = work / "service";
  so.tls_cert = authorities->tls().leaf_cert;
  so.tls_key = authorities->tls().leaf_key;
  so.log_file = work / "service.log";
  auto service = ServiceProcess::start(so);
  if (!checks.check(service.has_value(),
                    "ztmeet server is up" +
                        (service ? " at " + service->url() : ": " + service.error().what()))) {
    return fail(Errc::invalid_state, "the service did not start: " + service.error().what());
  }
  out << "  It relays signaling (TLS WebSocket) and media (an SFU over ICE/DTLS-SRTP),\n"
         "  but holds no MLS or SFrame key: it cannot read the meeting, nor add anyone.\n";

  // ---------------------------------------------------------------- join
  const std::string meeting = "demo-standup";
  heading(out, "3. Four participants join");
  std::vector<Person*> in_meeting;
  for (auto* p : {&alice, &bob, &room, &guest}) {
    ZTM_TRY(start_person(*p, *service, *authorities, options, work, meeting));
    out << "  started `ztmeet join` for " << p->name << " (" << p->identity << ", " << p->kind
        << (p->video ? ", with video" : "") << ")\n";
    in_meeting.push_back(p);
    // The first one creates the group; waiting for it keeps the story in order.
    if (p == &alice && !alice.client->wait_for("joined", nullptr, kStepTimeout)) {
      return fail(Errc::timeout,
                  "alice did not create the group (see " + (work / "alice.log").string() + ")");
    }
  }
  std::set<std::string> expected;
  for (auto* p : in_meeting) expected.insert(p->identity);
  auto views = wait_for_group(in_meeting, expected, std::nullopt);
  if (!checks.check(views.has_value(), "all four are in one MLS group, each seeing all four")) {
    return fail(Errc::timeout, "the four participants did not converge on one group");
  }
  for (auto* p : in_meeting) print_view(out, *p, views->at(p->name));
  std::string code4;
  std::uint64_t epoch4 = 0;
  const bool same_code4 = codes_equal(*views, &code4, &epoch4);
  checks.check(same_code4,
               "every client shows the same security code (" + code4 + ") at the same epoch");
  {
    // Statuses come from each client's own validation of the MLS credentials.
    bool statuses = true;
    for (const auto& [name, s] : *views) {
      for (const auto& m : s["participants"]) {
        const auto id = m.value("identity", "");
        const auto want = id == guest.identity ? "provider-authenticated" : "verified";
        statuses = statuses && m.value("status", "") == want;
      }
    }
    checks.check(statuses,
                 "users and the device are *verified* (Example Corp); the guest is only "
                 "provider-authenticated");
  }
  talk(out, checks, in_meeting, options.media_seconds);

  // ---------------------------------------------------------------- the service listens in
  heading(out, "4. The service tries to listen in");
  out << "  The service gives a seat to a 'recorder' of its own: a certificate from a CA the\n"
         "  service runs itself. Signaling and the SFU are the service's, so the recorder\n"
         "  gets every media packet of the meeting.\n";
  Person listener{"recorder",
                  "recorder@meeting-service.test",
                  "service's own",
                  work / "id/recorder",
                  work / "rec/recorder",
                  880,
                  false,
                  nullptr,
                  std::nullopt,
                  {"provider:" + authorities->service_ca_pem().string()}};
  {
    auto r = authorities->enroll_service_listener(listener.identity, listener.identity_dir);
    if (!checks.check(r.has_value(), "the service enrolled its recorder with its own CA" +
                                         (r ? "" : ": " + r.error().what()))) {
      return fail(Errc::invalid_state, "the recorder's enrollment failed");
    }
    ZTM_TRY(start_person(listener, *service, *authorities, options, work, meeting));
    auto link = listener.client->wait_for(
        "media_link", [](const json& e) { return e.value("state", "") == "connected"; },
        kStepTimeout);
    checks.check(link.has_value(), "the SFU connected the recorder's media link");
    std::this_thread::sleep_for(milliseconds(static_cast<int>(options.media_seconds * 1000)));
    ZTM_TRY(listener.client->command("leave"));
    listener.summary = listener.client->finish(kStepTimeout);
    const auto failures = listener.summary ? listener.summary->value("decrypt_failures", 0ull) : 0;
    const auto decrypted = listener.summary ? listener.summary->value("frames_decrypted", 1ull) : 1;
    checks.check(listener.summary && failures > 0 && decrypted == 0,
                 "the recorder received " + std::to_string(failures) +
                     " encrypted frames and decrypted none of them (it holds no key)");
    checks.check(!listener.client->wait_for("joined", nullptr, milliseconds(0)).has_value(),
                 "no member admitted it: its certificate chains to no anchor they trust");
    auto still = wait_for_group(in_meeting, expected, std::nullopt);
    std::string code_still;
    const bool same = still && codes_equal(*still, &code_still, nullptr);
    checks.check(same && code_still == code4,
                 "the four members never showed it, and their security code is unchanged");
  }

  // ---------------------------------------------------------------- guest leaves
  heading(out, "5. The guest leaves");
  ZTM_TRY(guest.client->command("leave"));
  guest.summary = guest.client->finish(kStepTimeout);
  in_meeting.erase(std::find(in_meeting.begin(), in_meeting.end(), &guest));
  expected.erase(guest.identity);
  views = wait_for_group(in_meeting, expected, epoch4 + 1);
  if (!checks.check(views.has_value(), "the leader removed the guest; three remain")) {
    return fail(Errc::timeout, "the guest's removal did not complete");
  }
  std::string code3;
  std::uint64_t epoch3 = 0;
  const bool same_code3 = codes_equal(*views, &code3, &epoch3);
  checks.check(same_code3,
               "all three agree on epoch " + std::to_string(epoch3) + " and code " + code3);
  checks.check(code3 == code4, "the security code did not change (someone only left)");
  checks.check(guest.summary && guest.summary->value("keys_erased", false),
               "the guest's client erased its keys when it left");
  talk(out, checks, in_meeting, options.media_seconds);

  // ---------------------------------------------------------------- carol joins
  heading(out, "6. Carol joins");
  ZTM_TRY(start_person(carol, *service, *authorities, options, work, meeting));
  in_meeting.push_back(&carol);
  expected.insert(carol.identity);
  views = wait_for_group(in_meeting, expected, epoch3 + 1);
  if (!checks.check(views.has_value(), "carol was admitted; four in the group")) {
    return fail(Errc::timeout, "carol's join did not complete");
  }
  for (auto* p : in_meeting) print_view(out, *p, views->at(p->name));
  std::string code_join;
  std::uint64_t epoch_join = 0;
  const bool same_code_join = codes_equal(*views, &code_join, &epoch_join);
  checks.check(same_code_join,
               "all four agree on epoch " + std::to_string(epoch_join) + " and code " + code_join);
  checks.check(code_join != code3, "the security code changed (someone joined: compare it aloud)");
  talk(out, checks, in_meeting, options.media_seconds);

  // ---------------------------------------------------------------- leader leaves
  heading(out, "7. The leader (alice) leaves");
  ZTM_TRY(alice.client->command("leave"));
  alice.summary = alice.client->finish(kStepTimeout);
  in_meeting.erase(std::find(in_meeting.begin(), in_meeting.end(), &alice));
  expected.erase(alice.identity);
  views = wait_for_group(in_meeting, expected, epoch_join + 1);
  if (!checks.check(views.has_value(),
                    "the service appointed a new leader, whose first Commit removed alice")) {
    return fail(Errc::timeout, "alice's removal by a new leader did not complete");
  }
  for (auto* p : in_meeting) print_view(out, *p, views->at(p->name));
  std::string code_after;
  std::uint64_t epoch_after = 0;
  const bool same_code_after = codes_equal(*views, &code_after, &epoch_after);
  checks.check(same_code_after, "the three agree on epoch " + std::to_string(epoch_after) +
                                    " and code " + code_after);
  checks.check(code_after == code_join, "the security code did not change (alice only left)");
  {
    std::size_t leaders = 0;
    for (const auto& [name, s] : *views) {
      for (const auto& m : s["participants"]) {
        if (m.value("self", false) && m.value("leader", false)) ++leaders;
      }
    }
    checks.check(leaders == 1, "exactly one remaining client says it is the leader");
  }
  talk(out, checks, in_meeting, options.media_seconds);

  // ---------------------------------------------------------------- end
  heading(out, "8. The meeting ends");
  for (auto* p : in_meeting) ZTM_TRY(p->client->command("leave"));
  for (auto* p : in_meeting) p->summary = p->client->finish(kStepTimeout);
  {
    bool erased = true;
    for (auto& p : people) erased = erased && p.summary && p.summary->value("keys_erased", false);
    checks.check(erased, "every client erased every MLS and SFrame key");
  }
  service->stop();
  authorities->stop();

  // ---------------------------------------------------------------- report
  heading(out, "9. Report: what each client sent and decrypted");
  // Every frame anyone sent, by (sender leaf, kind, RTP timestamp) and hash.
  media::FrameLog all_sent;
  std::map<std::string, media::FrameLog> received;
  for (auto& p : people) {
    auto sent = media::read_file((p.record_dir / "sent.framelog").string());
    auto got = media::read_file((p.record_dir / "received.framelog").string());
    if (!sent || !got) {
      checks.check(false, p.name + " wrote its frame logs");
      continue;
    }
    auto sent_log = media::FrameLog::parse(std::string(sent->begin(), sent->end()));
    auto got_log = media::FrameLog::parse(std::string(got->begin(), got->end()));
    if (!sent_log || !got_log) {
      checks.check(false, p.name + "'s frame logs parse");
      continue;
    }
    // FrameLog has no merge; rebuild records into the combined log's text.
    received.emplace(p.name, std::move(*got_log));
    std::string text = all_sent.serialize();
    const auto extra = sent_log->serialize();
    text += extra.substr(extra.find('\n') + 1);
    auto merged = media::FrameLog::parse(text);
    if (merged) all_sent = std::move(*merged);
  }
  char line[256];
  out << "  (frames: sent by the client; received = complete frames that arrived, including\n"
         "   ones it had no key for; decrypted; of those, identical to what their sender sent,\n"
         "   different, or sent by nobody. SFrame overhead: header + tag per frame.)\n";
  std::snprintf(line, sizeof line, "  %-6s %6s %9s %9s %9s %6s %9s %14s\n", "client", "sent",
                "received", "decrypted", "identical", "differ", "by nobody", "SFrame bytes");
  out << line;
  bool identical = true;
  for (auto& p : people) {
    if (!p.summary) {
      checks.check(false, p.name + " reported a summary");
      continue;
    }
    const auto& s = *p.summary;
    const auto sent_frames =
        s["audio_sent"].value("frames", 0ull) + s["video_sent"].value("frames", 0ull);
    const auto decrypted = s.value("frames_decrypted", 0ull);
    media::FrameLogComparison cmp;
    if (received.count(p.name)) cmp = media::compare(all_sent, received.at(p.name), true);
    const auto& ov = s["sframe_overhead_sent"];
    const auto frames = ov.value("frames", 0ull);
    std::string overhead = frames == 0 ? "-"
                                       : std::to_string(ov.value("min", 0)) + "-" +
                                             std::to_string(ov.value("max", 0)) + " per frame";
    std::snprintf(line, sizeof line, "  %-6s %6llu %9llu %9llu %9zu %6zu %9zu %14s\n",
                  p.name.c_str(), static_cast<unsigned long long>(sent_frames),
                  static_cast<unsigned long long>(s.value("frames_received", 0ull)),
                  static_cast<unsigned long long>(decrypted), cmp.matched, cmp.mismatched,
                  cmp.unexpected, overhead.c_str());
    out << line;
    identical = identical && cmp.byte_identical() && cmp.matched == decrypted;
  }
  checks.check(identical,
               "every decrypted frame is byte-identical to a frame its sender sent "
               "(SHA-256 per frame)");
  {
    // Keys per epoch: the guest decrypted nothing sent after it left, carol nothing
    // sent before she joined, although both received such frames' ciphertext.
    std::uint64_t guest_last = 0;
    for (const auto& e : guest.client->events()) {
      if (e.value("event", "") == "epoch")
        guest_last = std::max<std::uint64_t>(guest_last, e.value("epoch", 0ull));
    }
    std::uint64_t carol_first = 0;
    if (auto j = carol.client->wait_for("joined", nullptr, milliseconds(0))) {
      carol_first = j->value("epoch", 0ull);
    }
    std::size_t after_guest = 0, before_carol = 0;
    for (auto* p : {&alice, &bob, &room}) {
      for (auto e : read_epochs(p->record_dir / "sent.epochs")) {
        after_guest += e > guest_last ? 1 : 0;
        before_carol += e < carol_first ? 1 : 0;
      }
    }
    const auto guest_got = read_epochs(guest.record_dir / "received.epochs");
    const auto carol_got = read_epochs(carol.record_dir / "received.epochs");
    const bool guest_ok =
        std::all_of(guest_got.begin(), guest_got.end(), [&](auto e) { return e <= guest_last; });
    const bool carol_ok =
        std::all_of(carol_got.begin(), carol_got.end(), [&](auto e) { return e >= carol_first; });
    checks.check(guest_ok && after_guest > 0,
                 "the guest decrypted none of the " + std::to_string(after_guest) +
                     " frames sent after it left (epochs > " + std::to_string(guest_last) + ")");
    checks.check(carol_ok && before_carol > 0 && carol_first > 0,
                 "carol decrypted none of the " + std::to_string(before_carol) +
                     " frames sent before she joined (epochs < " + std::to_string(carol_first) +
                     ")");
  }
  const auto elapsed =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  out << "\n"
      << checks.total() - checks.failed() << " of " << checks.total() << " checks held in "
      << elapsed.count() / 1000.0 << " s.\n";
  if (!options.keep_work_dir && checks.failed() == 0) {
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
  }
  if (checks.failed() != 0) {
    return fail(Errc::invalid_state, std::to_string(checks.failed()) +
                                         " checks did not hold (logs in " + work.string() + ")");
  }
  return ok();
}

}  // namespace ztm::demo
