#include "model/stack/stack.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "base/fs.h"
#include "model/linear/linear.h"
#include "model/metrics.h"

namespace covidflow::model::stack {
namespace {

using nlohmann::json;

constexpr char kStackFile[] = "stack.json";
constexpr char kMetaFile[] = "stack_meta.model";
// 1: linear bases, no offsets; 2: a base may be NB-weighted (binary) and the second level's
// log-probabilities may carry class offsets. A stack without either is written as 1.
constexpr int kStackFormat = 2;
// The smallest probability a base gives the second level: ln(1e-6) bounds its columns.
constexpr double kFloor = 1e-6;
// The search of class offsets for macro-recall: a grid of [-2, 2] in steps of 0.02 per class
// (class 0's fixed at 0: only differences matter), at most three coordinate passes.
constexpr double kOffsetStep = 0.02;
constexpr int kOffsetSteps = 100;
constexpr int kOffsetPasses = 3;

// Column ranges [begin, end) of the input matrix, ascending and disjoint.
struct Range {
  int32_t begin = 0;
  int32_t end = 0;
};
using Ranges = std::vector<Range>;

std::string BaseFile(size_t b) { return "stack_base_" + std::to_string(b) + ".model"; }

int32_t Width(const Ranges& ranges) {
  int32_t w = 0;
  for (const Range& r : ranges) w += r.end - r.begin;
  return w;
}

// `x` restricted to `ranges`, the kept columns renumbered from 0 in range order.
SparseRows Project(const SparseRows& x, const Ranges& ranges) {
  SparseRows out;
  out.cols = Width(ranges);
  out.offsets.reserve(x.rows() + 1);
  for (size_t r = 0; r < x.rows(); ++r) {
    auto idx = x.RowIndices(r);
    auto val = x.RowValues(r);
    size_t p = 0;
    int32_t base = 0;
    for (size_t k = 0; k < idx.size() && p < ranges.size(); ++k) {
      while (p < ranges.size() && idx[k] >= ranges[p].end) {
        base += ranges[p].end - ranges[p].begin;
        ++p;
      }
      if (p == ranges.size()) break;
      if (idx[k] < ranges[p].begin) continue;
      out.indices.push_back(base + idx[k] - ranges[p].begin);
      out.values.push_back(val[k]);
    }
    out.offsets.push_back(out.indices.size());
  }
  return out;
}

// The rows `rows` of `x`, in that order.
SparseRows SelectRows(const SparseRows& x, std::span<const size_t> rows) {
  SparseRows out;
  out.cols = x.cols;
  out.offsets.reserve(rows.size() + 1);
  for (size_t r : rows) out.AddRow(x.RowIndices(r), x.RowValues(r));
  return out;
}

// The second level's rows: each base's ln(max(p, kFloor)) (`probs`: rows × columns, row-major),
// then the meta columns of `x`.
SparseRows MetaRows(std::span<const double> probs, int columns, const SparseRows& x,
                    const Ranges& meta) {
  const SparseRows extra = Project(x, meta);
  SparseRows out;
  out.cols = columns + extra.cols;
  std::vector<int32_t> idx;
  std::vector<float> val;
  for (size_t r = 0; r < x.rows(); ++r) {
    idx.clear();
    val.clear();
    for (int c = 0; c < columns; ++c) {
      idx.push_back(c);
      val.push_back(static_cast<float>(std::log(std::max(probs[r * columns + c], kFloor))));
    }
    auto ei = extra.RowIndices(r);
    auto ev = extra.RowValues(r);
    for (size_t k = 0; k < ei.size(); ++k) {
      idx.push_back(columns + ei[k]);
      val.push_back(ev[k]);
    }
    out.AddRow(idx, val);
  }
  return out;
}

// `x` with every positive value 1 and every other entry dropped (an NB-weighted base's input).
SparseRows Binarise(const SparseRows& x) {
  SparseRows out;
  out.cols = x.cols;
  out.offsets.reserve(x.rows() + 1);
  for (size_t r = 0; r < x.rows(); ++r) {
    auto idx = x.RowIndices(r);
    auto val = x.RowValues(r);
    for (size_t k = 0; k < idx.size(); ++k) {
      if (val[k] > 0) {
        out.indices.push_back(idx[k]);
        out.values.push_back(1.0f);
      }
    }
    out.offsets.push_back(out.indices.size());
  }
  return out;
}

// `x` with column j multiplied by scale[j].
SparseRows ScaleColumns(const SparseRows& x, std::span<const double> scale) {
  SparseRows out = x;
  for (size_t k = 0; k < out.indices.size(); ++k) {
    out.values[k] = static_cast<float>(out.values[k] * scale[out.indices[k]]);
  }
  return out;
}

// Each row's probabilities times exp(offset of its class), normalised again.
void ShiftClasses(std::span<double> probs, std::span<const double> offsets) {
  const size_t k = offsets.size();
  for (size_t r = 0; r * k < probs.size(); ++r) {
    double sum = 0;
    for (size_t c = 0; c < k; ++c) sum += probs[r * k + c] *= std::exp(offsets[c]);
    for (size_t c = 0; c < k; ++c) probs[r * k + c] /= sum;
  }
}

bool AllZero(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [](double d) { return d == 0; });
}

json RangesToJson(const Ranges& ranges) {
  json out = json::array();
  for (const Range& r : ranges) out.push_back({r.begin, r.end});
  return out;
}

class StackClassifier final : public Classifier {
 public:
  StackClassifier(int num_classes, std::vector<Ranges> base_ranges, std::vector<bool> binary,
                  std::vector<std::unique_ptr<Classifier>> bases, Ranges meta_ranges,
                  std::unique_ptr<Classifier> meta, std::vector<double> offsets)
      : num_classes_(num_classes),
        base_ranges_(std::move(base_ranges)),
        binary_(std::move(binary)),
        bases_(std::move(bases)),
        meta_ranges_(std::move(meta_ranges)),
        meta_(std::move(meta)),
        offsets_(std::move(offsets)) {}

