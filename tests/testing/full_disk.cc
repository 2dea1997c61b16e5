#include "tests/testing/full_disk.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace throughcare::testing {
namespace {

absl::Status& Support() {
  static absl::Status* support = new absl::Status(
      absl::FailedPreconditionError("the test's main() did not call EnterPrivateMountNamespace"));
  return *support;
}

std::string Errno(int error) { return std::strerror(error); }

// Maps this process's user and group to root in the user namespace it has just entered.
absl::Status MapToRoot(uid_t uid, gid_t gid) {
  const std::pair<const char*, std::string> maps[] = {{"/proc/self/setgroups", "deny"},
                                                      {"/proc/self/uid_map", absl::StrCat("0 ", uid, " 1")},
                                                      {"/proc/self/gid_map", absl::StrCat("0 ", gid, " 1")}};
  for (const auto& [file, text] : maps) {
    std::ofstream out(file);
    out << text;
    out.close();
    if (!out) return absl::FailedPreconditionError(absl::StrCat("cannot write ", file));
  }
  return absl::OkStatus();
}

absl::Status Enter() {
  if (unshare(CLONE_NEWNS) != 0) {
    const int as_root = errno;
    const uid_t uid = getuid();
    const gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot mount a tmpfs here: no private mount namespace (", Errno(as_root),
          ") and no user namespace (", Errno(errno),
          "); the full-disk tests need root (as CI runs) or unprivileged user namespaces"));
    }
    if (absl::Status mapped = MapToRoot(uid, gid); !mapped.ok()) return mapped;
  }
  // Mounts made from here on stay in this namespace.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot make the mount namespace private: ", Errno(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

const absl::Status& FullDiskSupport() { return Support(); }

void EnterPrivateMountNamespace() { Support() = Enter(); }

absl::Status MountTmpfs(const std::string& dir, int64_t bytes) {
  if (!FullDiskSupport().ok()) return FullDiskSupport();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string options = absl::StrCat("size=", bytes, ",mode=0700");
  if (mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot mount a tmpfs on ", dir, ": ", Errno(errno)));
  }
  return absl::OkStatus();
}

absl::Status UnmountTmpfs(const std::string& dir) {
  if (umount2(dir.c_str(), MNT_DETACH) != 0) {
    return absl::InternalError(absl::StrCat("cannot unmount ", dir, ": ", Errno(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FillDisk(const std::string& dir) {
  const std::string path = dir + "/filler";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot create ", path, ": ", Errno(errno)));
  // Ever smaller writes, down to single bytes, until not one more fits.
  const std::vector<char> chunk(1 << 20, 'x');
  int error = 0;
  for (size_t size = chunk.size(); size > 0; size /= 16) {
    while (write(fd, chunk.data(), size) > 0) {
    }
    error = errno;
    if (error != ENOSPC) break;
  }
  close(fd);
  if (error != ENOSPC) {
    return absl::InternalError(absl::StrCat("filling ", path, ": ", Errno(error)));
  }
  return path;
}

}  // namespace throughcare::testing
