#include "process/transform.h"

#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <thread>
#include <utility>

#include "base/logging.h"
#include "process/thread_name.h"
#include "schema/codec.h"
#include "schema/raw_record.h"

namespace covidflow::process {
namespace {

// Tweets parsed before one Enrichment::Apply call: enough to amortise the call, few enough
// that the chunk stays in cache between parse, enrich and encode.
constexpr size_t kChunk = 64;
// A share below this many records is not worth a thread of its own.
constexpr size_t kMinShare = 256;

// Back to what no enrichment has touched: a new enrichment may not set every field the
// previous one did, and none may linger.
void ClearEnrichment(schema::EnrichedTweet& e) {
  e.sentiment = schema::Sentiment();
  e.enricher.clear();
  e.location.country.clear();
  e.location.region.clear();
  e.location.confidence = 0;
  e.prediction.model.clear();
  e.prediction.label.clear();
  e.prediction.confidence = 0;
  e.prediction.probabilities.clear();
  e.prediction.oov_rate.reset();
}

}  // namespace

// A worker's view of the layouts: its last one, else the shared map.
class Transformer::Layouts : public schema::CsvLayoutSource {
 public:
  Layouts(Transformer& t, Worker& wk) : t_(t), wk_(wk) {}
  const Result<schema::CsvLayout>& LayoutFor(std::string_view header) override {
    if (wk_.layout == nullptr || header != wk_.layout_key) {
      wk_.layout = t_.SharedLayout(header);
      wk_.layout_key.assign(header);
    }
    return *wk_.layout;
  }

