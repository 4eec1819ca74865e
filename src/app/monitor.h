#pragma once
// The monitor commands' wiring: MonitorSettings → the two samples → drift; the prediction
// log and the delayed labels → live quality, its events and gauges.
#include <memory>
#include <string>
#include <vector>

#include "app/settings.h"
#include "base/status.h"
#include "http/server.h"
#include "metrics/registry.h"
#include "monitor/drift.h"
#include "monitor/quality.h"

namespace covidflow::app {

struct DriftRun {
  monitor::DatasetDrift drift;
  std::vector<std::string> skipped;  // free-text columns left out
  size_t reference_rows = 0;
  size_t current_rows = 0;
  double read_seconds = 0;     // reading and preparing both samples
  double compare_seconds = 0;  // the statistics
};

// Reads --reference and --current (monitor/table.h), picks the columns (--columns, or every
// shared one but free text) and compares them. kInvalidArgument names the flag or column at
// fault; a missing file is kNotFound.
Result<DriftRun> RunDrift(const MonitorSettings& s);

struct QualityRun {
  monitor::QualityReport report;
  std::string predictions_uri;  // the log, without the topic
  std::string predictions_topic;
  int64_t window_ms = 0;
  int64_t lateness_ms = 0;
  int64_t events_published = 0;
};

// monitor quality: reads the whole prediction topic (serve's DecodePrediction; a record it
// refuses is counted as malformed) and the labels (a file, or a whole topic of a log), joins
// them (monitor/quality.h) and publishes an event on `events_topic` of the prediction log for
// each closed window below --min-accuracy or --min-macro-f1. kInvalidArgument names the flag
// at fault; a missing log or file is kNotFound.
Result<QualityRun> RunQuality(const Settings& s);

// The event of one window below a threshold: a JSON object (docs/monitoring.md).
std::string QualityEventJson(const monitor::WindowQuality& w, std::string_view metric, double value,
                             double threshold);

// The gauges of a quality run, per model and version, of its latest window with joined rows:
//   covidflow_live_accuracy{model,version}, covidflow_live_macro_f1, covidflow_live_roc_auc
//   (binary and multiclass one-vs-rest; absent when undefined), covidflow_live_labelled_rows,
//   covidflow_live_window_start_seconds
// and the run's label counts: covidflow_live_labels{outcome=joined|late|unknown|duplicate}
// and covidflow_live_malformed_records. Served at 127.0.0.1:port/metrics (0 = a free port).
class QualityMetrics {
 public:
  static Result<std::unique_ptr<QualityMetrics>> Start(const QualityRun& run, int port);
  ~QualityMetrics();
  int port() const { return server_->port(); }
  const metrics::Registry& registry() const { return registry_; }

 private:
  QualityMetrics() = default;
  metrics::Registry registry_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace covidflow::app
