// Signed notes, checkpoints and cosignatures: the C2SP grammar to the byte, key IDs derived as
// the spec says, and signatures that an independent Ed25519 implementation (the openssl command
// line) verifies.
#include "services/audit/note.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "services/crypto/hash.h"
#include "services/crypto/pki.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

constexpr char kOrigin[] = "audit.throughcare.example/log";
constexpr char kWitness[] = "probation-east.example/witness";

struct Keys {
  crypto::KeyPair pair;
  std::unique_ptr<crypto::Ed25519PrivateKey> key;
};

Keys NewKey() {
  Keys k;
  k.pair = *crypto::GenerateEd25519KeyPair();
  k.key = *crypto::Ed25519PrivateKey::FromPem(k.pair.private_key_pem);
  return k;
}

class Dir {
 public:
  Dir() : path_(std::filesystem::temp_directory_path() / absl::StrCat("tc-note-", getpid())) {
    std::filesystem::create_directories(path_);
  }
  ~Dir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& bytes) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

 private:
  std::filesystem::path path_;
};

// Runs a shell command; its exit status and standard output.
std::pair<int, std::string> Run(const std::string& command) {
  std::string out;
  FILE* f = popen(command.c_str(), "r");
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), f)) > 0;) out.append(buf, n);
  const int status = pclose(f);
  return {WEXITSTATUS(status), out};
}

// openssl pkeyutl verifies a raw Ed25519 signature of a message with a PEM public key.
bool OpensslVerifies(const Dir& dir, const std::string& public_pem, const std::string& message,
                     const std::string& signature) {
  const std::string cmd = absl::StrCat(
      "openssl pkeyutl -verify -pubin -inkey ", dir.Write("pub.pem", public_pem), " -rawin -in ",
      dir.Write("msg", message), " -sigfile ", dir.Write("sig", signature), " >/dev/null 2>&1");
  return Run(cmd).first == 0;
}

// The key ID as the spec derives it, with openssl's SHA-256: the first four bytes of
// SHA-256(name || 0x0A || type || public key), big-endian.
uint32_t OpensslKeyId(const Dir& dir, const std::string& name, char type,
                      const std::string& public_key) {
  std::string input = name + "\n" + type + public_key;
  auto [status, hex] = Run(absl::StrCat("openssl dgst -sha256 -r ", dir.Write("kid", input)));
  EXPECT_EQ(status, 0);
  return static_cast<uint32_t>(std::stoul(hex.substr(0, 8), nullptr, 16));
}

TEST(NoteTest, ACheckpointIsTheC2spNoteToTheByte) {
  Keys log = NewKey();
  Checkpoint c{kOrigin, 20852163, crypto::Sha256("root")};
  ASSERT_OK_AND_ASSIGN(std::string note, SignCheckpoint(c, *log.key));
  const std::vector<std::string> lines = absl::StrSplit(note, '\n');
  ASSERT_THAT(lines, SizeIs(6));
  EXPECT_EQ(lines[0], kOrigin);
  EXPECT_EQ(lines[1], "20852163");
  EXPECT_EQ(lines[2], absl::Base64Escape(crypto::Sha256("root")));
  EXPECT_EQ(lines[3], "");
  EXPECT_EQ(lines[5], "");  // the note ends in a newline
  const std::string dash_name = absl::StrCat("\xE2\x80\x94 ", kOrigin, " ");  // em dash U+2014
  ASSERT_EQ(lines[4].substr(0, dash_name.size()), dash_name);

  std::string sig;
  ASSERT_TRUE(absl::Base64Unescape(lines[4].substr(dash_name.size()), &sig));
  ASSERT_EQ(sig.size(), 4u + 64u);
  Dir dir;
  const uint32_t key_id = (static_cast<uint8_t>(sig[0]) << 24) |
                          (static_cast<uint8_t>(sig[1]) << 16) |
                          (static_cast<uint8_t>(sig[2]) << 8) | static_cast<uint8_t>(sig[3]);
  EXPECT_EQ(key_id, OpensslKeyId(dir, kOrigin, '\x01', log.key->public_key()));
  const std::string text = absl::StrCat(lines[0], "\n", lines[1], "\n", lines[2], "\n");
  EXPECT_TRUE(OpensslVerifies(dir, log.pair.public_key_pem, text, sig.substr(4)));
  EXPECT_FALSE(OpensslVerifies(dir, log.pair.public_key_pem, text + "x", sig.substr(4)));

  VerifierKey vkey = MakeVerifierKey(kOrigin, kNoteEd25519, log.key->public_key());
  ASSERT_OK_AND_ASSIGN(OpenedCheckpoint opened, OpenCheckpoint(note, vkey));
  EXPECT_EQ(opened.checkpoint.size, 20852163u);
  EXPECT_EQ(opened.checkpoint.root, crypto::Sha256("root"));
}

