#pragma once
// Transformer: the workers that turn a batch's records into outputs — parse (by the record's
// headers, schema/raw_record.h), validate, enrich (the batch's Enrichment, one call per chunk
// of tweets) and encode (JSON into the worker's buffer; lake rows beside) — each over a
// contiguous share of the batch, in `cf-transform` threads. Records whose slot is
// kAlreadyCommitted are skipped; kRecovered ones are parsed and enriched only when their lake
// row is wanted (their topic output exists).
//
// The CSV layouts (one per distinct csv-header) are cached: each worker keeps its last one,
// and looks up the others in a map shared under a lock, whose entries are never erased, so
// the pointers workers keep stay valid.
//
// Ownership and threads: Start and Join are called by one thread (the processor's main
// thread); one batch is transformed at a time (Start requires the previous one joined).
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "enrich/enrichment.h"
#include "process/batch.h"
#include "schema/csv.h"
#include "schema/parse.h"

namespace covidflow::process {

class Transformer {
 public:
  // threads <= 0: one per core.
  Transformer(schema::ParseOptions parse, int threads);
  int threads() const { return threads_; }

  // Starts the workers on `batch`, whose recs, slots and ingest time are set; returns at once.
  void Start(Batch& batch, std::shared_ptr<const enrich::Enrichment> enrichment);
  // Waits for the batch's workers (nothing if none runs).
  static void Join(Batch& batch) { batch.threads.clear(); }

  // Distinct csv-header values seen so far (each parsed into a layout once).
  size_t layouts() const;

 private:
  class Layouts;
  void Run(Batch& batch, uint32_t w, size_t begin, size_t end);
  const Result<schema::CsvLayout>* SharedLayout(std::string_view header);

  const schema::ParseOptions parse_;
  const int threads_;
  mutable std::mutex layouts_mu_;
  std::map<std::string, std::unique_ptr<Result<schema::CsvLayout>>, std::less<>> layouts_;
};

}  // namespace covidflow::process
