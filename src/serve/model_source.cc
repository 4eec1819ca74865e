#include "serve/model_source.h"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "base/fs.h"
#include "base/logging.h"
#include "registry/names.h"

namespace covidflow::serve {
namespace {

// Fixed examples for the smoke test: plain, emoji and punctuation, empty, invalid UTF-8 and a
// long one, so a model that cannot take what clients send is refused before it serves.
const char* const kSmokeTweets[] = {
    "Vaccines are rolling out in my city, so happy and grateful :)",
    "Another lockdown. I am sick of this, worst year ever!!! 😡",
    "Cases reported today: 1,234 #COVID19 https://example.org/report @health_dept",
    "",
    "bad bytes \xff\xfe here",
    ("a long one: the quick brown fox jumps over the lazy dog again and again and again and "
     "again and again and again and again and again and again and again and again and again"),
};

std::string VersionName(const ModelRef& ref, int64_t version) {
  return "model '" + ref.name + "' version " + std::to_string(version);
}

std::string BaseName(const std::string& dir) {
  std::string d = dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  const size_t slash = d.rfind('/');
  return slash == std::string::npos ? d : d.substr(slash + 1);
}

Result<model::Model> LoadChecked(const std::string& dir) {
  ASSIGN_OR_RETURN(model::Model m, model::LoadModel(dir));
  RETURN_IF_ERROR(SmokeTest(m));
  return m;
}

// Downloads into a temporary sibling and renames it into place, so `dest` is either absent
// or a whole download, also when two loaders race (the loser's copy is dropped).
Status DownloadInto(registry::Registry& registry, const ModelRef& ref, int64_t version,
                    const std::string& dest) {
  static std::atomic<uint64_t> counter{0};
  RETURN_IF_ERROR(MakeDirs(DirName(dest), 0700));
  const std::string tmp =
      dest + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
  Status st = registry.DownloadVersion(ref.name, version, tmp);
  if (st.ok() && std::rename(tmp.c_str(), dest.c_str()) != 0) {
    // Another loader put the same version in place first: its copy is as good as ours.
    if (!PathExists(dest)) st = Status::FromErrno(errno, "rename " + tmp + " to " + dest);
  }
  if (PathExists(tmp)) (void)RemoveTree(tmp);
  return st;
}

}  // namespace

std::string ModelRef::ToString() const {
  if (!alias.empty()) return name + "@" + alias;
  if (version > 0) return name + "/" + std::to_string(version);
  return name;
}

Result<ModelRef> ParseModelRef(std::string_view text, std::string_view field) {
  const std::string where = std::string(field) + " '" + std::string(text) + "': ";
  ModelRef ref;
  const size_t at = text.find('@');
  const size_t slash = text.find('/');
  if (at != std::string_view::npos) {
    ref.name = std::string(text.substr(0, at));
    ref.alias = std::string(text.substr(at + 1));
    if (ref.alias.empty()) return Status::InvalidArgument(where + "the alias after '@' is empty");
    if (Status st = registry::ValidateAlias(ref.alias); !st.ok()) {
      return Status::InvalidArgument(where + st.message());
    }
  } else if (slash != std::string_view::npos) {
    ref.name = std::string(text.substr(0, slash));
    Result<int64_t> v = registry::ParseVersion(text.substr(slash + 1));
    if (!v.ok()) {
      return Status::InvalidArgument(where + "the version after '/' must be a positive integer");
    }
    ref.version = *v;
  } else {
    ref.name = std::string(text);
  }
  if (ref.name.empty()) {
    return Status::InvalidArgument(where + "expected NAME@ALIAS, NAME/VERSION or NAME");
  }
  if (Status st = registry::ValidateName("model name", ref.name); !st.ok()) {
    return Status::InvalidArgument(where + st.message());
  }
  return ref;
}

std::string LoadedModel::Id() const {
  return version > 0 ? name + "/" + std::to_string(version) : name;
}

Result<int64_t> ResolveVersion(registry::Registry& registry, const ModelRef& ref) {
  if (!ref.alias.empty()) {
    ASSIGN_OR_RETURN(registry::ModelVersion v, registry.GetVersionByAlias(ref.name, ref.alias));
    return v.version;
  }
  if (ref.version > 0) return ref.version;
  ASSIGN_OR_RETURN(registry::RegisteredModel m, registry.GetModel(ref.name));
  if (m.latest_version == 0) {
    return Status::NotFound("model '" + ref.name + "' has no version yet");
  }
  return m.latest_version;
}

Result<std::shared_ptr<const LoadedModel>> LoadFromRegistry(registry::Registry& registry,
                                                            const ModelRef& ref,
                                                            const std::string& cache_dir) {
  ASSIGN_OR_RETURN(const int64_t version, ResolveVersion(registry, ref));
  ASSIGN_OR_RETURN(registry::ModelVersion mv, registry.GetVersion(ref.name, version));
  const std::string dest = cache_dir + "/" + ref.name + "/" + std::to_string(version);

  Result<model::Model> m = Status::NotFound(dest);
  if (PathExists(dest)) {
    m = LoadChecked(dest);
    if (!m.ok()) {
      // A damaged cache entry (a crash, a disk error, a hand edit): fetch it again.
      Logf(LogLevel::kWarning, "serve: cached %s does not verify (%s); downloading it again",
           dest.c_str(), m.status().ToString().c_str());
      RETURN_IF_ERROR(RemoveTree(dest));
    }
  }
  if (!m.ok()) {
    if (Status st = DownloadInto(registry, ref, version, dest); !st.ok()) {
      return Status(st.code(), VersionName(ref, version) + ": download failed: " + st.message());
    }
    m = LoadChecked(dest);
  }
  if (!m.ok()) {
    return Status(m.status().code(),
                  VersionName(ref, version) + " cannot be served: " + m.status().message());
  }
  return std::make_shared<const LoadedModel>(LoadedModel{
      ref.name, version, mv.run_id, dest, std::move(*m), std::chrono::system_clock::now()});
}

Result<std::shared_ptr<const LoadedModel>> LoadFromDir(const std::string& dir) {
  Result<model::Model> m = LoadChecked(dir);
  if (!m.ok()) {
    return Status(m.status().code(),
                  "model directory " + dir + " cannot be served: " + m.status().message());
  }
  return std::make_shared<const LoadedModel>(
      LoadedModel{BaseName(dir), 0, "", dir, std::move(*m), std::chrono::system_clock::now()});
}

Status SmokeTest(const model::Model& model) {
  features::Table rows;
  const size_t n = std::size(kSmokeTweets);
  for (const std::string& column : model.pipeline.InputColumns()) {
    std::vector<std::string>& values = rows.AddColumn(column);
    values.assign(kSmokeTweets, kSmokeTweets + n);
  }
  if (rows.names.empty())
    return Status::FailedPrecondition("smoke test: the model reads no column");
  Result<std::vector<double>> p = model.PredictProba(rows);
  if (!p.ok()) return Status(p.status().code(), "smoke test: " + p.status().message());
  if (model.classifier->IsRegressor()) {
    // One value a row, any finite number.
    if (p->size() != n) {
      return Status::FailedPrecondition("smoke test: " + std::to_string(p->size()) +
                                        " values for " + std::to_string(n) + " rows");
    }
    for (size_t r = 0; r < n; ++r) {
      if (!std::isfinite((*p)[r])) {
        return Status::FailedPrecondition("smoke test: example " + std::to_string(r) +
                                          " got a value that is not finite");
      }
    }
    return Status::Ok();
  }
  const size_t k = model.classes.size();
  if (k < 2 || p->size() != n * k) {
    return Status::FailedPrecondition("smoke test: " + std::to_string(p->size()) +
                                      " probabilities for " + std::to_string(n) + " rows of " +
                                      std::to_string(k) + " classes");
  }
  for (size_t r = 0; r < n; ++r) {
    double sum = 0;
    for (size_t c = 0; c < k; ++c) {
      const double v = (*p)[r * k + c];
      if (!std::isfinite(v) || v < 0 || v > 1) {
        return Status::FailedPrecondition("smoke test: example " + std::to_string(r) +
                                          " got a probability outside [0, 1]");
      }
      sum += v;
    }
    if (std::fabs(sum - 1) > 1e-6) {
      return Status::FailedPrecondition("smoke test: example " + std::to_string(r) +
                                        "'s probabilities sum to " + std::to_string(sum));
    }
  }
  return Status::Ok();
}

ModelSlot::ModelSlot(std::shared_ptr<const LoadedModel> initial) : current_(std::move(initial)) {}

std::shared_ptr<const LoadedModel> ModelSlot::Load() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

std::shared_ptr<const LoadedModel> ModelSlot::Swap(std::shared_ptr<const LoadedModel> next) {
  std::lock_guard<std::mutex> lock(mu_);
  std::swap(current_, next);
  return next;
}

}  // namespace covidflow::serve