  std::string_view Family() const override { return "stack"; }
  int NumClasses() const override { return num_classes_; }
  int FormatVersion() const override { return 2; }

  Result<std::vector<double>> PredictProba(const SparseRows& rows) const override {
    const int k = num_classes_;
    const int columns = static_cast<int>(bases_.size()) * k;
    std::vector<double> probs(rows.rows() * columns);
    for (size_t b = 0; b < bases_.size(); ++b) {
      SparseRows xb = Project(rows, base_ranges_[b]);
      if (binary_[b]) xb = Binarise(xb);
      ASSIGN_OR_RETURN(std::vector<double> p, bases_[b]->PredictProba(xb));
      for (size_t r = 0; r < rows.rows(); ++r) {
        std::copy_n(&p[r * k], k, &probs[r * columns + b * k]);
      }
    }
    ASSIGN_OR_RETURN(std::vector<double> out,
                     meta_->PredictProba(MetaRows(probs, columns, rows, meta_ranges_)));
    if (!AllZero(offsets_)) ShiftClasses(out, offsets_);
    return out;
  }

  Result<std::vector<std::string>> Save(const std::string& dir) const override {
    std::vector<std::string> names;
    json bases = json::array();
    for (size_t b = 0; b < bases_.size(); ++b) {
      RETURN_IF_ERROR(linear::SaveFile(*bases_[b], dir + "/" + BaseFile(b)));
      json base = {{"file", BaseFile(b)}, {"columns", RangesToJson(base_ranges_[b])}};
      if (binary_[b]) base["binary"] = true;
      bases.push_back(std::move(base));
      names.push_back(BaseFile(b));
    }
    RETURN_IF_ERROR(linear::SaveFile(*meta_, dir + "/" + kMetaFile));
    names.push_back(kMetaFile);
    const bool extended =
        !AllZero(offsets_) || std::find(binary_.begin(), binary_.end(), true) != binary_.end();
    json state = {{"stack_format", extended ? kStackFormat : 1},
                  {"bases", bases},
                  {"meta", {{"file", kMetaFile}, {"columns", RangesToJson(meta_ranges_)}}},
                  {"probability_floor", kFloor}};
    if (!AllZero(offsets_)) state["class_offsets"] = offsets_;
    const std::string path = dir + "/" + kStackFile;
    RETURN_IF_ERROR(ReplaceFileAtomically(path, state.dump(2) + "\n", path + ".tmp"));
    names.push_back(kStackFile);
    return names;
  }

