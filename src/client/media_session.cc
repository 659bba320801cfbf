// The client's media pipelines (internal/media_session.h).
#include "internal/media_session.h"

#include <algorithm>
#include <cstring>

#include "ztm/crypto/random.h"
#include "ztm/media/ivf.h"
#include "ztm/media/ogg_opus.h"
#include "ztm/media/opus.h"
#include "ztm/media/vp8.h"
#include "ztm/net/rtcp.h"
#include "ztm/net/rtp.h"

namespace ztm::client::internal {
namespace {

std::uint32_t random_u32() {
  std::uint8_t b[4];
  crypto::random_fill(b);
  std::uint32_t v = 0;
  std::memcpy(&v, b, sizeof v);
  return v;
}

std::uint64_t sum(const media::ErrorCounts& counts) {
  std::uint64_t n = 0;
  for (const auto& [code, count] : counts) n += count;
  return n;
}

void append_epoch_line(std::string& log, std::uint32_t sender, media::MediaKind kind,
                       std::uint32_t rtp_timestamp, std::uint64_t epoch) {
  log += std::to_string(sender);
  log += ' ';
  log += media::media_kind_name(kind);
  log += ' ';
  log += std::to_string(rtp_timestamp);
  log += ' ';
  log += std::to_string(epoch);
  log += '\n';
}

}  // namespace

void PerFrameOverhead::add(std::size_t overhead) {
  min = frames == 0 ? overhead : std::min(min, overhead);
  max = std::max(max, overhead);
  ++frames;
  total += overhead;
}

Result<std::unique_ptr<MediaSession>> MediaSession::create(const MediaOptions& options,
                                                           const std::filesystem::path& record_dir,
                                                           TimePoint now) {
  std::unique_ptr<MediaSession> s(new MediaSession());
  s->options_ = options;
  s->record_dir_ = record_dir;
  // RFC 3550 §5.1: the initial timestamp and sequence number are random, which also
  // keeps two participants that share a leaf index over time apart in the logs.
  if (options.audio) {
    Stream st;
    if (!options.audio_file.empty()) {
      ZTM_TRY_ASSIGN(Bytes file, media::read_file(options.audio_file));
      ZTM_TRY_ASSIGN(st.source, media::OggOpusFileSource::create(std::move(file), random_u32()));
    } else {
      media::OpusToneConfig tone;
      tone.frequency_hz = options.tone_hz;
      tone.first_rtp_timestamp = random_u32();
      ZTM_TRY_ASSIGN(st.source, media::OpusToneSource::create(tone));
    }
    media::StreamConfig config;
    config.kind = media::MediaKind::audio;
    config.ssrc = random_u32();
    config.payload_type = kAudioPayloadType;
    config.sframe_context_id = media::kAudioContextId;
    config.first_sequence_number = static_cast<std::uint16_t>(random_u32());
    ZTM_TRY_ASSIGN(auto sender, media::MediaSender::create(config));
    st.sender.emplace(std::move(sender));
    st.interval = std::chrono::milliseconds(20);
    st.next = now;
    s->audio_.emplace(std::move(st));
  }
  if (options.video) {
    Stream st;
    if (!options.video_file.empty()) {
      ZTM_TRY_ASSIGN(Bytes file, media::read_file(options.video_file));
      ZTM_TRY_ASSIGN(st.source, media::IvfFileSource::create(std::move(file), random_u32()));
    } else {
      media::Vp8Config vp8;
      vp8.width = options.width;
      vp8.height = options.height;
      vp8.fps = options.fps;
      vp8.bitrate_kbps = 300;
      vp8.pattern_seed = options.video_seed;
      vp8.keyframe_interval_frames = options.fps * 3;
      vp8.first_rtp_timestamp = random_u32();
      ZTM_TRY_ASSIGN(st.source, media::Vp8PatternSource::create(vp8));
    }
    media::StreamConfig config;
    config.kind = media::MediaKind::video;
    config.ssrc = random_u32();
    config.payload_type = kVideoPayloadType;
    config.sframe_context_id = media::kVideoContextId;
    config.first_sequence_number = static_cast<std::uint16_t>(random_u32());
    config.dd_extension_id = kDependencyDescriptorId;
    config.width = static_cast<std::uint16_t>(options.width);
    config.height = static_cast<std::uint16_t>(options.height);
    ZTM_TRY_ASSIGN(auto sender, media::MediaSender::create(config));
    st.sender.emplace(std::move(sender));
    const auto fps = std::max(1u, options.fps);
    st.interval = std::chrono::nanoseconds(1'000'000'000 / fps);
    st.next = now;
    s->video_.emplace(std::move(st));
  }
  media::ReceiverConfig rc;
  rc.audio_payload_type = kAudioPayloadType;
  rc.video_payload_type = kVideoPayloadType;
  ZTM_TRY_ASSIGN(auto receiver, media::MediaReceiver::create(rc));
  s->receiver_.emplace(std::move(receiver));
  if (!record_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(record_dir, ec);
    if (ec)
      return fail(Errc::io_error, "cannot create " + record_dir.string() + ": " + ec.message());
    s->recorder_.emplace(record_dir.string());
  }
  s->feedback_ssrc_ = random_u32();
  return s;
}

MediaSession::~MediaSession() = default;

TimePoint MediaSession::next_send_time() const {
  auto t = TimePoint::max();
  if (audio_ && !audio_->ended) t = std::min(t, audio_->next);
  if (video_ && !video_->ended) t = std::min(t, video_->next);
  return t;
}

void MediaSession::send_due(TimePoint now, sframe::MlsContext& keys,
                            std::optional<std::uint32_t> sending_as, const SendPacket& send_rtp) {
  if (audio_) send_stream(*audio_, now, keys, sending_as, send_rtp);
  if (video_) send_stream(*video_, now, keys, sending_as, send_rtp);
}

void MediaSession::send_stream(Stream& st, TimePoint now, sframe::MlsContext& keys,
                               std::optional<std::uint32_t> sending_as,
                               const SendPacket& send_rtp) {
  // Catch up at most a few frames after a stall (a slow machine) rather than bursting.
  int budget = 5;
  while (!st.ended && st.next <= now && budget-- > 0) {
    st.next += st.interval;
    auto more = st.source->next(st.frame);
    if (!more || !*more) {  // a file source at its end (or a broken file): the stream ends
      st.ended = true;
      break;
    }
    if (!sending_as) continue;
    auto sent = st.sender->send_frame(st.frame, keys, st.batch);
    if (!sent) continue;  // e.g. no sending epoch yet: the frame is dropped
    for (std::size_t i = 0; i < st.batch.size(); ++i) send_rtp(st.batch.packet(i));
    st.sent.frames += 1;
    st.sent.bytes += sent->frame_size;
    st.sent.sframe_overhead += sent->sframe_overhead;
    sent_overhead_.add(sent->sframe_overhead);
    sent_log_.record(*sending_as, st.frame.kind, st.frame.rtp_timestamp, st.frame.data);
    append_epoch_line(sent_epochs_, *sending_as, st.frame.kind, st.frame.rtp_timestamp,
                      keys.sending_epoch().value_or(0));
  }
  if (st.next < now) st.next = now;  // dropped the backlog
}

void MediaSession::receive_rtp(ByteView packet, sframe::MlsContext& keys, TimePoint now) {
  (void)receiver_->receive_rtp(packet);  // errors are counted by the receiver
  for (;;) {
    auto frame = receiver_->pop_frame(keys, now);
    if (!frame || !*frame) break;
    const auto& f = **frame;
    auto& c = received_[{f.sender, f.kind}];
    c.frames += 1;
    c.bytes += f.data.size();
    c.sframe_overhead += f.sframe_overhead;
    received_overhead_.add(f.sframe_overhead);
    ++decrypted_total_;
    received_log_.record(f.sender, f.kind, f.rtp_timestamp, f.data);
    append_epoch_line(received_epochs_, f.sender, f.kind, f.rtp_timestamp, f.epoch);
    if (recorder_) (void)recorder_->add(f);
  }
}

void MediaSession::receive_rtcp(ByteView packet) {
  auto compound = net::rtcp::Compound::parse(packet);
  if (!compound || !video_) return;
  for (const auto& p : compound->packets()) {
    if (!net::rtcp::is_keyframe_request(p)) continue;
    auto fb = net::rtcp::parse_feedback(p);
    if (fb && fb->media_ssrc == video_->sender->config().ssrc) video_->source->request_keyframe();
  }
}

void MediaSession::send_feedback(TimePoint now, const SendPacket& send_rtcp) {
  for (std::uint32_t ssrc : receiver_->keyframe_requests(now)) {
    std::uint8_t buf[64];
    auto pli = net::rtcp::write_pli(feedback_ssrc_, ssrc, buf);
    if (pli) send_rtcp(*pli);
  }
}

void MediaSession::request_keyframe() {
  if (video_) video_->source->request_keyframe();
}

StreamCounters MediaSession::audio_sent() const {
  return audio_ ? audio_->sent : StreamCounters{};
}
StreamCounters MediaSession::video_sent() const {
  return video_ ? video_->sent : StreamCounters{};
}

StreamCounters MediaSession::received(std::uint32_t leaf, media::MediaKind kind) const {
  auto it = received_.find({leaf, kind});
  return it == received_.end() ? StreamCounters{} : it->second;
}

std::uint64_t MediaSession::decrypt_errors(std::uint32_t leaf) const {
  std::uint64_t n = 0;
  for (const auto& [key, stats] : receiver_->participant_stats()) {
    if (key.first == leaf) n += sum(stats.decryption_failures);
  }
  return n;
}

std::uint64_t MediaSession::undecryptable_frames() const {
  std::uint64_t n = 0;
  for (const auto& [ssrc, stats] : receiver_->stream_stats()) n += sum(stats.unattributed_failures);
  return n;
}

std::uint64_t MediaSession::decrypt_failures_total() const {
  std::uint64_t n = undecryptable_frames();
  for (const auto& [key, stats] : receiver_->participant_stats())
    n += sum(stats.decryption_failures);
  return n;
}

std::uint64_t MediaSession::frames_received_total() const {
  std::uint64_t n = 0;
  for (const auto& [ssrc, stats] : receiver_->stream_stats()) {
    n += stats.assembler.frames_delivered;
  }
  return n;
}

Result<std::vector<std::string>> MediaSession::finish() {
  std::vector<std::string> paths;
  if (finished_ || record_dir_.empty()) return paths;
  finished_ = true;
  ZTM_TRY(recorder_->close());
  paths = recorder_->paths();
  const auto sent_path = (record_dir_ / "sent.framelog").string();
  const auto received_path = (record_dir_ / "received.framelog").string();
  const auto sent_text = sent_log_.serialize();
  const auto received_text = received_log_.serialize();
  ZTM_TRY(media::write_file(sent_path, as_bytes(sent_text)));
  ZTM_TRY(media::write_file(received_path, as_bytes(received_text)));
  paths.push_back(sent_path);
  paths.push_back(received_path);
  for (const auto& [name, text] :
       {std::pair{"sent.epochs", &sent_epochs_}, std::pair{"received.epochs", &received_epochs_}}) {
    const auto path = (record_dir_ / name).string();
    ZTM_TRY(media::write_file(path, as_bytes(*text)));
    paths.push_back(path);
  }
  return paths;
}

}  // namespace ztm::client::internal
