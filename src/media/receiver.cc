// MediaReceiver: RTP → frames per SSRC → SFrame decryption → frames per sender.
#include "ztm/media/receiver.h"

#include <algorithm>
#include <unordered_map>

#include "ztm/media/vp8.h"
#include "ztm/net/rtp.h"

namespace ztm::media {

namespace {

struct Stream {
  std::uint32_t ssrc = 0;
  MediaKind kind = MediaKind::audio;
  net::sframe_rtp::FrameAssembler assembler;
  std::uint64_t packets = 0;
  std::optional<std::uint32_t> last_sender;
  ErrorCounts unattributed_failures;
  std::optional<std::uint16_t> expected_sequence;  // first packet of the next frame
  // Video: reference_valid says a decoder could decode the next delta frame (a
  // keyframe arrived and nothing was lost since); keyframe_needed says to ask for one.
  // A stream that starts with a keyframe never asks.
  bool reference_valid = false;
  bool keyframe_needed = false;
  std::optional<std::chrono::steady_clock::time_point> last_request;

  explicit Stream(net::sframe_rtp::FrameAssembler a) : assembler(std::move(a)) {}
};

}  // namespace

struct MediaReceiver::Impl {
  ReceiverConfig config;
  std::vector<std::unique_ptr<Stream>> streams;
  std::unordered_map<std::uint32_t, std::size_t> by_ssrc;
  std::size_t next_stream = 0;  // round-robin start, so one busy stream cannot starve others
  Bytes frame_buffer;
  Bytes plaintext_buffer;
  std::map<std::pair<std::uint32_t, MediaKind>, ParticipantMediaStats> participants;
  ReceiverStats stats;

