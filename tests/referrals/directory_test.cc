// Routing referrals: by the person's home area to the single point of contact for the type, or
// to a named agency; and the errors for unknown types, uncovered areas and ambiguous coverage.
#include "services/referrals/directory.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::referrals {
namespace {

using ::testing::HasSubstr;

ReferralType Type(std::string id, bool by_home_area = true) {
  ReferralType t;
  t.id = std::move(id);
  t.data_class = "drugs";
  t.purpose = "direct_care";
  t.by_home_area = by_home_area;
  return t;
}

Contact Spoc(std::string agency, std::string type, std::vector<std::string> areas) {
  return Contact{agency, agency + " (name)", std::move(type), agency + " SPOC", std::move(areas)};
}

Directory Make() {
  auto d = Directory::Create(
      {Type("drug_treatment_on_release"), Type("dir_handover_on_remand", false)},
      {Spoc("cjit-east", "drug_treatment_on_release", {"E99999001", "E99999002"}),
       Spoc("cjit-west", "drug_treatment_on_release", {"E99999003"}),
       Spoc("hmp-northgate", "dir_handover_on_remand", {})},
      {});
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : Directory();
}

TEST(DirectoryTest, RoutesByHomeArea) {
  Directory d = Make();
  ASSERT_OK_AND_ASSIGN(Recipient east, d.Resolve("drug_treatment_on_release", "E99999002"));
  EXPECT_EQ(east.agency_id, "cjit-east");
  EXPECT_EQ(east.contact, "cjit-east SPOC");
  ASSERT_OK_AND_ASSIGN(Recipient west, d.Resolve("drug_treatment_on_release", "E99999003"));
  EXPECT_EQ(west.agency_id, "cjit-west");
}

TEST(DirectoryTest, UncoveredAreasAndUnknownTypesAreClearErrors) {
  Directory d = Make();
  absl::StatusOr<Recipient> none = d.Resolve("drug_treatment_on_release", "E99999009");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(),
            "no agency receives drug_treatment_on_release referrals for home area E99999009");
  absl::StatusOr<Recipient> unknown = d.Resolve("dental_on_release", "E99999001");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown type 'dental_on_release'"));
  absl::StatusOr<Recipient> named = d.Resolve("dir_handover_on_remand", "E99999001");
  EXPECT_EQ(named.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(named.status().message(), HasSubstr("addressed to a named agency"));
}

TEST(DirectoryTest, NamedRecipientsMustReceiveTheType) {
  Directory d = Make();
  ASSERT_OK_AND_ASSIGN(Recipient prison, d.Named("dir_handover_on_remand", "hmp-northgate"));
  EXPECT_EQ(prison.agency_id, "hmp-northgate");
  EXPECT_EQ(d.Named("dir_handover_on_remand", "cjit-east").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(DirectoryTest, AmbiguousCoverageIsRefused) {
  auto d = Directory::Create({Type("drug_treatment_on_release")},
                             {Spoc("cjit-east", "drug_treatment_on_release", {"E99999001"}),
                              Spoc("cjit-two", "drug_treatment_on_release", {"E99999001"})},
                             {});
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(d.status().message(), HasSubstr("'cjit-east' and 'cjit-two' both receive"));
  auto unknown = Directory::Create({Type("a")}, {Spoc("x", "b", {})}, {});
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown referral type 'b'"));
}

}  // namespace
}  // namespace throughcare::referrals