 private:
  int num_classes_;
  std::vector<Ranges> base_ranges_;
  std::vector<bool> binary_;  // an NB-weighted base: reads its columns binarised
  std::vector<std::unique_ptr<Classifier>> bases_;
  Ranges meta_ranges_;
  std::unique_ptr<Classifier> meta_;
  std::vector<double> offsets_;  // added to the second level's log-probabilities (all 0: none)
};

// "a,b;c" → {{"a", "b"}, {"c"}}; empty parts are kept so the caller can refuse them.
std::vector<std::vector<std::string>> SplitList(const std::string& text) {
  std::vector<std::vector<std::string>> out(1);
  std::string name;
  for (char ch : text + ";") {
    if (ch == ',' || ch == ';') {
      out.back().push_back(name);
      name.clear();
      if (ch == ';') out.emplace_back();
    } else if (ch != ' ') {
      name += ch;
    }
  }
  out.pop_back();
  return out;
}

// One base of the stack: the features it reads, and whether it is NB-weighted.
struct BaseSpec {
  std::vector<std::string> names;
  bool nb = false;
};

// The rows `rows` of `x` and their labels.
struct Subset {
  SparseRows x;
  std::vector<int32_t> labels;
};

Subset Select(const SparseRows& x, std::span<const int32_t> labels, std::span<const size_t> rows) {
  Subset out{SelectRows(x, rows), {}};
  out.labels.reserve(rows.size());
  for (size_t r : rows) out.labels.push_back(labels[r]);
  return out;
}

class StackTrainer final : public Trainer {
 public:
  struct Options {
    std::vector<BaseSpec> bases;
    std::vector<std::string> meta;
    int folds = 5;
    double nb_alpha = 1.0;
    bool offsets = false;  // class offsets for macro-recall
  };

  StackTrainer(Options options, std::unique_ptr<Trainer> base, std::unique_ptr<Trainer> nb,
               std::unique_ptr<Trainer> second)
      : o_(std::move(options)),
        base_(std::move(base)),
        nb_(std::move(nb)),
        second_(std::move(second)) {}

  Result<std::unique_ptr<Classifier>> Fit(const TrainingData& data) const override {
    const size_t n = data.x.rows();
    if (data.num_classes < 2) {
      return Status::InvalidArgument("stack: a classifier only (task regression is refused)");
    }
    if (n == 0 || data.labels.size() != n) {
      return Status::InvalidArgument("stack: " + std::to_string(n) + " rows and " +
                                     std::to_string(data.labels.size()) + " labels");
    }
    const int k = data.num_classes;
    std::vector<Ranges> base_ranges;
    std::vector<bool> binary;
    for (const BaseSpec& spec : o_.bases) {
      ASSIGN_OR_RETURN(Ranges r, Resolve("bases", spec.names, data.blocks));
      base_ranges.push_back(std::move(r));
      binary.push_back(spec.nb);
    }
    ASSIGN_OR_RETURN(Ranges meta_ranges, Resolve("meta", o_.meta, data.blocks));

    ASSIGN_OR_RETURN(const std::vector<int> fold, AssignFolds(data.labels, k, o_.folds));
    const int columns = static_cast<int>(base_ranges.size()) * k;
    std::vector<double> oof(n * columns);
    std::vector<std::unique_ptr<Classifier>> bases;
    for (size_t b = 0; b < base_ranges.size(); ++b) {
      SparseRows xb = Project(data.x, base_ranges[b]);
      if (binary[b]) xb = Binarise(xb);
      // Everything an NB-weighted base learns (its log-count ratios too) comes from the rows
      // it is fitted on: the held-out fold is never seen.
      const FitFunction fit = [&](const SparseRows& x, std::span<const int32_t> labels) {
        return binary[b] ? FitNb(*nb_, x, labels, k, data.seed, o_.nb_alpha)
                         : base_->Fit({x, labels, k, data.seed});
      };
      ASSIGN_OR_RETURN(std::vector<double> p, OutOfFold(fit, xb, data.labels, k, fold, o_.folds));
      for (size_t r = 0; r < n; ++r) std::copy_n(&p[r * k], k, &oof[r * columns + b * k]);
      ASSIGN_OR_RETURN(std::unique_ptr<Classifier> full, fit(xb, data.labels));
      bases.push_back(std::move(full));
    }
    const SparseRows meta_x = MetaRows(oof, columns, data.x, meta_ranges);
    ASSIGN_OR_RETURN(std::unique_ptr<Classifier> meta,
                     second_->Fit({meta_x, data.labels, k, data.seed}));
    std::vector<double> offsets(k, 0.0);
    if (o_.offsets) {
      // The second level's own out-of-fold probabilities (the same folds), so the offsets are
      // chosen on predictions of rows it was not fitted on.
      const FitFunction fit = [&](const SparseRows& x, std::span<const int32_t> labels) {
        return second_->Fit({x, labels, k, data.seed});
      };
      ASSIGN_OR_RETURN(std::vector<double> meta_oof,
                       OutOfFold(fit, meta_x, data.labels, k, fold, o_.folds));
      ASSIGN_OR_RETURN(offsets, MacroRecallOffsets(meta_oof, data.labels, k));
    }
    return std::unique_ptr<Classifier>(
        new StackClassifier(k, std::move(base_ranges), std::move(binary), std::move(bases),
                            std::move(meta_ranges), std::move(meta), std::move(offsets)));
  }

