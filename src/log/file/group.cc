#include "log/file/group.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>

#include "base/crc32c.h"

namespace covidflow::log::file {
namespace {

constexpr std::string_view kOffsetsMagic = "CFOFFS01";

template <typename T>
void Put(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

// A bounds-checked cursor over the offsets file.
class Cursor {
 public:
  explicit Cursor(std::string_view b) : b_(b) {}
  template <typename T>
  bool Get(T* v) {
    if (b_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool Bytes(std::string* s) {
    uint32_t n;
    if (!Get(&n) || b_.size() - pos_ < n) return false;
    s->assign(b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

// Member ids sort by join time so ranks are stable while members live.
std::string NewMemberId() {
  static std::atomic<uint32_t> counter{0};
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::random_device rd;
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%020lld-%010d-%06u-%08x", static_cast<long long>(ns),
                static_cast<int>(::getpid()), counter.fetch_add(1) % 1000000u, rd());
  return buf;
}

Status LockNonBlocking(int fd, bool* acquired, const std::string& what) {
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      *acquired = false;
      return Status::Ok();
    }
    return Status::FromErrno(errno, "flock " + what);
  }
  *acquired = true;
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<GroupMember>> GroupMember::Join(const std::string& group_dir) {
  RETURN_IF_ERROR(MakeDirs(group_dir + "/members"));
  RETURN_IF_ERROR(MakeDirs(group_dir + "/leases"));
  std::string id = NewMemberId();
  // Lock under a temporary name, then rename into place, so no one ever sees the member
  // file unlocked and mistakes it for a dead member's.
  std::string tmp = group_dir + "/members/.join-" + id;
  ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(tmp, O_RDWR | O_CREAT | O_EXCL));
  bool acquired = false;
  RETURN_IF_ERROR(LockNonBlocking(fd.get(), &acquired, tmp));
  if (!acquired) return Status::Internal("fresh member file " + tmp + " is locked");
  std::string path = group_dir + "/members/" + id;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::FromErrno(errno, "rename " + tmp);
  }
  return std::unique_ptr<GroupMember>(new GroupMember(group_dir, std::move(id), std::move(fd)));
}

Result<std::pair<int, int>> GroupMember::RankAndSize() {
  const std::string members = dir_ + "/members";
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(members));
  std::vector<std::string> live;
  for (const std::string& name : names) {
    if (name == id_) {
      live.push_back(name);
      continue;
    }
    if (name.starts_with(".join-")) {
      // A member that died between creating and publishing its file: remove it once unlocked.
      Result<UniqueFd> fd = OpenFile(members + "/" + name, O_RDWR);
      bool acquired = false;
      if (fd.ok() && LockNonBlocking(fd->get(), &acquired, name).ok() && acquired) {
        ::unlink((members + "/" + name).c_str());
      }
      continue;
    }
    if (name.starts_with(".")) continue;
    std::string path = members + "/" + name;
    Result<UniqueFd> fd = OpenFile(path, O_RDWR);
    if (!fd.ok()) continue;  // removed meanwhile
    bool acquired = false;
    RETURN_IF_ERROR(LockNonBlocking(fd->get(), &acquired, path));
    if (acquired) {
      ::unlink(path.c_str());  // its owner died: the kernel released the lock
    } else {
      live.push_back(name);
    }
  }
  std::sort(live.begin(), live.end());
  int rank = static_cast<int>(std::find(live.begin(), live.end(), id_) - live.begin());
  return std::make_pair(rank, static_cast<int>(live.size()));
}

Result<UniqueFd> GroupMember::TryLease(const TopicPartition& tp) {
  std::string path = dir_ + "/leases/" + tp.topic + "." + std::to_string(tp.partition.value());
  ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path, O_RDWR | O_CREAT));
  bool acquired = false;
  RETURN_IF_ERROR(LockNonBlocking(fd.get(), &acquired, path));
  if (!acquired) return UniqueFd();
  return fd;
}

Status CommitOffsets(const std::string& group_dir, const CommitMap& points) {
  RETURN_IF_ERROR(MakeDirs(group_dir));
  const std::string lock_path = group_dir + "/offsets.lock";
  ASSIGN_OR_RETURN(UniqueFd lock, OpenFile(lock_path, O_RDWR | O_CREAT));
  while (::flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return Status::FromErrno(errno, "flock " + lock_path);
  }
  // Held until `lock` closes on return, after the new file is renamed into place. Every
  // writer of the offsets file holds it, so temporary files seen now were left by a crash.
  Result<std::vector<std::string>> names = ListDir(group_dir);
  if (names.ok()) {
    for (const std::string& name : *names) {
      if (name.starts_with(".tmp-") && name.ends_with("-offsets")) {
        ::unlink((group_dir + "/" + name).c_str());
      }
    }
  }
  ASSIGN_OR_RETURN(CommitMap all, ReadCommittedOffsets(group_dir));
  for (const auto& [tp, point] : points) all[tp] = point;
  const std::string path = group_dir + "/offsets";
  return ReplaceFileAtomically(path, EncodeOffsets(all), TempPathFor(path));
}

Result<CommitMap> ReadCommittedOffsets(const std::string& group_dir) {
  const std::string path = group_dir + "/offsets";
  if (!PathExists(path)) return CommitMap{};
  ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
  return DecodeOffsets(bytes, path);
}

std::string EncodeOffsets(const CommitMap& points) {
  std::string out(kOffsetsMagic);
  Put<uint32_t>(&out, static_cast<uint32_t>(points.size()));
  for (const auto& [tp, point] : points) {
    Put<uint32_t>(&out, static_cast<uint32_t>(tp.topic.size()));
    out += tp.topic;
    Put<int32_t>(&out, tp.partition.value());
    Put<int64_t>(&out, point.next.value());
    Put<uint32_t>(&out, static_cast<uint32_t>(point.metadata.size()));
    out += point.metadata;
  }
  Put<uint32_t>(&out, Crc32c(out));
  return out;
}

Result<CommitMap> DecodeOffsets(std::string_view bytes, std::string_view file) {
  auto bad = [&](std::string_view what) {
    return Status::Corruption(std::string(file) + ": " + std::string(what));
  };
  if (bytes.size() < kOffsetsMagic.size() + 8 || bytes.substr(0, 8) != kOffsetsMagic) {
    return bad("not an offsets file (bad magic or too short)");
  }
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
  std::string_view body = bytes.substr(0, bytes.size() - 4);
  if (Crc32c(body) != stored) return bad("bad checksum");
  Cursor c(body.substr(8));
  uint32_t count;
  if (!c.Get(&count)) return bad("truncated count");
  CommitMap out;
  for (uint32_t i = 0; i < count; ++i) {
    std::string topic, metadata;
    int32_t partition;
    int64_t next;
    if (!c.Bytes(&topic) || !c.Get(&partition) || !c.Get(&next) || !c.Bytes(&metadata)) {
      return bad("truncated entry " + std::to_string(i));
    }
    out[TopicPartition{std::move(topic), PartitionId(partition)}] =
        CommitPoint{Offset(next), std::move(metadata)};
  }
  if (c.pos() != body.size() - 8) return bad("trailing bytes");
  return out;
}

}  // namespace covidflow::log::file
