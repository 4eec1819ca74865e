#include "model/gbt/gbt.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <vector>

namespace covidflow::model::gbt {
namespace {

constexpr char kModelFile[] = "gbt.json";

// Every XGBoost failure becomes a Status here, with XGBoost's own message.
Status Check(int rc, std::string_view what, StatusCode code = StatusCode::kInternal) {
  if (rc == 0) return Status::Ok();
  return Status(code, "xgboost: " + std::string(what) + ": " + XGBGetLastError());
}

struct BoosterDeleter {
  void operator()(void* h) const { XGBoosterFree(h); }
};
using BoosterPtr = std::unique_ptr<void, BoosterDeleter>;
struct MatrixDeleter {
  void operator()(void* h) const { XGDMatrixFree(h); }
};
using MatrixPtr = std::unique_ptr<void, MatrixDeleter>;

Result<MatrixPtr> ToMatrix(const SparseRows& x, int32_t num_cols) {
  std::vector<size_t> indptr(x.offsets.begin(), x.offsets.end());
  std::vector<unsigned> indices(x.indices.size());
  std::vector<float> values;
  values.reserve(x.values.size());
  // Columns the model never saw in training are dropped (Classifier's contract).
  size_t kept = 0;
  for (size_t r = 0; r < x.rows(); ++r) {
    indptr[r] = kept;
    for (uint64_t k = x.offsets[r]; k < x.offsets[r + 1]; ++k) {
      if (x.indices[k] >= num_cols) continue;
      indices[kept] = static_cast<unsigned>(x.indices[k]);
      values.push_back(x.values[k]);
      ++kept;
    }
  }
  indptr[x.rows()] = kept;
  DMatrixHandle h = nullptr;
  RETURN_IF_ERROR(
      Check(XGDMatrixCreateFromCSREx(indptr.data(), indices.data(), values.data(), indptr.size(),
                                     kept, static_cast<size_t>(num_cols), &h),
            "building the feature matrix"));
  return MatrixPtr(h);
}

class TreeClassifier final : public Classifier {
 public:
  TreeClassifier(BoosterPtr booster, std::string_view family, int num_classes, int32_t num_cols)
      : booster_(std::move(booster)),
        family_(family),
        num_classes_(num_classes),
        num_cols_(num_cols) {}

  std::string_view Family() const override { return family_; }
  int NumClasses() const override { return num_classes_; }

  Result<std::vector<double>> PredictProba(const SparseRows& rows) const override {
    const size_t n = rows.rows();
    std::vector<double> out(n * static_cast<size_t>(num_classes_));
    if (n == 0) return out;
    ASSIGN_OR_RETURN(MatrixPtr m, ToMatrix(rows, num_cols_));
    std::lock_guard lock(mu_);
    bst_ulong len = 0;
    const float* p = nullptr;
    RETURN_IF_ERROR(Check(XGBoosterPredict(booster_.get(), m.get(), 0, 0, 0, &len, &p), "predict"));
    const size_t per_row = num_classes_ <= 2 ? 1 : static_cast<size_t>(num_classes_);
    if (len != n * per_row) {
      return Status::Corruption("xgboost gave " + std::to_string(len) + " outputs for " +
                                std::to_string(n) + " rows of " + std::to_string(num_classes_) +
                                " classes: the model file does not match its manifest");
    }
    for (size_t r = 0; r < n; ++r) {
      double* row = &out[r * static_cast<size_t>(num_classes_)];
      if (num_classes_ == 1) {
        row[0] = p[r];  // reg:squarederror: the value itself
      } else if (num_classes_ == 2) {
        row[1] = p[r];
        row[0] = 1.0 - row[1];
      } else {
        // softprob rows sum to 1 in float; renormalise in double so they do here too.
        double sum = 0;
        for (size_t c = 0; c < per_row; ++c) sum += row[c] = p[r * per_row + c];
        for (size_t c = 0; c < per_row; ++c) row[c] /= sum;
      }
    }
    return out;
  }

  Result<std::vector<std::string>> Save(const std::string& dir) const override {
    const std::string path = dir + "/" + kModelFile;
    std::lock_guard lock(mu_);
    RETURN_IF_ERROR(Check(XGBoosterSaveModel(booster_.get(), path.c_str()), "saving " + path,
                          StatusCode::kIoError));
    return std::vector<std::string>{kModelFile};
  }

 private:
  BoosterPtr booster_;
  std::string_view family_;
  int num_classes_;
  int32_t num_cols_;
  mutable std::mutex mu_;
};

struct Options {
  std::string_view family;
  int64_t rounds = 200;
  int64_t max_depth = 6;
  double eta = 0.1;
  double min_child_weight = 1;
  double subsample = 1;
  double colsample_bytree = 1;
  double lambda = 1;
  double alpha = 0;
  int64_t max_bin = 256;
  bool balanced = false;
  int64_t threads = 1;
};

std::string Text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

class TreeTrainer final : public Trainer {
 public:
  explicit TreeTrainer(Options options) : options_(options) {}