 private:
  // The column ranges of the named features, ascending.
  static Result<Ranges> Resolve(std::string_view key, const std::vector<std::string>& names,
                                std::span<const FeatureBlock> blocks) {
    Ranges out;
    for (const std::string& name : names) {
      auto it = std::find_if(blocks.begin(), blocks.end(),
                             [&](const FeatureBlock& b) { return b.name == name; });
      if (it == blocks.end()) {
        std::string known;
        for (const FeatureBlock& b : blocks) known += (known.empty() ? "" : ", ") + b.name;
        return Status::InvalidArgument(
            "hyperparameter '" + std::string(key) + "': no feature '" + name +
            "'; the features are: " + (known.empty() ? "(none given)" : known));
      }
      if (it->end > it->begin) out.push_back({it->begin, it->end});
    }
    std::sort(out.begin(), out.end(),
              [](const Range& a, const Range& b) { return a.begin < b.begin; });
    for (size_t i = 1; i < out.size(); ++i) {
      if (out[i].begin < out[i - 1].end) {
        return Status::InvalidArgument("hyperparameter '" + std::string(key) +
                                       "': a feature is named twice in one model");
      }
    }
    return out;
  }

  Options o_;
  std::unique_ptr<Trainer> base_;
  std::unique_ptr<Trainer> nb_;
  std::unique_ptr<Trainer> second_;
};

Status Corrupt(const std::string& path, std::string_view why) {
  return Status::Corruption(path + ": " + std::string(why));
}

Result<Ranges> RangesFromJson(const json& j, const std::string& path) {
  if (!j.is_array()) return Corrupt(path, "columns is not an array");
  Ranges out;
  for (const json& r : j) {
    if (!r.is_array() || r.size() != 2 || !r[0].is_number_integer() || !r[1].is_number_integer()) {
      return Corrupt(path, "a column range is not [begin, end]");
    }
    const Range range{r[0].get<int32_t>(), r[1].get<int32_t>()};
    if (range.begin < 0 || range.end <= range.begin ||
        (!out.empty() && range.begin < out.back().end)) {
      return Corrupt(path, "column ranges must be non-empty, ascending and disjoint");
    }
    out.push_back(range);
  }
  return out;
}

}  // namespace

Result<std::vector<int>> AssignFolds(std::span<const int32_t> labels, int k, int folds) {
  std::vector<int> fold(labels.size());
  std::vector<int> dealt(k, 0);
  for (size_t r = 0; r < labels.size(); ++r) {
    const int32_t y = labels[r];
    if (y < 0 || y >= k) {
      return Status::InvalidArgument("stack: label " + std::to_string(y) + " out of range");
    }
    fold[r] = dealt[y]++ % folds;
  }
  return fold;
}

