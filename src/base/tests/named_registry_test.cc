// base/named_registry: register, make, list, errors, and concurrent use.
#include "base/named_registry.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <thread>

namespace covidflow {
namespace {

using IntFactory = std::function<Result<std::unique_ptr<int>>(int)>;

IntFactory Times(int k) {
  return [k](int x) -> Result<std::unique_ptr<int>> { return std::make_unique<int>(k * x); };
}

TEST(NamedRegistryTest, MakesByNameWithArguments) {
  NamedRegistry<IntFactory> registry("multiplier");
  ASSERT_TRUE(registry.Register("double", "twice the input", Times(2)).ok());
  ASSERT_TRUE(registry.Register("triple", "three times the input", Times(3)).ok());
  auto six = registry.Make("triple", 2);
  ASSERT_TRUE(six.ok());
  EXPECT_EQ(**six, 6);
  EXPECT_EQ(**registry.Make("double", 5), 10);
}

TEST(NamedRegistryTest, UnknownNameListsTheKnownOnes) {
  NamedRegistry<IntFactory> registry("multiplier");
  EXPECT_EQ(registry.Find("x").status().message(),
            "no multiplier named 'x'; known ones are: (none)");
  ASSERT_TRUE(registry.Register("b", "", Times(1)).ok());
  ASSERT_TRUE(registry.Register("a", "", Times(1)).ok());
  auto missing = registry.Make("c", 1);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "no multiplier named 'c'; known ones are: a, b");
}

TEST(NamedRegistryTest, ListIsSortedWithDescriptions) {
  NamedRegistry<IntFactory> registry("multiplier");
  ASSERT_TRUE(registry.Register("zeta", "last", Times(1)).ok());
  ASSERT_TRUE(registry.Register("alpha", "first", Times(1)).ok());
  const auto list = registry.List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "alpha");
  EXPECT_EQ(list[0].description, "first");
  EXPECT_EQ(list[1].name, "zeta");
}

TEST(NamedRegistryTest, RejectsDuplicatesEmptyNamesAndEmptyFactories) {
  NamedRegistry<IntFactory> registry("multiplier");
  ASSERT_TRUE(registry.Register("x", "", Times(2)).ok());
  EXPECT_EQ(registry.Register("x", "", Times(3)).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(**registry.Make("x", 1), 2) << "the first registration stays";
  EXPECT_EQ(registry.Register("", "", Times(1)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Register("y", "", IntFactory()).code(), StatusCode::kInvalidArgument);
}

TEST(NamedRegistryTest, AFactoryMayUseTheRegistry) {
  NamedRegistry<IntFactory> registry("multiplier");
  ASSERT_TRUE(registry.Register("double", "", Times(2)).ok());
  ASSERT_TRUE(registry
                  .Register("quadruple", "",
                            [&registry](int x) -> Result<std::unique_ptr<int>> {
                              ASSIGN_OR_RETURN(auto twice, registry.Make("double", x));
                              return registry.Make("double", *twice);
                            })
                  .ok());
  EXPECT_EQ(**registry.Make("quadruple", 3), 12);
}

TEST(NamedRegistryTest, ConcurrentRegisterAndMake) {
  NamedRegistry<IntFactory> registry("multiplier");
  ASSERT_TRUE(registry.Register("one", "", Times(1)).ok());
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (!registry.Register("t" + std::to_string(t) + "-" + std::to_string(i), "", Times(i))
                 .ok()) {
          ++failures[t];
        }
        auto one = registry.Make("one", i);
        if (!one.ok() || **one != i) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
  EXPECT_EQ(registry.List().size(), 801u);
}

}  // namespace
}  // namespace covidflow