  Result<std::unique_ptr<Classifier>> Fit(const TrainingData& data) const override {
    if (data.num_classes == 1) return FitRegressor(data);
    const std::string name(options_.family);
    const size_t n = data.x.rows();
    if (n == 0 || data.labels.size() != n) {
      return Status::InvalidArgument(name + ": " + std::to_string(n) + " rows and " +
                                     std::to_string(data.labels.size()) + " labels");
    }
    if (data.num_classes < 2) {
      return Status::InvalidArgument(name + ": needs at least 2 classes");
    }
    RETURN_IF_ERROR(data.x.Validate());
    std::vector<int64_t> counts(static_cast<size_t>(data.num_classes), 0);
    for (int32_t y : data.labels) {
      if (y < 0 || y >= data.num_classes) {
        return Status::InvalidArgument(name + ": label " + std::to_string(y) + " out of range");
      }
      ++counts[static_cast<size_t>(y)];
    }
    for (int c = 0; c < data.num_classes; ++c) {
      if (counts[static_cast<size_t>(c)] == 0) {
        return Status::InvalidArgument(name + ": class " + std::to_string(c) +
                                       " has no training rows");
      }
    }
    const int32_t num_cols = std::max<int32_t>(data.x.cols, 1);
    ASSIGN_OR_RETURN(MatrixPtr m, ToMatrix(data.x, num_cols));
    std::vector<float> labels(data.labels.begin(), data.labels.end());
    RETURN_IF_ERROR(Check(XGDMatrixSetFloatInfo(m.get(), "label", labels.data(), n), "labels"));
    if (options_.balanced) {
      // scikit-learn's "balanced": n / (k · count(class)) per row.
      std::vector<float> weights(n);
      for (size_t r = 0; r < n; ++r) {
        weights[r] = static_cast<float>(
            static_cast<double>(n) /
            (data.num_classes * static_cast<double>(counts[static_cast<size_t>(data.labels[r])])));
      }
      RETURN_IF_ERROR(
          Check(XGDMatrixSetFloatInfo(m.get(), "weight", weights.data(), n), "row weights"));
    }
    const bool binary = data.num_classes == 2;
    return Boost(std::move(m), data, binary ? "binary:logistic" : "multi:softprob",
                 binary ? 0 : data.num_classes, num_cols);
  }

 private:
  // reg:squarederror on the targets; class_weight does not apply.
  Result<std::unique_ptr<Classifier>> FitRegressor(const TrainingData& data) const {
    const std::string name(options_.family);
    const size_t n = data.x.rows();
    if (n == 0 || data.targets.size() != n) {
      return Status::InvalidArgument(name + ": " + std::to_string(n) + " rows and " +
                                     std::to_string(data.targets.size()) + " targets");
    }
    if (options_.balanced) {
      return Status::InvalidArgument(name + ": class_weight has no meaning for a regression");
    }
    RETURN_IF_ERROR(data.x.Validate());
    const int32_t num_cols = std::max<int32_t>(data.x.cols, 1);
    ASSIGN_OR_RETURN(MatrixPtr m, ToMatrix(data.x, num_cols));
    std::vector<float> labels(data.targets.begin(), data.targets.end());
    RETURN_IF_ERROR(Check(XGDMatrixSetFloatInfo(m.get(), "label", labels.data(), n), "targets"));
    return Boost(std::move(m), data, "reg:squarederror", 0, num_cols);
  }

  // Trains options_.rounds rounds of `objective` on `m` (labels and weights set); num_class
  // 0 = not set (one output a row).
  Result<std::unique_ptr<Classifier>> Boost(MatrixPtr m, const TrainingData& data,
                                            const std::string& objective, int num_class,
                                            int32_t num_cols) const {
    DMatrixHandle train[] = {m.get()};
    BoosterHandle h = nullptr;
    RETURN_IF_ERROR(Check(XGBoosterCreate(train, 1, &h), "creating the booster"));
    BoosterPtr booster(h);
    const std::vector<std::pair<std::string, std::string>> params = {
        {"objective", objective},
        {"num_class", std::to_string(num_class)},
        {"tree_method", "hist"},
        {"max_depth", std::to_string(options_.max_depth)},
        {"eta", Text(options_.eta)},
        {"min_child_weight", Text(options_.min_child_weight)},
        {"subsample", Text(options_.subsample)},
        {"colsample_bytree", Text(options_.colsample_bytree)},
        {"lambda", Text(options_.lambda)},
        {"alpha", Text(options_.alpha)},
        {"max_bin", std::to_string(options_.max_bin)},
        {"nthread", std::to_string(options_.threads)},
        {"seed", std::to_string(data.seed & 0x7fffffff)},
        {"verbosity", "0"},
    };
    for (const auto& [key, value] : params) {
      if (num_class == 0 && key == "num_class") continue;
      RETURN_IF_ERROR(Check(XGBoosterSetParam(h, key.c_str(), value.c_str()), "parameter " + key));
    }
    for (int64_t round = 0; round < options_.rounds; ++round) {
      RETURN_IF_ERROR(Check(XGBoosterUpdateOneIter(h, static_cast<int>(round), m.get()),
                            "training round " + std::to_string(round)));
    }
    return std::unique_ptr<Classifier>(
        new TreeClassifier(std::move(booster), options_.family, data.num_classes, num_cols));
  }

