// registry_driver: the embedded registry driven from separate processes for the concurrency and
// kill -9 tests (tests/integration/registry_process_test.py).
//
//   registry_driver register DIR MODEL COUNT   register COUNT versions of MODEL, each with a
//                                              two-file artifact naming this process and its
//                                              attempt, then point `champion` at it; prints each
//                                              version number on its own line as it commits
//   registry_driver check DIR MODEL            one JSON line: the versions, the champion, and
//                                              every problem found (a version whose artifact
//                                              files are missing or not whole, an alias on a
//                                              missing version, a gap in the numbering)
//
// CF_FAILPOINTS (base/failpoint.h) stops it dead at a named point of the commit protocol.
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "base/fs.h"
#include "registry/embedded.h"
#include "registry/names.h"

namespace covidflow::registry {
namespace {

Result<std::unique_ptr<Registry>> Open(const std::string& dir) {
  return OpenEmbeddedRegistry(EmbeddedOptions{dir + "/registry.db", dir + "/artifacts"});
}

// The artifact of one attempt: "payload" holds a body of 64 KiB and "sub/seal" the same body's
// length and tag, so a check can tell a whole copy from a torn one.
Result<std::string> MakeArtifact(const std::string& scratch, const std::string& tag) {
  const std::string dir = scratch + "/" + tag;
  RETURN_IF_ERROR(MakeDirs(dir + "/sub"));
  std::string body(64 << 10, 'x');
  body.replace(0, tag.size(), tag);
  RETURN_IF_ERROR(ReplaceFileAtomically(dir + "/payload", body, dir + "/payload.tmp"));
  RETURN_IF_ERROR(ReplaceFileAtomically(dir + "/sub/seal", tag + " " + std::to_string(body.size()),
                                        dir + "/sub/seal.tmp"));
  return dir;
}

int Register(const std::string& dir, const std::string& model, int count) {
  auto reg = Open(dir);
  if (!reg.ok()) {
    std::fprintf(stderr, "open: %s\n", reg.status().ToString().c_str());
    return 1;
  }
  const std::string scratch = dir + "/scratch-" + std::to_string(::getpid());
  const Change change{"driver-" + std::to_string(::getpid()), "process test"};
  for (int i = 0; i < count; ++i) {
    const std::string tag = "p" + std::to_string(::getpid()) + "-" + std::to_string(i);
    auto src = MakeArtifact(scratch, tag);
    if (!src.ok()) {
      std::fprintf(stderr, "artifact: %s\n", src.status().ToString().c_str());
      return 1;
    }
    auto v = (*reg)->RegisterVersion(NewVersion{model, "", *src, "", {{"tag", tag}}}, change);
    if (!v.ok()) {
      std::fprintf(stderr, "register: %s\n", v.status().ToString().c_str());
      return 1;
    }
    Status s = (*reg)->SetAlias(model, "champion", v->version, change);
    if (!s.ok()) {
      std::fprintf(stderr, "alias: %s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("%lld\n", static_cast<long long>(v->version));
    std::fflush(stdout);
  }
  return 0;
}

// Problems with the artifacts of `v`, if any.
std::string CheckVersion(const ModelVersion& v) {
  auto tag = v.tags.find("tag");
  if (tag == v.tags.end()) return "no tag";
  auto payload = ReadWholeFile(v.source + "/payload");
  auto seal = ReadWholeFile(v.source + "/sub/seal");
  if (!payload.ok() || !seal.ok()) return "artifact files missing in " + v.source;
  if (*seal != tag->second + " " + std::to_string(payload->size())) return "seal does not match";
  if (payload->size() != (64u << 10) || payload->rfind(tag->second, 0) != 0) {
    return "payload torn";
  }
  return {};
}

int Check(const std::string& dir, const std::string& model) {
  auto reg = Open(dir);
  if (!reg.ok()) {
    std::fprintf(stderr, "open: %s\n", reg.status().ToString().c_str());
    return 1;
  }
  nlohmann::json out = {
      {"versions", 0}, {"champion", nullptr}, {"problems", nlohmann::json::array()}};
  auto versions = (*reg)->ListVersions(model);
  if (!versions.ok()) {
    if (versions.status().code() != StatusCode::kNotFound) {
      out["problems"].push_back(versions.status().ToString());
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  int64_t expected = 1;
  for (const ModelVersion& v : *versions) {
    if (v.version != expected) {
      out["problems"].push_back("version " + std::to_string(v.version) + " where " +
                                std::to_string(expected) + " was expected");
    }
    expected = v.version + 1;
    if (std::string p = CheckVersion(v); !p.empty()) {
      out["problems"].push_back("version " + std::to_string(v.version) + ": " + p);
    }
  }
  out["versions"] = versions->size();
  auto champion = (*reg)->GetVersionByAlias(model, "champion");
  if (champion.ok()) {
    out["champion"] = champion->version;
    if (std::string p = CheckVersion(*champion); !p.empty()) {
      out["problems"].push_back("champion: " + p);
    }
  } else if (champion.status().code() != StatusCode::kNotFound) {
    out["problems"].push_back(champion.status().ToString());
  }
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace
}  // namespace covidflow::registry

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "register" && argc == 5) {
    return covidflow::registry::Register(argv[2], argv[3], std::atoi(argv[4]));
  }
  if (mode == "check" && argc == 4) return covidflow::registry::Check(argv[2], argv[3]);
  std::fprintf(stderr, "usage: registry_driver register DIR MODEL COUNT | check DIR MODEL\n");
  return 2;
}
