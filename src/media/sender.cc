// MediaSender: frame → SFrame → per-frame SFrame RTP packets (+ Dependency Descriptor).
#include "ztm/media/sender.h"

#include <algorithm>

#include "ztm/net/dependency_descriptor.h"
#include "ztm/net/rtp.h"
#include "ztm/net/sframe_rtp.h"
#include "ztm/net/srtp.h"
#include "ztm/sframe/context.h"

namespace ztm::media {

namespace {

constexpr std::size_t kMinMtu = 128;

// The one-layer template structure ztmeet's VP8 streams announce (AV1 RTP spec A.8.2):
// template 0 for keyframes (no references), template 1 for delta frames (the previous
// frame). One decode target, which every frame is needed for (switch indication).
net::dd::TemplateStructure vp8_structure(std::uint16_t width, std::uint16_t height) {
  net::dd::TemplateStructure s;
  s.template_id_offset = 0;
  s.decode_target_count = 1;
  s.templates = {{0, 0, {net::dd::Dti::switch_}, {}, {}}, {0, 0, {net::dd::Dti::switch_}, {1}, {}}};
  if (width != 0 && height != 0) s.resolutions = {{width, height}};
  return s;
}

}  // namespace

MutableByteView RtpPacketBatch::add(std::size_t slot_size) {
  if (slot_size != slot_size_) {
    sizes_.clear();
    slot_size_ = slot_size;
  }
  const std::size_t needed = (sizes_.size() + 1) * slot_size_;
  if (storage_.size() < needed) storage_.resize(needed);
  sizes_.push_back(0);
  return slot(sizes_.size() - 1);
}

Result<MediaSender> MediaSender::create(const StreamConfig& config) {
  if (config.payload_type > 127)
    return fail(Errc::invalid_argument, "media.sender: payload type over 127");
  if (config.dd_extension_id > 14)
    return fail(Errc::invalid_argument, "media.sender: DD extension id over 14");
  if (config.kind == MediaKind::video && config.dd_extension_id == 0) {
    return fail(Errc::invalid_argument,
                "media.sender: a video stream needs the Dependency Descriptor");
  }
  if (config.mtu < kMinMtu)
    return fail(Errc::invalid_argument, "media.sender: MTU under 128 bytes");
  MediaSender s;
  s.config_ = config;
  s.next_sequence_ = config.first_sequence_number;
  return s;
}

Result<SentFrame> MediaSender::send_frame(const EncodedFrame& frame, sframe::MlsContext& keys,
                                          RtpPacketBatch& out) {
  out.clear();
  if (frame.kind != config_.kind)
    return fail(Errc::invalid_argument, "media.sender: frame of the other kind");
  if (frame.data.empty() || frame.data.size() > kMaxFrameSize) {
    return fail(Errc::invalid_argument, "media.sender: frame empty or over kMaxFrameSize");
  }
  // 1. One SFrame ciphertext per frame. Metadata is empty: the KID's context id
  //    already separates audio from video, and a browser's encoded transform has no
  //    RTP header to bind (decision 0040).
  const std::size_t bound = frame.data.size() + sframe::max_overhead;
  if (ciphertext_.size() < bound) ciphertext_.resize(bound);
  ZTM_TRY_ASSIGN(const auto ciphertext,
                 keys.protect(config_.sframe_context_id, frame.data, {}, ciphertext_));

  const bool video = config_.kind == MediaKind::video;
  // 2. The RTP header size: fixed 12 bytes, plus for video the one-byte-form
  //    extension block with the DD. A keyframe's first packet carries the template
  //    structure and is the largest header; every payload is sized for it, so the
  //    split is balanced and no packet exceeds the MTU.
  net::dd::DependencyDescriptor dd;
  dd.frame_number = frame_number_;
  Bytes dd_first;
  std::size_t header_budget = net::rtp::kFixedHeaderSize;
  if (video) {
    dd.start_of_frame = true;
    dd.end_of_frame = false;
    if (frame.keyframe) {
      dd.structure = vp8_structure(config_.width, config_.height);
      dd.frame_dependency_template_id = 0;
    } else {
      dd.frame_dependency_template_id = 1;
    }
    ZTM_TRY_ASSIGN(dd_first, net::dd::serialize(dd));
    const net::rtp::Extension ext[] = {{config_.dd_extension_id, dd_first}};
    net::rtp::Header h;
    h.extensions = ext;
    ZTM_TRY_ASSIGN(header_budget, net::rtp::header_size(h));
  }
  if (config_.mtu <= header_budget + net::kSrtpMaxOverhead + net::sframe_rtp::kDescriptorSize) {
    return fail(Errc::invalid_argument, "media.sender: MTU leaves no room for a payload");
  }
  const std::size_t max_payload = config_.mtu - header_budget - net::kSrtpMaxOverhead;
  ZTM_TRY_ASSIGN(auto packetizer, net::sframe_rtp::Packetizer::create(ciphertext, max_payload));

  SentFrame sent;
  sent.packet_count = packetizer.packet_count();
  sent.frame_size = frame.data.size();
  sent.sframe_overhead = ciphertext.size() - frame.data.size();
  sent.first_sequence_number = next_sequence_;
  std::uint16_t sequence = next_sequence_;
  for (std::size_t i = 0; i < sent.packet_count; ++i) {
    const bool first = i == 0;
    const bool last = i + 1 == sent.packet_count;
    MutableByteView slot = out.add(config_.mtu);
    net::rtp::Header h;
    h.payload_type = config_.payload_type;
    h.sequence_number = sequence++;
    h.timestamp = frame.rtp_timestamp;
    h.ssrc = config_.ssrc;
    Bytes dd_bytes;
    net::rtp::Extension ext[1];
    if (video) {
      // The DD on every packet: an SFU may pick up the stream at any packet, and the
      // frame boundaries are in its start/end bits (AV1 RTP spec A.3). The structure
      // rides only on the keyframe's first packet, as libwebrtc sends it.
      h.marker = last;  // RFC 7741 §4.1: marker on the last packet of a frame
      if (first && last) {
        dd.end_of_frame = true;
        ZTM_TRY_ASSIGN(dd_bytes, net::dd::serialize(dd));
      } else if (first) {
        dd_bytes = dd_first;
      } else {
        net::dd::DependencyDescriptor d = dd;
        d.structure.reset();
        d.start_of_frame = false;
        d.end_of_frame = last;
        ZTM_TRY_ASSIGN(dd_bytes, net::dd::serialize(d));
      }
      ext[0] = {config_.dd_extension_id, dd_bytes};
      h.extensions = ext;
    } else {
      // RFC 3551 §4.1: the marker flags the first packet of a talkspurt; the tone
      // never pauses, so only the stream's first packet has it.
      h.marker = !first_packet_sent_;
    }
    ZTM_TRY_ASSIGN(const auto header, net::rtp::write_header(h, slot));
    ZTM_TRY_ASSIGN(const auto payload, packetizer.next(slot.subspan(header.size())));
    out.sizes_.back() = header.size() + payload.size();
    sent.rtp_overhead += header.size() + net::sframe_rtp::kDescriptorSize;
    first_packet_sent_ = true;
  }
  next_sequence_ = sequence;
  if (video) ++frame_number_;
  stats_.frames += 1;
  stats_.keyframes += frame.keyframe && video ? 1 : 0;
  stats_.packets += sent.packet_count;
  stats_.media_bytes += sent.frame_size;
  stats_.sframe_overhead_bytes += sent.sframe_overhead;
  stats_.rtp_overhead_bytes += sent.rtp_overhead;
  return sent;
}

}  // namespace ztm::media
