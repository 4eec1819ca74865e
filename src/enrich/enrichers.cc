#include "enrich/enrichers.h"

#include "base/named_registry.h"
#include "enrich/vader.h"

namespace covidflow::enrich {
namespace {

NamedRegistry<EnricherFactory>& Enrichers() {
  static NamedRegistry<EnricherFactory>* const kEnrichers = [] {
    auto* r = new NamedRegistry<EnricherFactory>("enricher");
    Status s = r->Register("none", "every text neutral (sentiment switched off)",
                           []() -> Result<std::unique_ptr<Enricher>> {
                             return std::unique_ptr<Enricher>(new NoneEnricher());
                           });
    if (s.ok()) {
      s = r->Register(
          "vader", "VADER lexicon and rules (Hutto & Gilbert 2014), equal to vaderSentiment 3.3.2",
          []() -> Result<std::unique_ptr<Enricher>> {
            return std::unique_ptr<Enricher>(new VaderEnricher());
          });
    }
    (void)s;  // a fresh registry accepts two distinct names
    return r;
  }();
  return *kEnrichers;
}

}  // namespace

schema::Sentiment NoneEnricher::Score(std::string_view) const {
  schema::Sentiment s;
  s.neutral = 1;
  s.label = schema::Sentiment::Label::kNeutral;
  return s;
}

Result<std::unique_ptr<Enricher>> MakeEnricher(std::string_view name) {
  return Enrichers().Make(name);
}

Status CheckEnricher(std::string_view name) { return Enrichers().Find(name).status(); }

std::vector<EnricherInfo> ListEnrichers() {
  std::vector<EnricherInfo> out;
  for (auto& e : Enrichers().List()) out.push_back({std::move(e.name), std::move(e.description)});
  return out;
}

Status RegisterEnricher(EnricherInfo info, EnricherFactory factory) {
  return Enrichers().Register(std::move(info.name), std::move(info.description),
                              std::move(factory));
}

}  // namespace covidflow::enrich
