#include "services/crypto/aead.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

std::string FixedKey(char fill) { return std::string(kAesKeySize, fill); }

std::string FlipBit(std::string s, size_t byte, int bit = 0) {
  s[byte] = static_cast<char>(s[byte] ^ (1 << bit));
  return s;
}

TEST(RandomBytesTest, ReturnsRequestedLengthAndDiffers) {
  ASSERT_OK_AND_ASSIGN(std::string a, RandomBytes(32));
  ASSERT_OK_AND_ASSIGN(std::string b, RandomBytes(32));
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  ASSERT_OK_AND_ASSIGN(std::string empty, RandomBytes(0));
  EXPECT_TRUE(empty.empty());
}

TEST(AeadTest, SealOpenRoundTrip) {
  ASSERT_OK_AND_ASSIGN(std::string key, RandomBytes(kAesKeySize));
  const std::string plaintext = "patient record: attended appointment";
  ASSERT_OK_AND_ASSIGN(std::string sealed, Seal(key, plaintext, "subject-42"));
  EXPECT_EQ(sealed.size(), kGcmNonceSize + plaintext.size() + kGcmTagSize);
  EXPECT_THAT(sealed, Not(HasSubstr(plaintext)));
  ASSERT_OK_AND_ASSIGN(std::string opened, Open(key, sealed, "subject-42"));
  EXPECT_EQ(opened, plaintext);
}

TEST(AeadTest, RoundTripsEmptyAndBinaryAndLargeInputs) {
  const std::string key = FixedKey('k');
  for (const std::string& plaintext :
       {std::string(), std::string("\0\x01\xff", 3), std::string(1 << 20, 'x')}) {
    ASSERT_OK_AND_ASSIGN(std::string sealed, Seal(key, plaintext, ""));
    ASSERT_OK_AND_ASSIGN(std::string opened, Open(key, sealed, ""));
    EXPECT_EQ(opened, plaintext);
  }
}

TEST(AeadTest, EachSealUsesAFreshNonce) {
  const std::string key = FixedKey('k');
  ASSERT_OK_AND_ASSIGN(std::string a, Seal(key, "same", "aad"));
  ASSERT_OK_AND_ASSIGN(std::string b, Seal(key, "same", "aad"));
  EXPECT_NE(a.substr(0, kGcmNonceSize), b.substr(0, kGcmNonceSize));
  EXPECT_NE(a, b);
}

class AeadTamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(sealed_, Seal(key_, plaintext_, aad_));
    ASSERT_THAT(Open(key_, sealed_, aad_), IsOk());
  }

  const std::string key_ = FixedKey('k');
  const std::string plaintext_ = "sixteen bytes!!!and more";
  const std::string aad_ = "subject-7";
  std::string sealed_;
};

TEST_F(AeadTamperTest, FlippedNonceBitIsDataLoss) {
  EXPECT_THAT(Open(key_, FlipBit(sealed_, 0), aad_), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Open(key_, FlipBit(sealed_, kGcmNonceSize - 1, 7), aad_),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(AeadTamperTest, FlippedCiphertextBitIsDataLoss) {
  for (size_t i = kGcmNonceSize; i < kGcmNonceSize + plaintext_.size(); ++i) {
    EXPECT_THAT(Open(key_, FlipBit(sealed_, i, static_cast<int>(i % 8)), aad_),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("authentication")))
        << "byte " << i;
  }
}

TEST_F(AeadTamperTest, FlippedTagBitIsDataLoss) {
  EXPECT_THAT(Open(key_, FlipBit(sealed_, sealed_.size() - kGcmTagSize), aad_),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Open(key_, FlipBit(sealed_, sealed_.size() - 1, 7), aad_),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(AeadTamperTest, WrongKeyIsDataLoss) {
  EXPECT_THAT(Open(FixedKey('K'), sealed_, aad_), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(AeadTamperTest, WrongAadIsDataLoss) {
  EXPECT_THAT(Open(key_, sealed_, "subject-8"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Open(key_, sealed_, ""), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(AeadTamperTest, TruncatedInputIsDataLoss) {
  for (size_t len : {size_t{0}, size_t{1}, kGcmNonceSize, kGcmNonceSize + kGcmTagSize - 1,
                     kGcmNonceSize + kGcmTagSize, sealed_.size() - 1}) {
    EXPECT_THAT(Open(key_, sealed_.substr(0, len), aad_), StatusIs(absl::StatusCode::kDataLoss))
        << "length " << len;
  }
}

TEST_F(AeadTamperTest, AppendedByteIsDataLoss) {
  EXPECT_THAT(Open(key_, sealed_ + "x", aad_), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(AeadKeyTest, WrongKeySizeIsInvalidArgument) {
  for (size_t size : {size_t{0}, size_t{16}, kAesKeySize - 1, kAesKeySize + 1}) {
    const std::string key(size, 'k');
    EXPECT_THAT(Seal(key, "p", "a"), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("32 bytes")))
        << "size " << size;
    EXPECT_THAT(Open(key, std::string(64, 'x'), "a"),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << "size " << size;
  }
}

}  // namespace
}  // namespace throughcare::crypto
