#include "enrich/registry.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "enrich/vader.h"

namespace covidflow::enrich {
namespace {

struct Entry {
  std::string description;
  EnricherFactory factory;
};

class Registry {
 public:
  Registry() {
    entries_.emplace("none", Entry{"every text neutral (sentiment switched off)",
                                   []() -> Result<std::unique_ptr<Enricher>> {
                                     return std::unique_ptr<Enricher>(new NoneEnricher());
                                   }});
    entries_.emplace(
        "vader",
        Entry{"VADER lexicon and rules (Hutto & Gilbert 2014), equal to vaderSentiment 3.3.2",
              []() -> Result<std::unique_ptr<Enricher>> {
                return std::unique_ptr<Enricher>(new VaderEnricher());
              }});
  }

  Result<std::unique_ptr<Enricher>> Make(std::string_view name) {
    EnricherFactory factory;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = entries_.find(std::string(name));
      if (it == entries_.end()) {
        std::string known;
        for (const auto& [n, e] : entries_) known += (known.empty() ? "" : ", ") + n;
        return Status::NotFound("no enricher named '" + std::string(name) + "' (known: " + known +
                                ")");
      }
      factory = it->second.factory;
    }
    // Outside the lock: a factory may load a model for a while.
    return factory();
  }

  std::vector<EnricherInfo> List() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<EnricherInfo> out;
    for (const auto& [name, e] : entries_) out.push_back({name, e.description});
    return out;
  }

  Status Register(EnricherInfo info, EnricherFactory factory) {
    if (info.name.empty() || !factory) {
      return Status::InvalidArgument("an enricher needs a name and a factory");
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] =
        entries_.emplace(info.name, Entry{std::move(info.description), std::move(factory)});
    if (!inserted)
      return Status::AlreadyExists("enricher '" + it->first + "' is already registered");
    return Status::Ok();
  }

 private:
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;
};

Registry& TheRegistry() {
  static Registry* const kRegistry = new Registry();
  return *kRegistry;
}

}  // namespace

schema::Sentiment NoneEnricher::Score(std::string_view) const {
  schema::Sentiment s;
  s.neutral = 1;
  s.label = schema::Sentiment::Label::kNeutral;
  return s;
}

Result<std::unique_ptr<Enricher>> MakeEnricher(std::string_view name) {
  return TheRegistry().Make(name);
}

std::vector<EnricherInfo> ListEnrichers() { return TheRegistry().List(); }

Status RegisterEnricher(EnricherInfo info, EnricherFactory factory) {
  return TheRegistry().Register(std::move(info), std::move(factory));
}

}  // namespace covidflow::enrich
