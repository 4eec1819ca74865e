// base/fs: the descriptor guard, directory creation, whole-file reads and the atomic replace.
#include "base/fs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "base/testing/temp_dir.h"

namespace covidflow {
namespace {

using testing::TempDir;

TEST(UniqueFdTest, ClosesOnDestructionAndMovesOwnership) {
  TempDir dir;
  int raw = -1;
  {
    auto fd = OpenFile(dir.Sub("f"), O_RDWR | O_CREAT);
    ASSERT_TRUE(fd.ok()) << fd.status().ToString();
    raw = fd->get();
    UniqueFd moved = std::move(*fd);
    EXPECT_FALSE(fd->valid());
    EXPECT_EQ(moved.get(), raw);
    EXPECT_NE(::fcntl(raw, F_GETFD), -1);
  }
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1) << "the descriptor outlived its guard";
}

TEST(UniqueFdTest, ReleaseGivesUpOwnership) {
  TempDir dir;
  int raw = -1;
  {
    auto fd = OpenFile(dir.Sub("f"), O_RDWR | O_CREAT);
    ASSERT_TRUE(fd.ok());
    raw = fd->Release();
  }
  EXPECT_NE(::fcntl(raw, F_GETFD), -1);
  ::close(raw);
}

TEST(MakeDirsTest, CreatesEveryLevelAndAcceptsExisting) {
  TempDir dir;
  const std::string deep = dir.Sub("a/b/c");
  ASSERT_TRUE(MakeDirs(deep).ok());
  EXPECT_TRUE(std::filesystem::is_directory(deep));
  EXPECT_TRUE(MakeDirs(deep).ok());
}

TEST(MakeDirsTest, AFileInTheWayIsAnIoError) {
  TempDir dir;
  std::ofstream(dir.Sub("file")) << "x";
  Status s = MakeDirs(dir.Sub("file/sub"));
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
  EXPECT_NE(s.message().find("file"), std::string::npos);
  EXPECT_EQ(MakeDirs(dir.Sub("file")).code(), StatusCode::kIoError);
  EXPECT_EQ(MakeDirs("").code(), StatusCode::kInvalidArgument);
}

TEST(ReadWholeFileTest, ReadsEveryByteAndReportsMissingAsNotFound) {
  TempDir dir;
  std::string bytes(100000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7);
  std::ofstream(dir.Sub("f"), std::ios::binary) << bytes;
  auto read = ReadWholeFile(dir.Sub("f"));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes);
  EXPECT_EQ(ReadWholeFile(dir.Sub("missing")).status().code(), StatusCode::kNotFound);
}

TEST(ReplaceFileAtomicallyTest, ReplacesContentsAndLeavesNoTempFile) {
  TempDir dir;
  const std::string path = dir.Sub("data");
  ASSERT_TRUE(ReplaceFileAtomically(path, "first", path + ".tmp").ok());
  EXPECT_EQ(*ReadWholeFile(path), "first");
  ASSERT_TRUE(ReplaceFileAtomically(path, "second, longer", path + ".tmp").ok());
  EXPECT_EQ(*ReadWholeFile(path), "second, longer");
  ASSERT_TRUE(ReplaceFileAtomically(path, "", path + ".tmp").ok());
  EXPECT_EQ(*ReadWholeFile(path), "");
  EXPECT_FALSE(PathExists(path + ".tmp"));
  EXPECT_EQ(*ListDir(dir.path()), std::vector<std::string>{"data"});
}

TEST(ReplaceFileAtomicallyTest, AFailedRenameKeepsTheOldContentsAndRemovesTheTemp) {
  TempDir dir;
  const std::string path = dir.Sub("data");
  ASSERT_TRUE(ReplaceFileAtomically(path, "old", path + ".tmp").ok());
  // A directory with an entry cannot be renamed over: the rename fails after the temp exists.
  ASSERT_TRUE(MakeDirs(dir.Sub("busy/inside")).ok());
  Status s = ReplaceFileAtomically(dir.Sub("busy"), "new", dir.Sub("busy.tmp"));
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_FALSE(PathExists(dir.Sub("busy.tmp")));
  EXPECT_EQ(*ReadWholeFile(path), "old");
}

TEST(ReplaceFileAtomicallyTest, UnwritableDirectoryIsAnIoError) {
  // A "directory" that is a regular file refuses new entries to every user, root included
  // (CI runs as root, which ignores permission bits).
  TempDir dir;
  std::ofstream(dir.Sub("not_a_dir")) << "x";
  Status s = ReplaceFileAtomically(dir.Sub("not_a_dir/f"), "x", dir.Sub("not_a_dir/f.tmp"));
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
  EXPECT_EQ(ReadWholeFile(dir.Sub("not_a_dir")).value(), "x") << "the blocking file is untouched";
}

