// Compiled by ctest, not linked: with CF_KEY_MISSPELT the key is not in the table and
// config::K must stop the compilation (config_key_misspelt_fails_to_compile); without it the
// same file compiles (config_key_compiles), so the failure is the key's alone.
#include "config/settings_table.h"

namespace covidflow::config {

#ifdef CF_KEY_MISSPELT
constexpr Key kKey = K("process.grop");
#else
constexpr Key kKey = K("process.group");
#endif
static_assert(SettingOf(kKey).type == Type::kString);

}  // namespace covidflow::config
