#pragma once
// Consumer groups of the embedded log, shared by processes through the file system:
//   groups/<group>/members/<id>      one file per live member, flock-held by it
//   groups/<group>/leases/<t>.<p>    flock-held by the member that owns partition p of t
//   groups/<group>/offsets           committed positions, replaced atomically
//   groups/<group>/offsets.lock      serialises read-modify-write of the offsets file
// The kernel drops a dead member's flocks, so its member file becomes lockable (it is then
// removed) and its partitions become claimable by the survivors.
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "base/status.h"
#include "log/file/names.h"
#include "log/log.h"

namespace covidflow::log::file {

class GroupMember {
 public:
  // Registers a new live member of the group stored in `group_dir` (created if missing).
  static Result<std::unique_ptr<GroupMember>> Join(const std::string& group_dir);

  // This member's 0-based rank among live members (by join order) and their number.
  // Removes member files whose owner died.
  Result<std::pair<int, int>> RankAndSize();
  // Tries to take the lease of a partition; an invalid fd when another member holds it.
  Result<UniqueFd> TryLease(const TopicPartition& tp);

  const std::string& id() const { return id_; }

 private:
  GroupMember(std::string dir, std::string id, UniqueFd fd)
      : dir_(std::move(dir)), id_(std::move(id)), member_fd_(std::move(fd)) {}

  std::string dir_;
  std::string id_;
  UniqueFd member_fd_;
};

// Commits `points` merged into the offsets file of the group in `group_dir` (atomic replace,
// durable on return). Serialised across processes by offsets.lock.
Status CommitOffsets(const std::string& group_dir, const CommitMap& points);
// Every committed position of the group (empty when it never committed).
Result<CommitMap> ReadCommittedOffsets(const std::string& group_dir);

// The offsets file format (docs/formats/log.md): encode, and decode with its checksum
// verified (kCorruption otherwise).
std::string EncodeOffsets(const CommitMap& points);
Result<CommitMap> DecodeOffsets(std::string_view bytes, std::string_view file);

}  // namespace covidflow::log::file
