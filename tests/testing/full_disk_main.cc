// main() for test binaries that fill a disk (full_disk.h): the private mount namespace first,
// before anything can start a thread.
#include "gtest/gtest.h"
#include "tests/testing/full_disk.h"

int main(int argc, char** argv) {
  throughcare::testing::EnterPrivateMountNamespace();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
