// A real full disk for tests: a small tmpfs, mounted in the test process's own mount namespace,
// so that it never shows outside the test and goes away with it. A test binary that uses it
// links tc_full_disk_main, whose main() enters that namespace while the process is still
// single-threaded (namespaces belong to threads, and later threads inherit them). As root, as CI
// runs, that is a plain mount namespace; otherwise a user namespace, where the kernel allows
// unprivileged ones. Where neither is allowed, FullDiskSupport() says why and the tests skip.
#ifndef THROUGHCARE_TESTS_TESTING_FULL_DISK_H_
#define THROUGHCARE_TESTS_TESTING_FULL_DISK_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace throughcare::testing {

// OK if this process may mount a tmpfs; otherwise the reason it may not.
const absl::Status& FullDiskSupport();

// Enters the private mount namespace; for tc_full_disk_main's main() only.
void EnterPrivateMountNamespace();

// Mounts a tmpfs of `bytes` at `dir`, creating the directory.
absl::Status MountTmpfs(const std::string& dir, int64_t bytes);
// Unmounts it (lazily, so open files do not stop it).
absl::Status UnmountTmpfs(const std::string& dir);

// Takes every free byte of the filesystem holding `dir` with a file there, and returns its path:
// deleting the file gives the space back.
absl::StatusOr<std::string> FillDisk(const std::string& dir);

}  // namespace throughcare::testing

#endif  // THROUGHCARE_TESTS_TESTING_FULL_DISK_H_
