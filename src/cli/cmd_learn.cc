// train --spec FILE (recording its run, optionally registering its model) and predict --model
// DIR --input FILE: the learning commands.
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "app/learn.h"
#include "cli/commands.h"
#include "cli/metrics_report.h"
#include "model/metrics.h"

namespace covidflow::cli {
namespace {

using nlohmann::json;

// A bad spec, flag or input is the user's to fix (2); data that cannot give an honest model,
// a missing file or a failed write is the work failing (1).
int ExitCodeFor(const Status& s) { return s.code() == StatusCode::kInvalidArgument ? 2 : 1; }

json TrainJson(const app::TrainRun& run) {
  const train::TrainReport& r = run.report;
  const app::TrainRecord& rec = run.record;
  json splits = json::object();
  for (const train::SplitResult& s : r.splits) {
    if (s.regression) {
      json b = {{"mae", s.baseline->mae}, {"rmse", s.baseline->rmse}};
      splits[s.name] = {{"rows", s.rows},
                        {"metrics", RegressionMetricsJson(*s.regression)},
                        {"mean_baseline", b}};
      continue;
    }
    json class_rows = json::object();
    for (size_t c = 0; c < s.class_rows.size() && c < r.classes.size(); ++c) {
      class_rows[r.classes[c]] = s.class_rows[c];
    }
    splits[s.name] = {{"rows", s.rows},
                      {"class_rows", class_rows},
                      {"metrics", ClassificationMetricsJson(s.metrics, r.classes)}};
  }
  json phases = json::object();
  for (const auto& [phase, seconds] : r.phase_seconds) phases[phase] = seconds;
  return {{"spec", r.spec_name},
          {"model_dir", r.model_dir},
          {"family", r.family},
          {"classes", r.classes},
          {"features", r.features},
          {"unlabelled_rows", r.unlabelled_rows},
          {"untimed_rows", r.untimed_rows},
          {"splits", splits},
          {"seconds", phases},
          {"registry",
           {{"backend", rec.registry},
            {"experiment", rec.experiment},
            {"run_id", rec.run_id},
            {"model", rec.model.empty() ? json(nullptr) : json(rec.model)},
            {"version", rec.version == 0 ? json(nullptr) : json(rec.version)},
            {"alias", rec.alias.empty() ? json(nullptr) : json(rec.alias)}}}};
}

void PrintTrain(const app::TrainRun& run) {
  const train::TrainReport& r = run.report;
  const app::TrainRecord& rec = run.record;
  std::printf("trained %s (%s, %d feature columns) → %s\n", r.spec_name.c_str(), r.family.c_str(),
              r.features, r.model_dir.c_str());
  if (!r.splits.empty() && r.splits.front().regression) {
    // A regression: its errors beside the mean predictor's (the training mean for every row).
    std::printf("%-11s %9s %10s %10s %9s %14s %14s\n", "split", "rows", "mae", "rmse", "r2",
                "mean_pred_mae", "mean_pred_rmse");
    for (const train::SplitResult& s : r.splits) {
      std::printf("%-11s %9lld %10.4f %10.4f ", s.name.c_str(), static_cast<long long>(s.rows),
                  s.regression->mae, s.regression->rmse);
      if (s.regression->r2.ok()) {
        std::printf("%9.4f ", *s.regression->r2);
      } else {
        std::printf("%9s ", "-");
      }
      std::printf("%14.4f %14.4f\n", s.baseline->mae, s.baseline->rmse);
    }
  }
  if (r.splits.empty() || !r.splits.front().regression) {
    std::printf("%-11s %9s %9s %12s %9s %11s %9s %9s\n", "split", "rows", "accuracy",
                "macro_recall", "macro_f1", "weighted_f1", "roc_auc", "log_loss");
  }
  for (const train::SplitResult& s : r.splits) {
    if (s.regression) break;
    const model::ClassificationMetrics& m = s.metrics;
    std::printf("%-11s %9lld %9.4f %12.4f %9.4f %11.4f ", s.name.c_str(),
                static_cast<long long>(s.rows), m.accuracy, m.macro_recall, m.macro_f1,
                m.weighted_f1);
    if (m.roc_auc.ok()) {
      std::printf("%9.4f ", *m.roc_auc);
    } else {
      std::printf("%9s ", "-");
    }
    if (m.log_loss.ok()) {
      std::printf("%9.4f\n", *m.log_loss);
    } else {
      std::printf("%9s\n", "-");
    }
  }
  for (const train::SplitResult& s : r.splits) {
    if (s.regression) break;
    std::printf("\nconfusion on %s (rows: true class, columns: predicted)\n%-14s", s.name.c_str(),
                "");
    for (const std::string& c : r.classes) std::printf(" %10.10s", c.c_str());
    std::printf("\n");
    for (int t = 0; t < s.metrics.num_classes; ++t) {
      std::printf("%-14.14s", r.classes[static_cast<size_t>(t)].c_str());
      for (int p = 0; p < s.metrics.num_classes; ++p) {
        std::printf(" %10lld", static_cast<long long>(s.metrics.Confusion(t, p)));
      }
      std::printf("\n");
    }
  }
  std::printf("\n");
  if (r.unlabelled_rows || r.untimed_rows) {
    std::printf("dropped: %lld rows without a label, %lld without a time\n",
                static_cast<long long>(r.unlabelled_rows), static_cast<long long>(r.untimed_rows));
  }
  std::printf("time:");
  for (const auto& [phase, seconds] : r.phase_seconds) {
    std::printf(" %s %.2f s", phase.c_str(), seconds);
  }
  std::printf("\nrun %s recorded in experiment %s (%s)\n", rec.run_id.c_str(),
              rec.experiment.c_str(), rec.registry.c_str());
  if (rec.version != 0) {
    std::printf("registered %s version %lld", rec.model.c_str(),
                static_cast<long long>(rec.version));
    if (!rec.alias.empty()) std::printf(" as @%s", rec.alias.c_str());
    std::printf("\n");
  }
}

}  // namespace

int RunTrain(const config::Config& c, const app::Settings& s) {
  if (!c.positional().empty()) return Usage("train", "takes no positional arguments");
  // Phases on stderr, on a TTY only: --json output and pipes stay clean.
  const bool progress = !s.cli.json && isatty(STDERR_FILENO);
  auto report = app::RunTrain(s, [progress](std::string_view phase) {
    if (progress)
      std::fprintf(stderr, "train: %.*s…\n", static_cast<int>(phase.size()), phase.data());
  });
  if (!report.ok()) return Fail("train", report.status(), ExitCodeFor(report.status()));
  if (s.cli.json) {
    std::printf("%s\n", TrainJson(*report).dump().c_str());
  } else {
    PrintTrain(*report);
  }
  return 0;
}

int RunPredict(const config::Config& c, const app::Settings& s) {
  if (!c.positional().empty()) return Usage("predict", "takes no positional arguments");
  auto run = app::RunPredict(s);
  if (!run.ok()) return Fail("predict", run.status(), ExitCodeFor(run.status()));
  // The predictions are the output; the summary goes to stderr (or stdout with --out FILE).
  std::FILE* summary = s.predict.out == "-" ? stderr : stdout;
  if (s.cli.json && s.predict.out != "-") {
    std::fprintf(summary, "%s\n",
                 json({{"rows", run->rows},
                       {"model_dir", run->model_dir},
                       {"out", s.predict.out},
                       {"seconds",
                        {{"load", run->load_seconds},
                         {"read", run->read_seconds},
                         {"predict", run->predict_seconds},
                         {"predict_cpu", run->predict_cpu_seconds},
                         {"write", run->write_seconds}}}})
                     .dump()
                     .c_str());
  } else if (!s.cli.json) {
    std::fprintf(summary, "predict: %lld rows scored in %.3f s (load %.3f s, read %.3f s)\n",
                 static_cast<long long>(run->rows), run->predict_seconds, run->load_seconds,
                 run->read_seconds);
  }
  return 0;
}

}  // namespace covidflow::cli
