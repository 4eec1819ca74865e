#pragma once
// Opens the embedded registry: a SQLite database in WAL mode plus an artifact directory
// (format: docs/formats/registry.md). Registry URIs are read in one place, app::OpenRegistry,
// which calls this for `sqlite:///FILE` and plain directories.
#include <memory>
#include <string>

#include "base/status.h"
#include "registry/registry.h"

namespace covidflow::registry {

struct EmbeddedOptions {
  std::string database;      // the SQLite file (created 0600 with its directory, 0700)
  std::string artifact_dir;  // created 0700; made absolute
  // How long a writer waits for another process's write lock before kUnavailable.
  int busy_timeout_ms = 10000;
};

// kInvalidArgument for empty paths; kIoError when a directory or the database cannot be
// created; kCorruption when the file is not a registry database; kFailedPrecondition when it
// was written by a newer format version.
Result<std::unique_ptr<Registry>> OpenEmbeddedRegistry(const EmbeddedOptions& options);

}  // namespace covidflow::registry
