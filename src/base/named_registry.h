#pragma once
// A by-name registry of factories with a description each, for pluggable families chosen by
// name in configuration and listed by `--help` (STYLE.md practice 13; the idea of XGBoost's
// registries with .describe()). Enrichers use it now; model families and drift tests next.
//
//   NamedRegistry<std::function<Result<std::unique_ptr<Enricher>>()>> enrichers("enricher");
//   enrichers.Register("vader", "VADER lexicon and rules", [] { ... });
//   ASSIGN_OR_RETURN(auto e, enrichers.Make("vader"));
//
// Threads: every member may be called from any thread. A factory runs outside the lock, so
// it may take a while (load a model) or use the registry itself.
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/status.h"

namespace covidflow {

template <typename Factory>
class NamedRegistry {
 public:
  struct Entry {
    std::string name;
    std::string description;
  };

  // `kind` names what is registered in error messages ("enricher", "model family").
  explicit NamedRegistry(std::string kind) : kind_(std::move(kind)) {}
  NamedRegistry(const NamedRegistry&) = delete;
  NamedRegistry& operator=(const NamedRegistry&) = delete;

  // kInvalidArgument for an empty name or an empty factory; kAlreadyExists when the name is
  // taken (the first registration stays).
  Status Register(std::string name, std::string description, Factory factory) {
    if (name.empty() || !static_cast<bool>(factory)) {
      return Status::InvalidArgument("a " + kind_ + " needs a name and a factory");
    }
    std::lock_guard lock(mu_);
    auto [it, inserted] =
        entries_.try_emplace(std::move(name), Item{std::move(description), std::move(factory)});
    if (!inserted) {
      return Status::AlreadyExists(kind_ + " '" + it->first + "' is already registered");
    }
    return Status::Ok();
  }

  // The factory registered as `name`; kNotFound naming the known ones otherwise.
  Result<Factory> Find(std::string_view name) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(name);
    if (it != entries_.end()) return it->second.factory;
    std::string known;
    for (const auto& [n, item] : entries_) known += (known.empty() ? "" : ", ") + n;
    return Status::NotFound("no " + kind_ + " named '" + std::string(name) +
                            "'; known ones are: " + (known.empty() ? "(none)" : known));
  }

  // Calls the factory registered as `name` with `args`. Its result type must be
  // constructible from a Status (a Result<T>), which carries Find's kNotFound.
  template <typename... Args>
  std::invoke_result_t<const Factory&, Args...> Make(std::string_view name, Args&&... args) const {
    Result<Factory> factory = Find(name);
    if (!factory.ok()) return factory.status();
    return (*factory)(std::forward<Args>(args)...);
  }

  // Every entry, sorted by name.
  std::vector<Entry> List() const {
    std::lock_guard lock(mu_);
    std::vector<Entry> out;
    out.reserve(entries_.size());
    for (const auto& [name, item] : entries_) out.push_back({name, item.description});
    return out;
  }

 private:
  struct Item {
    std::string description;
    Factory factory;
  };

  const std::string kind_;
  mutable std::mutex mu_;
  std::map<std::string, Item, std::less<>> entries_;
};

}  // namespace covidflow
