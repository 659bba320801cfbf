// OggOpusReader: a strict reader of one Ogg Opus logical stream (RFC 7845 §3).
#include "ztm/media/ogg_opus.h"
#include "ztm/media/opus.h"

namespace ztm::media {

namespace {
constexpr std::size_t kOpusHeadMaxSize = 8 + 11 + 2 + 255;  // §5.1 with the largest table
constexpr std::uint64_t kNoGranule = ~std::uint64_t{0};
}  // namespace

Result<OggOpusReader> OggOpusReader::open(ByteView file) {
  OggOpusReader r;
  r.file_ = file;
  // Packet 1: OpusHead, alone on the BOS page (§3).
  ZTM_TRY_ASSIGN(auto head, r.next_raw());
  if (!head) return fail(Errc::truncated, "ogg.opus: no OpusHead packet");
  ZTM_TRY_ASSIGN(r.head_, OpusHead::parse(head->data));
  if (!r.page_->first_page() || r.segment_ != r.page_->segment_table.size()) {
    return fail(Errc::invalid_encoding, "ogg.opus: OpusHead is not alone on the first page");
  }
  // Packet 2: OpusTags, finishing its page (§3).
  ZTM_TRY_ASSIGN(auto tags, r.next_raw());
  if (!tags) return fail(Errc::truncated, "ogg.opus: no OpusTags packet");
  ZTM_TRY_ASSIGN(r.tags_, OpusTags::parse(tags->data));
  if (r.segment_ != r.page_->segment_table.size()) {
    return fail(Errc::invalid_encoding, "ogg.opus: audio data on the OpusTags page");
  }
  return r;
}

Result<void> OggOpusReader::load_page() {
  ZTM_TRY_ASSIGN(auto page, parse_ogg_page(file_.subspan(offset_)));
  if (!have_serial_) {
    if (!page.first_page()) return fail(Errc::invalid_encoding, "ogg.opus: first page is not BOS");
    have_serial_ = true;
    serial_ = page.serial;
    next_sequence_ = page.sequence;
  } else {
    // A second BOS or another serial is a multiplexed or chained file (RFC 3533 §4,
    // RFC 7845 §3): not something a meeting recorder writes.
    if (page.serial != serial_ || page.first_page()) {
      return fail(Errc::unsupported, "ogg.opus: more than one logical stream");
    }
  }
  if (page.sequence != next_sequence_)
    return fail(Errc::invalid_encoding, "ogg.opus: page sequence gap");
  ++next_sequence_;
  // Header pages carry granule position 0 (§3).
  if (packets_read_ < 2 && page.granule_position != 0) {
    return fail(Errc::invalid_encoding, "ogg.opus: header page with non-zero granule position");
  }
  if (page.segment_table.empty())
    return fail(Errc::invalid_encoding, "ogg.opus: page without segments");
  offset_ += page.size;
  page_ = page;
  segment_ = 0;
  body_offset_ = 0;
  return ok();
}

Result<std::optional<OggOpusPacket>> OggOpusReader::next_raw() {
  packet_.clear();
  bool in_packet = false;
  const std::size_t limit = packets_read_ == 0
                                ? kOpusHeadMaxSize
                                : (packets_read_ == 1 ? kOpusTagsMaxSize : kOpusMaxPacketSize);
  for (;;) {
    if (!page_ || segment_ == page_->segment_table.size()) {
      if (eos_seen_) {
        if (in_packet)
          return fail(Errc::invalid_encoding, "ogg.opus: packet unfinished on the EOS page");
        if (offset_ != file_.size())
          return fail(Errc::trailing_data, "ogg.opus: bytes after the EOS page");
        return std::optional<OggOpusPacket>();
      }
      if (offset_ == file_.size())
        return fail(Errc::truncated, "ogg.opus: file ends without an EOS page");
      ZTM_TRY(load_page());
      // A page continues a packet exactly when the previous one left it unfinished.
      if (page_->continued() != in_packet) {
        return fail(Errc::invalid_encoding, "ogg.opus: continued flag disagrees with the lacing");
      }
      if (page_->last_page()) eos_seen_ = true;
    }
    const std::uint8_t lacing = page_->segment_table[segment_++];
    const auto part = page_->body.subspan(body_offset_, lacing);
    body_offset_ += lacing;
    if (packet_.size() + part.size() > limit)
      return fail(Errc::limit_exceeded, "ogg.opus: packet over its size limit");
    packet_.insert(packet_.end(), part.begin(), part.end());
    in_packet = true;
    if (lacing == 255) continue;
    // The packet ends here. The page's granule position belongs to the last packet
    // that ends on it.
    OggOpusPacket out;
    out.data = packet_;
    bool another_ends_here = false;
    for (std::size_t i = segment_; i < page_->segment_table.size(); ++i) {
      if (page_->segment_table[i] < 255) another_ends_here = true;
    }
    if (!another_ends_here && page_->granule_position != kNoGranule)
      out.page_granule_position = page_->granule_position;
    ++packets_read_;
    return std::optional<OggOpusPacket>(out);
  }
}

Result<std::optional<OggOpusPacket>> OggOpusReader::next_packet() {
  ZTM_TRY_ASSIGN(auto packet, next_raw());
  if (!packet) return packet;
  // RFC 6716 §3.4 R1..R7 at the level libopus checks from the TOC: a packet that does
  // not even say how long it is is not Opus.
  if (packet->data.empty()) return fail(Errc::invalid_encoding, "ogg.opus: empty audio packet");
  ZTM_TRY(opus_packet_samples(packet->data));
  if (packet->page_granule_position && *packet->page_granule_position < last_granule_) {
    return fail(Errc::invalid_encoding, "ogg.opus: granule position goes backwards");
  }
  if (packet->page_granule_position) last_granule_ = *packet->page_granule_position;
  return packet;
}

Result<std::unique_ptr<OggOpusFileSource>> OggOpusFileSource::create(
    Bytes file, std::uint32_t first_rtp_timestamp) {
  std::unique_ptr<OggOpusFileSource> s(new OggOpusFileSource());
  s->file_ = std::move(file);
  ZTM_TRY_ASSIGN(auto reader, OggOpusReader::open(s->file_));
  s->reader_.emplace(std::move(reader));
  s->next_timestamp_ = first_rtp_timestamp;
  return s;
}

Result<bool> OggOpusFileSource::next(EncodedFrame& frame) {
  ZTM_TRY_ASSIGN(auto packet, reader_->next_packet());
  if (!packet) return false;
  ZTM_TRY_ASSIGN(const std::uint32_t samples, opus_packet_samples(packet->data));
  frame.kind = MediaKind::audio;
  frame.data.assign(packet->data.begin(), packet->data.end());
  frame.rtp_timestamp = next_timestamp_;
  frame.keyframe = true;
  next_timestamp_ += samples;
  return true;
}

}  // namespace ztm::media
