#include "services/core/yaml.h"

#include "gmock/gmock.h"
#include "tests/testing/status_matchers.h"

namespace throughcare {
namespace {

using ::testing::HasSubstr;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

TEST(YamlTest, ReadsOneDocument) {
  absl::StatusOr<YAML::Node> node = ParseYaml("a: 1\nb: [x, y]\n", "f.yaml");
  ASSERT_THAT(node, IsOk());
  EXPECT_EQ((*node)["a"].as<int>(), 1);
  EXPECT_TRUE(ParseYaml("# nothing\n", "f.yaml")->IsNull());
}

TEST(YamlTest, NamesTheLineOfASyntaxError) {
  absl::StatusOr<YAML::Node> bad = ParseYaml("a: 1\nb: [x, y\n", "f.yaml");
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("YAML syntax error")));
  EXPECT_THAT(std::string(bad.status().message()),
              ::testing::MatchesRegex("f\\.yaml:[0-9]+: .*"));
}

TEST(YamlTest, RefusesASecondDocument) {
  EXPECT_THAT(ParseYaml("a: 1\n---\nb: 2\n", "f.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("f.yaml:3: a file holds exactly one YAML document")));
}

TEST(YamlTest, RefusesAKeyGivenTwiceAtAnyDepth) {
  EXPECT_THAT(ParseYaml("a: 1\nb: 2\na: 3\n", "f.yaml", "config"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("f.yaml:3: config: duplicate key 'a' (first at line 1)")));
  EXPECT_THAT(ParseYaml("list:\n  - id: x\n    id: y\n", "f.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("f.yaml:3: list[0]: duplicate key 'id' (first at line 2)")));
  EXPECT_THAT(ParseYaml("m:\n  n:\n    k: 1\n    k: 2\n", "f.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("f.yaml:4: m.n: duplicate key 'k' (first at line 3)")));
  EXPECT_THAT(ParseYaml("a: {k: 1}\nb: {k: 2}\n", "f.yaml"), IsOk());
}

TEST(YamlTest, ReadsAFileOrSaysWhyNot) {
  EXPECT_THAT(ReadYamlFile("/nonexistent/f.yaml"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/f.yaml")));
}

}  // namespace
}  // namespace throughcare