  void count_failure(Stream& s, Errc code, std::optional<std::uint32_t> sender) {
    if (sender) {
      auto& p = participants[{*sender, s.kind}];
      ++p.frames_received;
      ++p.decryption_failures[code];
    } else {
      ++s.unattributed_failures[code];
    }
    if (s.kind == MediaKind::video) {
      s.keyframe_needed = true;
      s.reference_valid = false;
    }
  }
};

MediaReceiver::MediaReceiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MediaReceiver::~MediaReceiver() = default;
MediaReceiver::MediaReceiver(MediaReceiver&&) noexcept = default;
MediaReceiver& MediaReceiver::operator=(MediaReceiver&&) noexcept = default;

Result<MediaReceiver> MediaReceiver::create(const ReceiverConfig& config) {
  if (config.audio_payload_type > 127 || config.video_payload_type > 127 ||
      config.audio_payload_type == config.video_payload_type) {
    return fail(Errc::invalid_argument,
                "media.receiver: payload types must differ and be under 128");
  }
  if (config.audio_context_id == config.video_context_id) {
    return fail(Errc::invalid_argument,
                "media.receiver: audio and video need different SFrame context ids");
  }
  if (config.max_streams == 0)
    return fail(Errc::invalid_argument, "media.receiver: max_streams is 0");
  // Both assembler configs are checked now rather than at the first packet.
  ZTM_TRY(net::sframe_rtp::FrameAssembler::create(config.audio_assembler));
  ZTM_TRY_ASSIGN(auto video, net::sframe_rtp::FrameAssembler::create(config.video_assembler));
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  const std::size_t largest =
      std::max(config.audio_assembler.window_packets * config.audio_assembler.max_payload_size,
               video.max_frame_size());
  impl->frame_buffer.resize(largest);
  impl->plaintext_buffer.resize(largest);
  return MediaReceiver(std::move(impl));
}

Result<void> MediaReceiver::receive_rtp(ByteView packet) {
  Impl& m = *impl_;
  ++m.stats.packets;
  auto view = net::rtp::PacketView::parse(packet);
  if (!view) {
    ++m.stats.packets_invalid;
    return tl::unexpected(view.error());
  }
  MediaKind kind;
  if (view->payload_type() == m.config.audio_payload_type) {
    kind = MediaKind::audio;
  } else if (view->payload_type() == m.config.video_payload_type) {
    kind = MediaKind::video;
  } else {
    ++m.stats.packets_unknown_type;
    return fail(Errc::not_found,
                "media.receiver: unknown payload type " + std::to_string(view->payload_type()));
  }
  Stream* stream = nullptr;
  if (auto it = m.by_ssrc.find(view->ssrc()); it != m.by_ssrc.end()) {
    stream = m.streams[it->second].get();
    if (stream->kind != kind) {
      ++m.stats.packets_invalid;
      return fail(Errc::invalid_encoding, "media.receiver: SSRC changed media kind");
    }
  } else {
    if (m.streams.size() >= m.config.max_streams) {
      ++m.stats.packets_over_stream_limit;
      return fail(Errc::limit_exceeded, "media.receiver: too many streams");
    }
    ZTM_TRY_ASSIGN(auto assembler, net::sframe_rtp::FrameAssembler::create(
                                       kind == MediaKind::audio ? m.config.audio_assembler
                                                                : m.config.video_assembler));
    auto s = std::make_unique<Stream>(std::move(assembler));
    s->ssrc = view->ssrc();
    s->kind = kind;
    m.by_ssrc.emplace(s->ssrc, m.streams.size());
    m.streams.push_back(std::move(s));
    stream = m.streams.back().get();
  }
  ++stream->packets;
  return stream->assembler.insert(*view);
}

Result<std::optional<ReceivedFrame>> MediaReceiver::pop_frame(sframe::MlsContext& keys,
                                                              TimePoint now) {
  Impl& m = *impl_;
  const std::size_t n = m.streams.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t index = (m.next_stream + k) % n;
    Stream& s = *m.streams[index];
    for (;;) {
      ZTM_TRY_ASSIGN(auto assembled, s.assembler.pop_frame(m.frame_buffer));
      if (!assembled) break;
      // A frame that does not start right after the previous one means a frame (or
      // part of one) was lost: a VP8 decoder needs a keyframe to resume.
      const bool gap =
          s.expected_sequence && assembled->first_sequence_number != *s.expected_sequence;
      s.expected_sequence =
          static_cast<std::uint16_t>(assembled->first_sequence_number + assembled->packet_count);
      if (gap && s.kind == MediaKind::video) {
        s.keyframe_needed = true;
        s.reference_valid = false;
      }

      auto clear = keys.unprotect(assembled->data, {}, m.plaintext_buffer, now);
      if (!clear) {
        m.count_failure(s, clear.error().code, s.last_sender);
        continue;
      }
      const std::uint32_t sender = clear->info.sender_index;
      const std::uint64_t expected_context =
          s.kind == MediaKind::audio ? m.config.audio_context_id : m.config.video_context_id;
      if (clear->info.context_id != expected_context) {
        // Authentic, but sent as the other kind: an SFU moved it between streams.
        m.count_failure(s, Errc::protocol_violation, sender);
        continue;
      }
      s.last_sender = sender;
      ReceivedFrame f;
      f.kind = s.kind;
      f.ssrc = s.ssrc;
      f.sender = sender;
      f.epoch = clear->info.epoch;
      f.rtp_timestamp = assembled->rtp_timestamp;
      f.data = clear->plaintext;
      f.sframe_overhead = assembled->data.size() - clear->plaintext.size();
      if (s.kind == MediaKind::video) {
        f.keyframe = vp8_is_keyframe(f.data);
        if (f.keyframe) {
          s.reference_valid = true;
          s.keyframe_needed = false;
          s.last_request.reset();
        } else if (!s.reference_valid) {
          s.keyframe_needed = true;  // joined mid-stream: deltas without their keyframe
        }
        f.decodable = s.reference_valid;
      } else {
        f.keyframe = true;
      }
      auto& p = m.participants[{sender, s.kind}];
      ++p.frames_received;
      ++p.frames_decrypted;
      p.bytes_decrypted += f.data.size();
      if (f.keyframe && s.kind == MediaKind::video) ++p.keyframes;
      m.next_stream = (index + 1) % n;
      return std::optional<ReceivedFrame>(f);
    }
  }
  return std::optional<ReceivedFrame>();
}

std::vector<std::uint32_t> MediaReceiver::keyframe_requests(TimePoint now) {
  std::vector<std::uint32_t> out;
  for (auto& s : impl_->streams) {
    if (s->kind != MediaKind::video || !s->keyframe_needed) continue;
    if (s->last_request && now - *s->last_request < impl_->config.keyframe_request_interval)
      continue;
    s->last_request = now;
    out.push_back(s->ssrc);
  }
  return out;
}

const std::map<std::pair<std::uint32_t, MediaKind>, ParticipantMediaStats>&
MediaReceiver::participant_stats() const {
  return impl_->participants;
}

std::map<std::uint32_t, StreamStats> MediaReceiver::stream_stats() const {
  std::map<std::uint32_t, StreamStats> out;
  for (const auto& s : impl_->streams) {
    StreamStats st;
    st.kind = s->kind;
    st.packets = s->packets;
    st.last_sender = s->last_sender;
    st.unattributed_failures = s->unattributed_failures;
    st.assembler = s->assembler.stats();
    st.keyframe_needed = s->keyframe_needed;
    out.emplace(s->ssrc, std::move(st));
  }
  return out;
}

const ReceiverStats& MediaReceiver::stats() const {
  return impl_->stats;
}

}  // namespace ztm::media