TEST(NoteTest, VerifierKeysRoundTripAndAreChecked) {
  Keys log = NewKey();
  VerifierKey key = MakeVerifierKey(kOrigin, kNoteEd25519, log.key->public_key());
  const std::string text = FormatVerifierKey(key);
  EXPECT_EQ(text, absl::StrFormat("%s+%08x+%s", kOrigin, key.key_id,
                                  absl::Base64Escape("\x01" + log.key->public_key())));
  ASSERT_OK_AND_ASSIGN(VerifierKey parsed, ParseVerifierKey(text));
  EXPECT_EQ(parsed.public_key, log.key->public_key());
  std::string wrong_id = text;
  wrong_id[wrong_id.find('+') + 1] ^= 1;
  EXPECT_THAT(ParseVerifierKey(wrong_id), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseVerifierKey("a b+00000000+AA=="), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseVerifierKey(kOrigin), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(NoteTest, AChangedOrForeignCheckpointIsRefused) {
  Keys log = NewKey();
  Keys other = NewKey();
  VerifierKey vkey = MakeVerifierKey(kOrigin, kNoteEd25519, log.key->public_key());
  ASSERT_OK_AND_ASSIGN(std::string note,
                       SignCheckpoint(Checkpoint{kOrigin, 7, crypto::Sha256("r")}, *log.key));
  std::string changed = note;
  changed[changed.find("\n7\n") + 1] = '8';
  EXPECT_THAT(OpenCheckpoint(changed, vkey),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("does not verify")));
  ASSERT_OK_AND_ASSIGN(std::string foreign,
                       SignCheckpoint(Checkpoint{kOrigin, 7, crypto::Sha256("r")}, *other.key));
  EXPECT_THAT(OpenCheckpoint(foreign, vkey),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("not signed by the log")));
  EXPECT_THAT(OpenCheckpoint("x\n7\n", vkey), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseCheckpointText("o\n07\nAA==\n"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseCheckpointText("o\n7\n" + absl::Base64Escape(crypto::Sha256("r")) + "\nx\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(NoteTest, ACosignatureSignsTheV1MessageWithItsTimestamp) {
  Keys log = NewKey();
  Keys witness = NewKey();
  const Checkpoint c{kOrigin, 42, crypto::Sha256("r42")};
  ASSERT_OK_AND_ASSIGN(std::string note, SignCheckpoint(c, *log.key));
  const absl::Time at = absl::FromUnixSeconds(1700000000);
  ASSERT_OK_AND_ASSIGN(NoteSignature cosig, Cosign(CheckpointText(c), kWitness, *witness.key, at));
  EXPECT_EQ(cosig.signature.substr(0, 8), std::string("\x00\x00\x00\x00\x65\x53\xf1\x00", 8));

  Dir dir;
  EXPECT_EQ(cosig.key_id, OpensslKeyId(dir, kWitness, '\x04', witness.key->public_key()));
  const std::string message =
      absl::StrCat("cosignature/v1\ntime 1700000000\n", kOrigin, "\n42\n",
                   absl::Base64Escape(crypto::Sha256("r42")), "\n");
  EXPECT_EQ(CosignedMessage(CheckpointText(c), 1700000000), message);
  EXPECT_TRUE(OpensslVerifies(dir, witness.pair.public_key_pem, message, cosig.signature.substr(8)));

  // The broker serves the checkpoint with the cosignature appended.
  const std::string cosigned = note + FormatSignatureLine(cosig);
  VerifierKey log_key = MakeVerifierKey(kOrigin, kNoteEd25519, log.key->public_key());
  VerifierKey witness_key =
      MakeVerifierKey(kWitness, kCosignatureEd25519, witness.key->public_key());
  ASSERT_OK_AND_ASSIGN(OpenedCheckpoint opened, OpenCheckpoint(cosigned, log_key, {witness_key}));
  ASSERT_THAT(opened.cosignatures, SizeIs(1));
  EXPECT_EQ(opened.cosignatures[0].witness, kWitness);
  EXPECT_EQ(opened.cosignatures[0].time, at);
  // Unknown signatures are ignored; a known witness's bad cosignature is refused.
  EXPECT_THAT(OpenCheckpoint(cosigned, log_key), IsOk());
  NoteSignature forged = cosig;
  forged.signature[20] ^= 1;
  EXPECT_THAT(OpenCheckpoint(note + FormatSignatureLine(forged), log_key, {witness_key}),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr(kWitness)));
}

TEST(NoteTest, MalformedNotesAreRefusedSayingWhy) {
  EXPECT_THAT(ParseNote("text\n"), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("no blank line")));
  EXPECT_THAT(ParseNote("text\n\n"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseNote("text\n\n- name AAAAAAA=\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("em dash")));
  EXPECT_THAT(ParseNote("te\txt\n\n\xE2\x80\x94 name AAAAAAA=\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("control")));
  EXPECT_THAT(ParseNote("text\n\n\xE2\x80\x94 name !!!\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base64")));
  EXPECT_THAT(ParseNote("text\xff\n\n\xE2\x80\x94 name AAAAAAA=\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
  ASSERT_OK_AND_ASSIGN(Note ok, ParseNote("a\n\nb\n\n\xE2\x80\x94 name AAAAAAA=\n"));
  EXPECT_EQ(ok.text, "a\n\nb\n");  // the last blank line separates the signatures
  EXPECT_THAT(ok.signatures, SizeIs(1));
}

}  // namespace
}  // namespace throughcare::audit