Result<std::vector<double>> OutOfFold(const FitFunction& fit, const SparseRows& x,
                                      std::span<const int32_t> labels, int k,
                                      std::span<const int> fold, int folds) {
  std::vector<double> out(x.rows() * k);
  for (int f = 0; f < folds; ++f) {
    std::vector<size_t> fit_rows;
    std::vector<size_t> held_rows;
    for (size_t r = 0; r < x.rows(); ++r) (fold[r] == f ? held_rows : fit_rows).push_back(r);
    std::unique_ptr<Classifier> clf;
    {
      const Subset part = Select(x, labels, fit_rows);
      ASSIGN_OR_RETURN(clf, fit(part.x, part.labels));
    }
    ASSIGN_OR_RETURN(std::vector<double> p, clf->PredictProba(SelectRows(x, held_rows)));
    for (size_t i = 0; i < held_rows.size(); ++i) {
      std::copy_n(&p[i * k], k, &out[held_rows[i] * k]);
    }
  }
  return out;
}

Result<std::unique_ptr<Classifier>> FitNb(const Trainer& base, const SparseRows& x,
                                          std::span<const int32_t> labels, int k, uint64_t seed,
                                          double alpha) {
  std::vector<std::vector<double>> scores;
  std::vector<int32_t> y(labels.size());
  for (int c = k == 2 ? 1 : 0; c < k; ++c) {
    const std::vector<double> ratio = LogCountRatio(x, labels, c, alpha);
    for (size_t i = 0; i < y.size(); ++i) y[i] = labels[i] == c ? 1 : 0;
    std::unique_ptr<Classifier> clf;
    {
      const SparseRows scaled = ScaleColumns(x, ratio);
      ASSIGN_OR_RETURN(clf, base.Fit({scaled, y, 2, seed}));
    }
    ASSIGN_OR_RETURN(std::vector<double> w, linear::ClassOneScore(*clf));
    for (int32_t j = 0; j < x.cols; ++j) w[j] *= ratio[j];
    scores.push_back(std::move(w));
  }
  return linear::FromScores(x.cols, scores);
}

std::vector<double> LogCountRatio(const SparseRows& x, std::span<const int32_t> labels, int32_t cls,
                                  double alpha) {
  std::vector<double> p(x.cols, alpha);
  std::vector<double> q(x.cols, alpha);
  for (size_t r = 0; r < x.rows(); ++r) {
    std::vector<double>& counts = labels[r] == cls ? p : q;
    auto idx = x.RowIndices(r);
    auto val = x.RowValues(r);
    for (size_t k = 0; k < idx.size(); ++k) {
      if (val[k] > 0) counts[idx[k]] += 1;
    }
  }
  double p_sum = 0;
  double q_sum = 0;
  for (int32_t j = 0; j < x.cols; ++j) {
    p_sum += p[j];
    q_sum += q[j];
  }
  std::vector<double> out(x.cols);
  for (int32_t j = 0; j < x.cols; ++j) out[j] = std::log((p[j] / p_sum) / (q[j] / q_sum));
  return out;
}