  Options options_;
};

Result<std::unique_ptr<Classifier>> LoadTrees(const std::string& dir, int num_classes,
                                              std::string_view family) {
  const std::string path = dir + "/" + kModelFile;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::NotFound(std::string(family) + " model file " + path + " is missing");
  }
  if (num_classes < 1) {
    return Status::Corruption(std::string(family) + ": the manifest says " +
                              std::to_string(num_classes) + " classes");
  }
  BoosterHandle h = nullptr;
  RETURN_IF_ERROR(Check(XGBoosterCreate(nullptr, 0, &h), "creating the booster"));
  BoosterPtr booster(h);
  RETURN_IF_ERROR(
      Check(XGBoosterLoadModel(h, path.c_str()), "loading " + path, StatusCode::kCorruption));
  RETURN_IF_ERROR(Check(XGBoosterSetParam(h, "nthread", "1"), "parameter nthread"));
  bst_ulong cols = 0;
  RETURN_IF_ERROR(Check(XGBoosterGetNumFeature(h, &cols), "reading the feature count",
                        StatusCode::kCorruption));
  return std::unique_ptr<Classifier>(new TreeClassifier(
      std::move(booster), family, num_classes, static_cast<int32_t>(std::max<bst_ulong>(cols, 1))));
}

Status ReadCommon(Hyperparameters& params, Options& o) {
  ASSIGN_OR_RETURN(o.max_depth, params.Int("max_depth", o.max_depth, 1, 30));
  ASSIGN_OR_RETURN(o.min_child_weight,
                   params.Double("min_child_weight", o.min_child_weight, 0, 1e9));
  ASSIGN_OR_RETURN(o.max_bin, params.Int("max_bin", o.max_bin, 2, 65536));
  Result<std::string> weight = params.Choice("class_weight", "none", {"none", "balanced"});
  if (!weight.ok()) return weight.status();
  o.balanced = *weight == "balanced";
  ASSIGN_OR_RETURN(o.threads, params.Int("threads", o.threads, 1, 256));
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Trainer>> MakeGbtTrainer(Hyperparameters& params) {
  Options o;
  o.family = "gbt";
  ASSIGN_OR_RETURN(o.rounds, params.Int("rounds", o.rounds, 1, 100000));
  ASSIGN_OR_RETURN(o.eta, params.Double("eta", o.eta, 1e-6, 1));
  ASSIGN_OR_RETURN(o.subsample, params.Double("subsample", o.subsample, 1e-3, 1));
  ASSIGN_OR_RETURN(o.colsample_bytree,
                   params.Double("colsample_bytree", o.colsample_bytree, 1e-3, 1));
  ASSIGN_OR_RETURN(o.lambda, params.Double("lambda", o.lambda, 0, 1e9));
  ASSIGN_OR_RETURN(o.alpha, params.Double("alpha", o.alpha, 0, 1e9));
  RETURN_IF_ERROR(ReadCommon(params, o));
  RETURN_IF_ERROR(params.CheckAllRead());
  return std::unique_ptr<Trainer>(new TreeTrainer(o));
}

Result<std::unique_ptr<Trainer>> MakeDecisionTreeTrainer(Hyperparameters& params) {
  Options o;
  o.family = "decision_tree";
  o.rounds = 1;
  o.eta = 1;
  o.lambda = 0;
  o.max_depth = 5;
  RETURN_IF_ERROR(ReadCommon(params, o));
  RETURN_IF_ERROR(params.CheckAllRead());
  return std::unique_ptr<Trainer>(new TreeTrainer(o));
}

Result<std::unique_ptr<Classifier>> LoadGbt(const std::string& dir, int num_classes) {
  return LoadTrees(dir, num_classes, "gbt");
}

Result<std::unique_ptr<Classifier>> LoadDecisionTree(const std::string& dir, int num_classes) {
  return LoadTrees(dir, num_classes, "decision_tree");
}

}  // namespace covidflow::model::gbt