TEST(FsTest, PwriteAndPreadRoundTripAtAnOffset) {
  TempDir dir;
  auto fd = OpenFile(dir.Sub("f"), O_RDWR | O_CREAT);
  ASSERT_TRUE(fd.ok());
  ASSERT_TRUE(PwriteFull(fd->get(), "hello", 10, dir.Sub("f")).ok());
  EXPECT_EQ(*FileSize(fd->get()), 15u);
  char buf[8] = {};
  auto n = PreadFull(fd->get(), buf, sizeof(buf), 10);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 5u) << "a read past the end returns what is there";
  EXPECT_EQ(std::string(buf, 5), "hello");
}

TEST(FsTest, ListDirAndFsyncDirAndRemove) {
  TempDir dir;
  std::ofstream(dir.Sub("a")) << "1";
  std::ofstream(dir.Sub("b")) << "2";
  auto names = ListDir(dir.path());
  ASSERT_TRUE(names.ok());
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(FsyncDir(dir.path()).ok());
  EXPECT_EQ(FsyncDir(dir.Sub("missing")).code(), StatusCode::kNotFound);
  EXPECT_TRUE(RemoveFileIfExists(dir.Sub("a")).ok());
  EXPECT_TRUE(RemoveFileIfExists(dir.Sub("a")).ok()) << "already gone is fine";
  EXPECT_FALSE(PathExists(dir.Sub("a")));
}

TEST(FsTest, DirName) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
}

TEST(TempDirTest, RemovesItsTreeEvenWithoutPermissions) {
  std::string path;
  {
    TempDir dir("cf_temp_dir_test");
    path = dir.path();
    EXPECT_NE(path.find("cf_temp_dir_test_"), std::string::npos);
    ASSERT_TRUE(MakeDirs(dir.Sub("locked/inner")).ok());
    std::ofstream(dir.Sub("locked/inner/f")) << "x";
    ASSERT_EQ(::chmod(dir.Sub("locked/inner").c_str(), 0), 0);
    ASSERT_EQ(::chmod(dir.Sub("locked").c_str(), 0), 0);
    TempDir other("cf_temp_dir_test");
    EXPECT_NE(other.path(), path);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(CopyTreeDurablyTest, CopiesFilesAndDirectoriesWithTheGivenModes) {
  TempDir dir("cf_copy_tree");
  ASSERT_TRUE(MakeDirs(dir.Sub("from/sub/deeper")).ok());
  std::ofstream(dir.Sub("from/a.txt")) << "alpha";
  std::ofstream(dir.Sub("from/sub/deeper/b.bin")) << std::string(3 << 20, 'b');
  ASSERT_TRUE(CopyTreeDurably(dir.Sub("from"), dir.Sub("to"), 0600, 0700).ok());
  EXPECT_EQ(ReadWholeFile(dir.Sub("to/a.txt")).value(), "alpha");
  EXPECT_EQ(ReadWholeFile(dir.Sub("to/sub/deeper/b.bin")).value(), std::string(3 << 20, 'b'));
  struct stat st;
  ASSERT_EQ(::stat(dir.Sub("to/a.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.Sub("to/sub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(CopyTreeDurablyTest, RefusesSymlinksAnExistingTargetAndAMissingSource) {
  TempDir dir("cf_copy_tree");
  ASSERT_TRUE(MakeDirs(dir.Sub("from")).ok());
  ASSERT_EQ(::symlink("/etc/passwd", dir.Sub("from/link").c_str()), 0);
  Status s = CopyTreeDurably(dir.Sub("from"), dir.Sub("to"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("link"), std::string::npos) << s.message();
  EXPECT_EQ(CopyTreeDurably(dir.Sub("from"), dir.Sub("to")).code(), StatusCode::kIoError);
  EXPECT_EQ(CopyTreeDurably(dir.Sub("none"), dir.Sub("to2")).code(), StatusCode::kNotFound);
}

TEST(RemoveTreeTest, RemovesEverythingAndAcceptsMissing) {
  TempDir dir("cf_remove_tree");
  ASSERT_TRUE(MakeDirs(dir.Sub("t/a/b")).ok());
  std::ofstream(dir.Sub("t/a/b/f")) << "x";
  ASSERT_TRUE(RemoveTree(dir.Sub("t")).ok());
  EXPECT_FALSE(PathExists(dir.Sub("t")));
  EXPECT_TRUE(RemoveTree(dir.Sub("t")).ok());
}

}  // namespace
}  // namespace covidflow
