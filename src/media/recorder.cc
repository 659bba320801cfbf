// MediaRecorder: decrypted frames → one Ogg Opus or IVF file per sender and kind.
#include "ztm/media/recorder.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "ztm/media/ivf.h"
#include "ztm/media/ogg_opus.h"
#include "ztm/media/opus.h"
#include "ztm/media/vp8.h"

namespace ztm::media {

namespace {

// Track is one output file. Its bytes are appended on flush; an IVF header is
// rewritten in place on close.
struct Track {
  std::string path;
  MediaKind kind = MediaKind::audio;
  std::optional<OggOpusWriter> ogg;
  std::optional<IvfWriter> ivf;
  std::uint32_t first_timestamp = 0;
  bool created = false;  // the file exists (truncated on first flush)
  bool closed = false;
};

Result<void> append_to(const std::string& path, ByteView data, bool truncate) {
  std::FILE* f = std::fopen(path.c_str(), truncate ? "wb" : "ab");
  if (!f) return fail(Errc::io_error, "media.recorder: " + path + ": " + std::strerror(errno));
  const bool wrote = data.empty() || std::fwrite(data.data(), 1, data.size(), f) == data.size();
  const bool closed = std::fclose(f) == 0;
  if (!wrote || !closed) return fail(Errc::io_error, "media.recorder: " + path + ": write failed");
  return ok();
}

Result<void> rewrite_prefix(const std::string& path, ByteView data) {
  std::FILE* f = std::fopen(path.c_str(), "r+b");
  if (!f) return fail(Errc::io_error, "media.recorder: " + path + ": " + std::strerror(errno));
  const bool wrote = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  const bool closed = std::fclose(f) == 0;
  if (!wrote || !closed)
    return fail(Errc::io_error, "media.recorder: " + path + ": rewrite failed");
  return ok();
}

}  // namespace

struct MediaRecorder::Impl {
  std::string directory;
  std::string prefix;
  std::map<std::pair<std::uint32_t, MediaKind>, Track> tracks;
  std::uint64_t skipped = 0;
  bool closed = false;
};

MediaRecorder::MediaRecorder(std::string directory, std::string prefix)
    : impl_(std::make_unique<Impl>()) {
  impl_->directory = std::move(directory);
  impl_->prefix = std::move(prefix);
}
MediaRecorder::~MediaRecorder() = default;
MediaRecorder::MediaRecorder(MediaRecorder&&) noexcept = default;
MediaRecorder& MediaRecorder::operator=(MediaRecorder&&) noexcept = default;

Result<void> MediaRecorder::add(const ReceivedFrame& frame) {
  if (impl_->closed) return fail(Errc::invalid_state, "media.recorder: closed");
  const auto key = std::make_pair(frame.sender, frame.kind);
  auto it = impl_->tracks.find(key);
  if (it == impl_->tracks.end()) {
    Track t;
    t.kind = frame.kind;
    t.first_timestamp = frame.rtp_timestamp;
    t.path = impl_->directory + "/" + impl_->prefix + "leaf" + std::to_string(frame.sender) +
             (frame.kind == MediaKind::audio ? "-audio.opus" : "-video.ivf");
    if (frame.kind == MediaKind::audio) {
      ZTM_TRY_ASSIGN(const int channels, opus_packet_channels(frame.data));
      OpusHead head;
      head.channel_count = static_cast<std::uint8_t>(channels);
      head.coupled_count = static_cast<std::uint8_t>(channels - 1);
      // 312 samples is libopus's encoder lookahead at 48 kHz, what every libopus
      // sender signals; the real value is not carried over RTP.
      head.pre_skip = 312;
      OpusTags tags;
      tags.comments.push_back("ZTM_SENDER_LEAF=" + std::to_string(frame.sender));
      ZTM_TRY_ASSIGN(auto w, OggOpusWriter::create(head, tags, 0x5a544d00u ^ frame.sender));
      t.ogg.emplace(std::move(w));
    } else {
      const auto size = vp8_keyframe_size(frame.data);
      if (!frame.keyframe || !size) {
        ++impl_->skipped;
        return ok();
      }
      IvfHeader h;
      h.width = static_cast<std::uint16_t>(size->width);
      h.height = static_cast<std::uint16_t>(size->height);
      t.ivf.emplace(h);
    }
    it = impl_->tracks.emplace(key, std::move(t)).first;
  }
  Track& t = it->second;
  if (t.closed) return fail(Errc::invalid_state, "media.recorder: closed");
  if (t.ogg) {
    if (auto r = t.ogg->write_packet(frame.data); !r)
      return fail(Errc::invalid_argument, r.error().message);
    return ok();
  }
  // 90 kHz pts relative to the track's first frame; RTP timestamps wrap, the
  // difference taken modulo 2^32 does not.
  return t.ivf->write_frame(frame.data,
                            static_cast<std::uint32_t>(frame.rtp_timestamp - t.first_timestamp));
}

Result<void> MediaRecorder::flush() {
  for (auto& [key, t] : impl_->tracks) {
    const Bytes out = t.ogg ? t.ogg->take_output() : t.ivf->take_output();
    if (out.empty() && t.created) continue;
    ZTM_TRY(append_to(t.path, out, !t.created));
    t.created = true;
  }
  return ok();
}

Result<void> MediaRecorder::close() {
  impl_->closed = true;
  for (auto& [key, t] : impl_->tracks) {
    if (t.closed) continue;
    if (t.ogg) ZTM_TRY(t.ogg->finish());
  }
  ZTM_TRY(flush());
  for (auto& [key, t] : impl_->tracks) {
    if (t.closed) continue;
    t.closed = true;
    if (t.ivf) {
      const auto header = t.ivf->header();
      ZTM_TRY(rewrite_prefix(t.path, header));
    }
  }
  return ok();
}

std::vector<std::string> MediaRecorder::paths() const {
  std::vector<std::string> out;
  for (const auto& [key, t] : impl_->tracks) out.push_back(t.path);
  return out;
}

std::uint64_t MediaRecorder::frames_skipped() const {
  return impl_->skipped;
}

}  // namespace ztm::media
