// Who is calling and from where: the identity (already authenticated by the
// caller of the vault, e.g. the web layer or the CLI) and the place that goes
// into every audit event. A value; safe to copy between threads.
#ifndef CUSTOS_VAULT_ACCESS_CALLER_H_
#define CUSTOS_VAULT_ACCESS_CALLER_H_

#include <string>

#include "vault/audit/audit_log.h"

namespace custos::vault::access {

struct Caller {
  std::string user_id;
  std::string session;  // opaque session id, never the bearer token
  AuditEvent::Place place;
};

}  // namespace custos::vault::access

namespace custos::vault {
// Every protected operation of the vault takes a Caller.
using access::Caller;
}  // namespace custos::vault

#endif  // CUSTOS_VAULT_ACCESS_CALLER_H_
