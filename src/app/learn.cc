#include "app/learn.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <utility>

#include "app/app.h"
#include "base/fs.h"
#include "features/table.h"
#include "model/artifact.h"
#include "model/classifier.h"
#include "train/spec.h"

namespace covidflow::app {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// UTC time as 20201206T153000Z: sortable, and a valid directory name everywhere.
std::string UtcStamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Result<features::FileFormat> InputFormat(const PredictSettings& s) {
  switch (s.format) {
    case PredictSettings::Format::kCsv:
      return features::FileFormat::kCsv;
    case PredictSettings::Format::kJsonl:
      return features::FileFormat::kJsonl;
    case PredictSettings::Format::kLines:
      return features::FileFormat::kLines;
    case PredictSettings::Format::kAuto:
      break;
  }
  return features::ParseFileFormat("auto", s.input);
}

// Appends the shortest decimal text that reads back as exactly `v` (JSON has no NaN: null).
void AppendNumber(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc() ? end : buf);
}

}  // namespace

Result<train::TrainReport> RunTrain(const TrainSettings& s, const CliOptions& cli,
                                    std::function<void(std::string_view phase)> on_phase) {
  if (s.spec.empty()) return Status::InvalidArgument("--spec FILE is required");
  ASSIGN_OR_RETURN(train::Spec spec, train::ReadSpec(s.spec));
  train::TrainOptions options;
  options.data_files = s.data_files;
  options.out_dir =
      s.out.empty()
          ? (std::filesystem::path(HomeDir(cli)) / "models" / spec.name / UtcStamp()).string()
          : s.out;
  options.on_phase = std::move(on_phase);
  return train::Train(spec, options);
}

Result<PredictRun> RunPredict(const PredictSettings& s) {
  if (s.model.empty()) return Status::InvalidArgument("--model DIR is required");
  if (s.input.empty()) return Status::InvalidArgument("--input FILE is required");
  PredictRun run;
  run.model_dir = s.model;
  auto t = Clock::now();
  ASSIGN_OR_RETURN(model::Model m, model::LoadModel(s.model));
  run.load_seconds = Since(t);

  t = Clock::now();
  ASSIGN_OR_RETURN(features::FileFormat format, InputFormat(s));
  ASSIGN_OR_RETURN(features::Table rows, features::ReadTable(s.input, format, s.column));
  run.read_seconds = Since(t);
  run.rows = static_cast<int64_t>(rows.rows());

  t = Clock::now();
  ASSIGN_OR_RETURN(std::vector<double> proba, m.PredictProba(rows));
  run.predict_seconds = Since(t);

  t = Clock::now();
  // Each class name as a JSON string once; rows are then numbers between them.
  const size_t k = m.classes.size();
  std::vector<std::string> quoted(k);
  for (size_t c = 0; c < k; ++c) quoted[c] = model::DumpJson(nlohmann::json(m.classes[c]));
  std::string out;
  out.reserve(rows.rows() * (32 + k * 32));
  const std::vector<int32_t> best = model::ArgMax(proba, static_cast<int>(k));
  for (size_t r = 0; r < rows.rows(); ++r) {
    const double* p = proba.data() + r * k;
    out += "{\"class\":";
    out += quoted[static_cast<size_t>(best[r])];
    out += ",\"probabilities\":{";
    for (size_t c = 0; c < k; ++c) {
      if (c) out += ',';
      out += quoted[c];
      out += ':';
      AppendNumber(out, p[c]);
    }
    out += "}}\n";
  }
  if (s.out == "-") {
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
      return Status::IoError("writing predictions to stdout");
    }
  } else {
    RETURN_IF_ERROR(ReplaceFileAtomically(s.out, out, s.out + ".tmp"));
  }
  run.write_seconds = Since(t);
  return run;
}

}  // namespace covidflow::app
