// MediaSession: the client's media pipelines for one meeting — sources (generated or
// files), MediaSender per stream, the MediaReceiver for every remote stream, the
// recorder of decrypted media and the frame hash logs. Sans-I/O like the pipelines
// it drives: the client loop passes time, keys and the link in.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/client/client.h"
#include "ztm/media/frame.h"
#include "ztm/media/frame_log.h"
#include "ztm/media/receiver.h"
#include "ztm/media/recorder.h"
#include "ztm/media/sender.h"
#include "ztm/sframe/mls_context.h"

namespace ztm::client::internal {

using TimePoint = std::chrono::steady_clock::time_point;

// kAudioPayloadType / kVideoPayloadType / kDependencyDescriptorId: what ztmeet's
// clients and SFU agree on (the SFU's default extmap id for the Dependency
// Descriptor is 3).
inline constexpr std::uint8_t kAudioPayloadType = 111;
inline constexpr std::uint8_t kVideoPayloadType = 96;
inline constexpr std::uint8_t kDependencyDescriptorId = 3;

// SendPacket hands one clear RTP packet (or RTCP compound) to the media link.
using SendPacket = std::function<bool(ByteView packet)>;

struct PerFrameOverhead {
  std::uint64_t frames = 0;
  std::uint64_t total = 0;
  std::size_t min = 0;
  std::size_t max = 0;
  void add(std::size_t overhead);
};

class MediaSession {
 public:
  static Result<std::unique_ptr<MediaSession>> create(const MediaOptions& options,
                                                      const std::filesystem::path& record_dir,
                                                      TimePoint now);
  ~MediaSession();

  // next_send_time: when the next frame of any stream is due.
  TimePoint next_send_time() const;
  // send_due produces every frame due by now. A frame is encrypted and sent only when
  // the member may send; otherwise it is produced and dropped, as a live camera's is.
  // sending_as is this member's leaf index when it may send (in the group, media
  // allowed, a sending epoch, the link up); nullopt otherwise.
  void send_due(TimePoint now, sframe::MlsContext& keys, std::optional<std::uint32_t> sending_as,
                const SendPacket& send_rtp);
  // receive_rtp takes one clear RTP packet and decrypts what completed.
  void receive_rtp(ByteView packet, sframe::MlsContext& keys, TimePoint now);
  // receive_rtcp handles feedback: keyframe requests for our video stream.
  void receive_rtcp(ByteView packet);
  // send_feedback sends PLIs for remote video streams that need a keyframe.
  void send_feedback(TimePoint now, const SendPacket& send_rtcp);
  void request_keyframe();

  // Counters for the view.
  StreamCounters audio_sent() const;
  StreamCounters video_sent() const;
  // received(leaf, kind): decrypted frames from one remote participant.
  StreamCounters received(std::uint32_t leaf, media::MediaKind kind) const;
  std::uint64_t decrypt_errors(std::uint32_t leaf) const;
  std::uint64_t undecryptable_frames() const;
  // decrypt_failures_total: every frame that arrived and did not decrypt, attributed
  // to a sender or not.
  std::uint64_t decrypt_failures_total() const;
  const PerFrameOverhead& sent_overhead() const { return sent_overhead_; }
  const PerFrameOverhead& received_overhead() const { return received_overhead_; }
  std::uint64_t frames_received_total() const;
  std::uint64_t frames_decrypted_total() const { return decrypted_total_; }

  // finish writes the frame logs and closes the recorded files; their paths.
  Result<std::vector<std::string>> finish();

 private:
  struct Stream {
    std::unique_ptr<media::FrameSource> source;
    std::optional<media::MediaSender> sender;
    media::EncodedFrame frame;
    media::RtpPacketBatch batch;
    std::chrono::nanoseconds interval{};
    TimePoint next{};
    bool ended = false;
    StreamCounters sent;
  };
  MediaSession() = default;
  void send_stream(Stream& stream, TimePoint now, sframe::MlsContext& keys,
                   std::optional<std::uint32_t> sending_as, const SendPacket& send_rtp);

  MediaOptions options_;
  std::filesystem::path record_dir_;
  std::optional<Stream> audio_;
  std::optional<Stream> video_;
  std::optional<media::MediaReceiver> receiver_;
  std::optional<media::MediaRecorder> recorder_;
  media::FrameLog sent_log_;
  media::FrameLog received_log_;
  // The MLS epoch each frame was sent or decrypted under ("<sender> <kind>
  // <rtp_timestamp> <epoch>" lines, sent.epochs / received.epochs), so tests can show
  // that a joiner decrypted nothing from before its epoch and a removed member
  // nothing from after.
  std::string sent_epochs_ = "ztm-epochlog 1\n";
  std::string received_epochs_ = "ztm-epochlog 1\n";
  PerFrameOverhead sent_overhead_;
  PerFrameOverhead received_overhead_;
  std::map<std::pair<std::uint32_t, media::MediaKind>, StreamCounters> received_;
  std::uint64_t decrypted_total_ = 0;
  std::uint32_t feedback_ssrc_ = 0;
  bool finished_ = false;
};

}  // namespace ztm::client::internal