 private:
  Transformer& t_;
  Worker& wk_;
};

Transformer::Transformer(schema::ParseOptions parse, int threads)
    : parse_(std::move(parse)),
      threads_(threads > 0 ? threads
                           : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {}

const Result<schema::CsvLayout>* Transformer::SharedLayout(std::string_view header) {
  std::lock_guard<std::mutex> lock(layouts_mu_);
  auto it = layouts_.find(header);
  if (it == layouts_.end()) {
    auto layout = std::make_unique<Result<schema::CsvLayout>>(
        schema::CsvLayout::FromHeader(header, parse_.mapping));
    if (!layout->ok()) {
      Logf(LogLevel::kWarning, "every record with this csv-header becomes a dead letter (%s): %s",
           "unknown_header", layout->status().message().c_str());
    }
    it = layouts_.emplace(std::string(header), std::move(layout)).first;
  }
  return it->second.get();
}

size_t Transformer::layouts() const {
  std::lock_guard<std::mutex> lock(layouts_mu_);
  return layouts_.size();
}

void Transformer::Start(Batch& batch, std::shared_ptr<const enrich::Enrichment> enrichment) {
  batch.enrichment = std::move(enrichment);
  batch.pending = true;
  if (batch.workers.size() < static_cast<size_t>(threads_)) batch.workers.resize(threads_);
  const size_t n = batch.recs.size();
  const size_t active = std::max<size_t>(
      1, std::min<size_t>(static_cast<size_t>(threads_), (n + kMinShare - 1) / kMinShare));
  for (size_t w = active; w < batch.workers.size(); ++w) {
    batch.workers[w].buffer.clear();
    batch.workers[w].lake_rows.clear();
  }
  const size_t share = (n + active - 1) / active;
  for (size_t w = 0; w < active; ++w) {
    batch.threads.emplace_back(&Transformer::Run, this, std::ref(batch), static_cast<uint32_t>(w),
                               std::min(n, w * share), std::min(n, (w + 1) * share));
  }
}

void Transformer::Run(Batch& batch, uint32_t w, size_t begin, size_t end) {
  NameThread("cf-transform");
  const std::span<const log::InRecord> recs = batch.recs;
  std::vector<Slot>& slots = batch.slots;
  const int64_t ingest_ms = batch.ingest_ms;
  const enrich::Enrichment& enrichment = *batch.enrichment;
  Worker& wk = batch.workers[w];
  wk.buffer.clear();
  // Lake rows are parsed in place: into rows the lake has committed (lake_spare; their
  // strings keep their capacity, so parsing allocates nothing), then into new ones. Reserved
  // for the whole share, so the chunk's pointers into it stay valid.
  wk.lake_rows.clear();
  wk.lake_rows.swap(wk.lake_spare);
  wk.lake_rows.reserve(end - begin);
  size_t lake_count = 0;  // rows of lake_rows parsed and kept
  if (wk.chunk.size() < kChunk) wk.chunk.resize(kChunk);
  if (wk.enrichment.lock() != batch.enrichment) {
    for (schema::EnrichedTweet& e : wk.chunk) ClearEnrichment(e);
    wk.enrichment = batch.enrichment;
  }
  Layouts layouts(*this, wk);
  std::array<uint32_t, kChunk> chunk_slot;  // the slot of each tweet of the chunk

  size_t i = begin;
  while (i < end) {
    // Parse up to kChunk records; dead letters are encoded at once.
    wk.to_enrich.clear();
    size_t lake_in_chunk = 0;
    for (; i < end && wk.to_enrich.size() < kChunk; ++i) {
      Slot& slot = slots[i];
      if (slot.outcome == Outcome::kAlreadyCommitted) continue;
      if (slot.outcome == Outcome::kRecovered && !slot.to_lake) continue;
      const log::InRecord& r = recs[i];
      slot.worker = w;
      schema::EnrichedTweet* target = &wk.chunk[wk.to_enrich.size()];
      if (slot.to_lake) {
        const size_t at = lake_count + lake_in_chunk;
        if (at == wk.lake_rows.size()) wk.lake_rows.emplace_back();
        target = &wk.lake_rows[at];
        ClearEnrichment(*target);  // a committed row keeps what its enrichment set
      }
      schema::EnrichedTweet& e = *target;
      std::optional<schema::ParseError> err = schema::ParseRawRecord(
          r.value, schema::FindRawRecordHeaders(r.headers), parse_, layouts, &e.tweet);
      if (!err) {
        e.source.topic = *r.topic;
        e.source.partition = r.partition;
        e.source.offset = r.offset;
        e.ingest_time_ms = ingest_ms;
        chunk_slot[wk.to_enrich.size()] = static_cast<uint32_t>(i);
        wk.to_enrich.push_back(&e);
        if (slot.to_lake) ++lake_in_chunk;
        continue;
      }
      // A recovered record's topic output exists; it was parsed again only for the lake.
      if (slot.outcome == Outcome::kRecovered) continue;
      slot.outcome = Outcome::kDeadLetter;
      slot.reason = err->reason;
      slot.begin = static_cast<uint32_t>(wk.buffer.size());
      schema::DeadLetter& d = wk.dead;
      d.raw.assign(r.value);
      d.reason = err->reason;
      d.message = std::move(err->message);
      d.field = std::move(err->field);
      d.source.topic = *r.topic;
      d.source.partition = r.partition;
      d.source.offset = r.offset;
      d.ingest_time_ms = ingest_ms;
      schema::AppendDeadLetterJson(wk.buffer, d);
      slot.end = static_cast<uint32_t>(wk.buffer.size());
    }
    enrichment.Apply(wk.to_enrich);
    for (size_t j = 0; j < wk.to_enrich.size(); ++j) {
      Slot& slot = slots[chunk_slot[j]];
      const schema::EnrichedTweet& e = *wk.to_enrich[j];
      if (slot.outcome != Outcome::kRecovered) {
        slot.outcome = Outcome::kEnriched;
        slot.begin = static_cast<uint32_t>(wk.buffer.size());
        schema::AppendEnrichedJson(wk.buffer, e, /*tweet_utf8_checked=*/true);
        slot.end = static_cast<uint32_t>(wk.buffer.size());
      }
    }
    lake_count += lake_in_chunk;
  }
  wk.lake_rows.resize(lake_count);  // committed rows this share did not need are dropped
}

}  // namespace covidflow::process
