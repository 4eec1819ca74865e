#pragma once
// A batch of the processor: the polled records, one Slot per record (what becomes of it and
// where its encoded output is), and one Worker per transform thread (its output buffer, its
// lake rows and its scratch).
//
// Ownership and threads: the processor keeps two batches and alternates them. The main
// thread fills `recs` and the slots' verdicts (prepare), then the transform workers own the
// batch until the Transformer joins them; then the main thread and the output writers read
// it (write). `recs` stay valid through the next Poll (log::Consumer::Poll), the time a
// batch takes to be transformed and written.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/ids.h"
#include "enrich/enrichment.h"
#include "log/log.h"
#include "schema/csv.h"
#include "schema/tweet.h"

namespace covidflow::process {

enum class Outcome : uint8_t {
  kEnriched,          // written to the enriched topic
  kDeadLetter,        // written to the dead-letter topic
  kRecovered,         // written by an earlier run: counted, not written again
  kAlreadyCommitted,  // nothing to do (committed by this run, or handed to another member)
};

struct Slot {
  Outcome outcome = Outcome::kEnriched;
  bool to_lake = false;  // its enriched tweet goes to the lake
  uint32_t worker = 0;
  uint32_t begin = 0;  // byte range of the encoded value in the worker's buffer
  uint32_t end = 0;
  PartitionId partition;  // the source position, kept past the next Poll
  Offset offset;
  schema::Reason reason = schema::Reason::kMalformedCsv;
  std::string recovered_reason;  // kRecovered: "" enriched, else the dead letter's reason
};

struct Worker {
  // Output: the encoded values of this worker's records, back to back, and its lake rows.
  std::string buffer;
  std::vector<schema::EnrichedTweet> lake_rows;
  // Rows the lake has committed (LakeWriter::Submit): the next batch's lake rows are parsed
  // into them in place, so the strings keep their capacity (Transformer::Run).
  std::vector<schema::EnrichedTweet> lake_spare;
  // Scratch reused from batch to batch: a chunk of tweets being parsed and enriched, the
  // dead letter being encoded, and the CSV layout of the last csv-header seen.
  std::vector<schema::EnrichedTweet> chunk;
  std::vector<schema::EnrichedTweet*> to_enrich;
  schema::DeadLetter dead;
  std::string layout_key;
  const Result<schema::CsvLayout>* layout = nullptr;
  // The enrichment the chunk's tweets last went through (not kept alive by the worker).
  std::weak_ptr<const enrich::Enrichment> enrichment;
};

struct Batch {
  std::span<const log::InRecord> recs;
  std::vector<Slot> slots;
  std::vector<Worker> workers;
  int64_t ingest_ms = 0;
  // Read from the slot when the batch starts: the whole batch uses it, and holding it keeps
  // it alive while a newer one is swapped in.
  std::shared_ptr<const enrich::Enrichment> enrichment;
  std::vector<std::jthread> threads;  // the transform while it runs
  bool pending = false;               // handed to the workers, not yet written
};

}  // namespace covidflow::process