Result<std::vector<double>> MacroRecallOffsets(std::span<const double> probs,
                                               std::span<const int32_t> labels, int k) {
  const size_t n = labels.size();
  if (k < 2 || probs.size() != n * k) {
    return Status::InvalidArgument("stack: " + std::to_string(probs.size()) +
                                   " probabilities for " + std::to_string(n) + " rows of " +
                                   std::to_string(k) + " classes");
  }
  std::vector<double> logp(probs.size());
  for (size_t i = 0; i < probs.size(); ++i) logp[i] = std::log(std::max(probs[i], kFloor));
  std::vector<double> offsets(k, 0.0);
  std::vector<int32_t> predicted(n);
  auto score = [&]() -> Result<double> {
    for (size_t r = 0; r < n; ++r) {
      int best = 0;
      for (int c = 1; c < k; ++c) {
        if (logp[r * k + c] + offsets[c] > logp[r * k + best] + offsets[best]) best = c;
      }
      predicted[r] = best;
    }
    return ComputeMetric(Metric::kMacroRecall, ClassifiedRows{k, labels, predicted, {}});
  };
  ASSIGN_OR_RETURN(double best, score());
  for (int pass = 0; pass < kOffsetPasses; ++pass) {
    bool moved = false;
    for (int c = 1; c < k; ++c) {
      const double kept = offsets[c];
      double best_value = kept;
      for (int step = -kOffsetSteps; step <= kOffsetSteps; ++step) {
        offsets[c] = step * kOffsetStep;
        ASSIGN_OR_RETURN(double value, score());
        if (value > best) {
          best = value;
          best_value = offsets[c];
        }
      }
      offsets[c] = best_value;
      moved = moved || best_value != kept;
    }
    if (!moved) break;
  }
  return offsets;
}

Result<std::unique_ptr<Trainer>> MakeTrainer(Hyperparameters& params) {
  StackTrainer::Options o;
  ASSIGN_OR_RETURN(std::string bases_text, params.Text("bases", ""));
  if (bases_text.empty()) {
    return Status::InvalidArgument(
        "hyperparameter 'bases': required: base models separated by ';', each a ','-separated "
        "list of feature names, 'nb:' before an NB-weighted one");
  }
  for (std::vector<std::string>& names : SplitList(bases_text)) {
    BaseSpec spec;
    if (!names.empty() && names[0].starts_with("nb:")) {
      spec.nb = true;
      names[0] = names[0].substr(3);
    }
    for (const std::string& name : names) {
      if (name.empty()) {
        return Status::InvalidArgument("hyperparameter 'bases': an empty feature name in '" +
                                       bases_text + "'");
      }
    }
    spec.names = std::move(names);
    o.bases.push_back(std::move(spec));
  }
  Result<std::string> meta_text = params.Text("meta", "-");
  if (!meta_text.ok()) return meta_text.status();
  if (*meta_text != "-") {
    for (const auto& names : SplitList(*meta_text)) {
      for (const std::string& name : names) {
        if (name.empty()) {
          return Status::InvalidArgument("hyperparameter 'meta': an empty feature name in '" +
                                         *meta_text + "'");
        }
        o.meta.push_back(name);
      }
    }
  }
  ASSIGN_OR_RETURN(int64_t folds, params.Int("folds", 5, 2, 20));
  o.folds = static_cast<int>(folds);
  ASSIGN_OR_RETURN(o.nb_alpha, params.Double("nb_alpha", 1.0, 1e-6, 1e6));
  Result<std::string> offsets = params.Choice("offsets", "none", {"none", "macro_recall"});
  if (!offsets.ok()) return offsets.status();
  o.offsets = *offsets == "macro_recall";
  // The linear family checks C, class_weight and tolerance; meta_C is the second level's C,
  // nb_C the NB-weighted bases' (default C).
  ASSIGN_OR_RETURN(double meta_c, params.Double("meta_C", 1.0, 1e-6, 1e6));
  ASSIGN_OR_RETURN(double c, params.Double("C", 1.0, 1e-6, 1e6));
  ASSIGN_OR_RETURN(double nb_c, params.Double("nb_C", c, 1e-6, 1e6));
  Hyperparameters::Values base_values;
  for (const char* key : {"C", "class_weight", "tolerance"}) {
    if (auto it = params.values().find(key); it != params.values().end()) {
      base_values[key] = it->second;
    }
  }
  auto with_c = [&](const char* key, double value) {
    Hyperparameters::Values v = base_values;
    v["C"] = params.values().contains(key) ? params.values().at(key) : std::to_string(value);
    return v;
  };
  Hyperparameters::Values meta_values = with_c("meta_C", meta_c);
  Hyperparameters::Values nb_values =
      params.values().contains("nb_C") ? with_c("nb_C", nb_c) : base_values;
  Result<std::string> weight = params.Choice("class_weight", "none", {"none", "balanced"});
  if (!weight.ok()) return weight.status();
  ASSIGN_OR_RETURN(double tolerance, params.Double("tolerance", 0.01, 1e-8, 1.0));
  (void)tolerance;
  RETURN_IF_ERROR(params.CheckAllRead());
  Hyperparameters base_params(base_values);
  Hyperparameters nb_params(nb_values);
  Hyperparameters meta_params(meta_values);
  ASSIGN_OR_RETURN(std::unique_ptr<Trainer> base, linear::MakeTrainer(base_params));
  ASSIGN_OR_RETURN(std::unique_ptr<Trainer> nb, linear::MakeTrainer(nb_params));
  ASSIGN_OR_RETURN(std::unique_ptr<Trainer> second, linear::MakeTrainer(meta_params));
  return std::unique_ptr<Trainer>(
      new StackTrainer(std::move(o), std::move(base), std::move(nb), std::move(second)));
}

