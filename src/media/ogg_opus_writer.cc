// OggOpusWriter: an Opus logical stream in Ogg pages through libogg (RFC 7845 §3, §4).
#include <ogg/ogg.h>

#include <cstring>

#include "ztm/media/ogg_opus.h"
#include "ztm/media/opus.h"

namespace ztm::media {

namespace {
// A page at least every 50 packets (one second of 20 ms frames) keeps a file written
// on the fly readable up to the last second, and seeking cheap (RFC 7845 §6 suggests
// pages of about one second at most).
constexpr std::uint64_t kMaxPacketsPerPage = 50;
}  // namespace

struct OggOpusWriter::State {
  ogg_stream_state stream{};
  bool initialized = false;
  std::int64_t packet_number = 0;
  ~State() {
    if (initialized) ogg_stream_clear(&stream);
  }
};

OggOpusWriter::~OggOpusWriter() = default;
OggOpusWriter::OggOpusWriter(OggOpusWriter&&) noexcept = default;
OggOpusWriter& OggOpusWriter::operator=(OggOpusWriter&&) noexcept = default;

Result<OggOpusWriter> OggOpusWriter::create(const OpusHead& head, const OpusTags& tags,
                                            std::uint32_t serial) {
  // Check what we are about to write with our own strict parser, so the writer never
  // emits a header the reader would refuse.
  const Bytes head_bytes = head.serialize();
  ZTM_TRY(OpusHead::parse(head_bytes));
  const Bytes tags_bytes = tags.serialize();
  ZTM_TRY(OpusTags::parse(tags_bytes));

  OggOpusWriter w;
  w.state_ = std::make_unique<State>();
  if (ogg_stream_init(&w.state_->stream, static_cast<int>(serial)) != 0) {
    return fail(Errc::invalid_state, "ogg.writer: ogg_stream_init failed");
  }
  w.state_->initialized = true;
  // §3: the identification header alone on the first page (BOS), then the comment
  // header finishing its page, both with granule position 0; audio starts on a
  // fresh page.
  for (int i = 0; i < 2; ++i) {
    const Bytes& bytes = i == 0 ? head_bytes : tags_bytes;
    ogg_packet p{};
    p.packet = const_cast<unsigned char*>(bytes.data());
    p.bytes = static_cast<long>(bytes.size());
    p.b_o_s = i == 0 ? 1 : 0;
    p.granulepos = 0;
    p.packetno = w.state_->packet_number++;
    if (ogg_stream_packetin(&w.state_->stream, &p) != 0) {
      return fail(Errc::invalid_state, "ogg.writer: ogg_stream_packetin failed");
    }
    w.drain_pages(true);
  }
  return w;
}

void OggOpusWriter::drain_pages(bool flush) {
  ogg_page page;
  for (;;) {
    const int got = flush ? ogg_stream_flush(&state_->stream, &page)
                          : ogg_stream_pageout(&state_->stream, &page);
    if (got == 0) break;
    output_.insert(output_.end(), page.header, page.header + page.header_len);
    output_.insert(output_.end(), page.body, page.body + page.body_len);
    packets_since_page_ = 0;
  }
}

Result<void> OggOpusWriter::submit(ByteView packet, bool end_of_stream) {
  ZTM_TRY_ASSIGN(const std::uint32_t samples, opus_packet_samples(packet));
  // §4: the granule position counts 48 kHz samples from the start of the stream,
  // pre-skip included, through the last sample of the last packet on the page.
  granule_ += samples;
  ogg_packet p{};
  p.packet = const_cast<unsigned char*>(packet.data());
  p.bytes = static_cast<long>(packet.size());
  p.e_o_s = end_of_stream ? 1 : 0;
  p.granulepos = static_cast<ogg_int64_t>(granule_);
  p.packetno = state_->packet_number++;
  if (ogg_stream_packetin(&state_->stream, &p) != 0) {
    return fail(Errc::invalid_state, "ogg.writer: ogg_stream_packetin failed");
  }
  ++packets_;
  ++packets_since_page_;
  drain_pages(end_of_stream || packets_since_page_ >= kMaxPacketsPerPage);
  return ok();
}

Result<void> OggOpusWriter::write_packet(ByteView packet) {
  if (finished_) return fail(Errc::invalid_state, "ogg.writer: finished");
  if (packet.empty() || packet.size() > kOpusMaxPacketSize) {
    return fail(Errc::invalid_argument, "ogg.writer: packet empty or over kOpusMaxPacketSize");
  }
  if (!opus_packet_samples(packet))
    return fail(Errc::invalid_argument, "ogg.writer: not an Opus packet");
  // The previous packet goes in now; this one waits, so that finish() can mark the
  // real last packet end-of-stream.
  if (pending_) ZTM_TRY(submit(*pending_, false));
  if (!pending_) pending_.emplace();
  pending_->assign(packet.begin(), packet.end());
  return ok();
}

Result<void> OggOpusWriter::finish() {
  if (finished_) return ok();
  finished_ = true;
  if (pending_) {
    ZTM_TRY(submit(*pending_, true));
    pending_.reset();
  }
  drain_pages(true);
  return ok();
}

Bytes OggOpusWriter::take_output() {
  Bytes out;
  out.swap(output_);
  return out;
}

}  // namespace ztm::media
