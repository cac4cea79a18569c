#include "util/status.h"

namespace embodb {

Status::Status(Code code, std::string_view msg, std::string_view detail) : code_(code) {
  message_.assign(msg);
  if (!detail.empty()) {
    message_.append(": ");
    message_.append(detail);
  }
}

std::string Status::ToString() const {
  const char* name = "OK";
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: name = "NotFound"; break;
    case Code::kCorruption: name = "Corruption"; break;
    case Code::kIOError: name = "IOError"; break;
    case Code::kInvalidArgument: name = "InvalidArgument"; break;
    case Code::kNotSupported: name = "NotSupported"; break;
    case Code::kConflict: name = "Conflict"; break;
    case Code::kLocked: name = "Locked"; break;
    case Code::kBusy: name = "Busy"; break;
    case Code::kAborted: name = "Aborted"; break;
    case Code::kSchema: name = "Schema"; break;
    case Code::kAlreadyExists: name = "AlreadyExists"; break;
  }
  return std::string(name) + ": " + message_;
}

}  // namespace embodb