Result<std::unique_ptr<Classifier>> Load(const std::string& dir, int num_classes) {
  const std::string path = dir + "/" + kStackFile;
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  const json state = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (state.is_discarded() || !state.is_object()) return Corrupt(path, "not valid JSON");
  if (!state.contains("stack_format") || !state["stack_format"].is_number_integer() ||
      state["stack_format"].get<int>() < 1 || state["stack_format"].get<int>() > kStackFormat) {
    return Corrupt(path, "stack_format is not 1.." + std::to_string(kStackFormat));
  }
  const bool extended = state["stack_format"].get<int>() >= 2;
  if (!state.contains("bases") || !state["bases"].is_array() || state["bases"].empty() ||
      !state.contains("meta") || !state["meta"].is_object() || !state["meta"].contains("columns")) {
    return Corrupt(path, "bases or meta missing");
  }
  std::vector<Ranges> base_ranges;
  std::vector<bool> binary;
  std::vector<std::unique_ptr<Classifier>> bases;
  for (size_t b = 0; b < state["bases"].size(); ++b) {
    const json& base = state["bases"][b];
    if (!base.is_object() || !base.contains("file") || base["file"] != BaseFile(b) ||
        !base.contains("columns")) {
      return Corrupt(path,
                     "base " + std::to_string(b) + " is not {file: " + BaseFile(b) + ", columns}");
    }
    ASSIGN_OR_RETURN(Ranges r, RangesFromJson(base["columns"], path));
    base_ranges.push_back(std::move(r));
    const json flag = base.value("binary", json(false));
    if (!flag.is_boolean() || (flag.get<bool>() && !extended)) {
      return Corrupt(path, "base " + std::to_string(b) + ": binary is not a boolean of format 2");
    }
    binary.push_back(flag.get<bool>());
    ASSIGN_OR_RETURN(std::unique_ptr<Classifier> clf,
                     linear::LoadFile(dir + "/" + BaseFile(b), num_classes));
    bases.push_back(std::move(clf));
  }
  if (state["meta"].value("file", "") != kMetaFile) {
    return Corrupt(path, std::string("meta.file is not ") + kMetaFile);
  }
  ASSIGN_OR_RETURN(Ranges meta_ranges, RangesFromJson(state["meta"]["columns"], path));
  ASSIGN_OR_RETURN(std::unique_ptr<Classifier> meta,
                   linear::LoadFile(dir + "/" + kMetaFile, num_classes));
  std::vector<double> offsets(num_classes, 0.0);
  if (state.contains("class_offsets")) {
    const json& j = state["class_offsets"];
    if (!extended || !j.is_array() || j.size() != static_cast<size_t>(num_classes)) {
      return Corrupt(path, "class_offsets is not one number per class (format 2)");
    }
    for (int c = 0; c < num_classes; ++c) {
      if (!j[c].is_number() || !std::isfinite(j[c].get<double>())) {
        return Corrupt(path, "class_offsets is not one finite number per class");
      }
      offsets[c] = j[c].get<double>();
    }
  }
  return std::unique_ptr<Classifier>(
      new StackClassifier(num_classes, std::move(base_ranges), std::move(binary), std::move(bases),
                          std::move(meta_ranges), std::move(meta), std::move(offsets)));
}

}  // namespace covidflow::model::stack
