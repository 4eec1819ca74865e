# Helpers shared by every module's CMakeLists.txt.

# -Wno-restrict: GCC 12 reports false positives inside std::string concatenation at -O3
# (GCC bug 105329), which -Werror would turn into build failures.
set(CF_WARNINGS -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")  # GCC-only flags (the clang presets: fuzz, tsan)
  list(APPEND CF_WARNINGS -Wshadow=local -Wno-restrict)
endif()
if(CF_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # Sanitizer instrumentation at -O1 makes GCC 12 report -Wmaybe-uninitialized inside
  # libstdc++ (std::function in <regex>); the optimised build keeps the warning as an error.
  list(APPEND CF_WARNINGS -Wno-maybe-uninitialized)
endif()
if(CF_WERROR)
  list(APPEND CF_WARNINGS -Werror)
endif()

if(CF_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(CF_FUZZ)
  # Instrument everything for coverage; only the fuzz targets link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# Test code (GoogleTest binaries and the conformance suites they share) gets CF_TEST_FLAGS after
# the preset's flags, so a preset can build it cheaper without touching the code under test.
# The asan preset uses "-fno-sanitize=fuzzer-no-link": ASan and UBSan stay on, but test files
# skip libFuzzer's coverage instrumentation, which only the code under test needs for fuzzing.
# -O0 there too (the asan preset): a test whose own code does heavy work is marked HEAVY (below)
# and keeps -O1; the inline functions and templates a test file instantiates can be the copies
# the linker keeps for the library too, which made the ASan generator tests 15 times slower.
set(CF_TEST_FLAGS "" CACHE STRING "Extra compile options for test code, e.g. -fno-sanitize=fuzzer-no-link")
separate_arguments(CF_TEST_FLAGS_LIST NATIVE_COMMAND "${CF_TEST_FLAGS}")
# The asan preset compiles test code at -O0 (half the compile time of -O1; the unit tests then
# run about 1.5 times longer in all, ADR 0008). A test binary marked HEAVY in cf_test (a test
# whose own code does the heavy work: the generator's statistics, every flipped byte of a
# Parquet file) gets CF_HEAVY_TEST_FLAGS after CF_TEST_FLAGS: the asan preset gives it -O1 back.
set(CF_HEAVY_TEST_FLAGS "" CACHE STRING "Compile options after CF_TEST_FLAGS for cf_test(... HEAVY) binaries, e.g. -O1")
separate_arguments(CF_HEAVY_TEST_FLAGS_LIST NATIVE_COMMAND "${CF_HEAVY_TEST_FLAGS}")

# cf_test_code(TARGET): the warnings and CF_TEST_FLAGS of test code on TARGET.
function(cf_test_code target)
  target_compile_options(${target} PRIVATE ${CF_WARNINGS} ${CF_TEST_FLAGS_LIST})
endfunction()

# CF_TEST_SET: which GoogleTest binaries a build registers and builds by default, so that CI
# compiles each unit test once (ADR 0012). A binary labelled slow, kafka or mlflow runs only in
# an optimised build (too slow under the sanitizers, or it needs a server); every other one runs
# under ASan + UBSan in CI.
#   all        every binary (the default: dev, release)
#   sanitized  the binaries the sanitizer run executes (the asan preset)
#   optimised  only the binaries an optimised build alone runs (the ci preset)
# A binary outside the set is still a target (excluded from "all", not registered with ctest),
# so `cmake --build --target NAME` builds it and settings on it still apply.
set(CF_TEST_SET "all" CACHE STRING "GoogleTest binaries to build: all, sanitized or optimised")
set_property(CACHE CF_TEST_SET PROPERTY STRINGS all sanitized optimised)
if(NOT CF_TEST_SET MATCHES "^(all|sanitized|optimised)$")
  message(FATAL_ERROR "CF_TEST_SET is \"${CF_TEST_SET}\"; expected all, sanitized or optimised")
endif()

# Where the mlflow_server fixture keeps its server (scripts/mlflow/start.sh DIR).
set(CF_MLFLOW_DIR ${PROJECT_BINARY_DIR}/mlflow-server)

# cf_library(NAME SOURCES ... DEPS ...): the library covidflow_<NAME> of module src/<NAME>.
function(cf_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(covidflow_${name} STATIC ${ARG_SOURCES})
  target_include_directories(covidflow_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(covidflow_${name} PRIVATE ${CF_WARNINGS})
  target_link_libraries(covidflow_${name} PUBLIC ${ARG_DEPS})
endfunction()

# cf_test(NAME SOURCES ... DEPS ... [LABELS ...] [MLFLOW] [HEAVY]): a GoogleTest binary registered
# with ctest. HEAVY: compiled with CF_HEAVY_TEST_FLAGS too (above). MLFLOW: its tests need a real MLflow server: they get the label "mlflow" and the
# fixture mlflow_server (tests/integration/CMakeLists.txt), which starts one server before the
# first of them and stops it after the last; they find it through CF_MLFLOW_DIR.
function(cf_test name)
  cmake_parse_arguments(ARG "MLFLOW;HEAVY" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  cf_test_code(${name})
  if(ARG_HEAVY)
    target_compile_options(${name} PRIVATE ${CF_HEAVY_TEST_FLAGS_LIST})
  endif()
  target_compile_definitions(${name} PRIVATE
    CF_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    CF_SHARED_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/data")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  set(optimised_only FALSE)
  foreach(label slow kafka mlflow)
    if(label IN_LIST ARG_LABELS OR (label STREQUAL "mlflow" AND ARG_MLFLOW))
      set(optimised_only TRUE)
    endif()
  endforeach()
  if((CF_TEST_SET STREQUAL "sanitized" AND optimised_only)
     OR (CF_TEST_SET STREQUAL "optimised" AND NOT optimised_only))
    set_target_properties(${name} PROPERTIES EXCLUDE_FROM_ALL TRUE)
    return()
  endif()
  include(GoogleTest)
  if(ARG_MLFLOW)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES
      LABELS "mlflow;${ARG_LABELS}" FIXTURES_REQUIRED mlflow_server
      ENVIRONMENT "CF_MLFLOW_DIR=${CF_MLFLOW_DIR}")
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()

# cf_fuzzer(NAME SOURCES ... DEPS ...): a libFuzzer target, only when CF_FUZZ is on.
function(cf_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT CF_FUZZ)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()

# cf_benchmark(NAME SOURCES ... DEPS ...): a Google Benchmark binary (never run by ctest).
function(cf_benchmark name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT CF_BENCH)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${CF_WARNINGS})
  target_compile_definitions(${name} PRIVATE CF_SHARED_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/data")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
endfunction()
