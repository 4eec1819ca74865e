#pragma once
// Enrichers registered by name with a description (a base/named_registry.h), so
// configuration and the CLI choose one by name and `--help` can list them. Built in: "none"
// and "vader"; trained models are registered later with RegisterEnricher. (Named "enrichers",
// not "registry": src/registry/ is the model registry.)
//
// Threads: every function may be called from any thread.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "enrich/enricher.h"

namespace covidflow::enrich {

struct EnricherInfo {
  std::string name;
  std::string description;
};

using EnricherFactory = std::function<Result<std::unique_ptr<Enricher>>()>;

// kNotFound for an unknown name ("no enricher named 'x'; known ones are: none, vader").
Result<std::unique_ptr<Enricher>> MakeEnricher(std::string_view name);

// Ok when an enricher named `name` is registered, without building it; MakeEnricher's
// kNotFound otherwise. Lets a command reject a bad name before it opens anything.
Status CheckEnricher(std::string_view name);

// Every registered enricher, sorted by name.
std::vector<EnricherInfo> ListEnrichers();

// kAlreadyExists when the name is taken; kInvalidArgument for an empty name or factory.
Status RegisterEnricher(EnricherInfo info, EnricherFactory factory);

// The "none" enricher: every text neutral (positive 0, neutral 1, negative 0, compound 0).
// Used when sentiment is switched off, so every enriched tweet still has the same shape.
class NoneEnricher final : public Enricher {
 public:
  std::string_view Id() const override { return "none"; }
  schema::Sentiment Score(std::string_view text) const override;
};

}  // namespace covidflow::enrich
