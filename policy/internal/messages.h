// Human messages (zh and en) for each rule id. Private to the engine.
#ifndef CUSTOS_POLICY_INTERNAL_MESSAGES_H_
#define CUSTOS_POLICY_INTERNAL_MESSAGES_H_

#include <optional>
#include <string_view>

namespace custos::policy::internal {

struct RuleText {
  std::string_view en;
  std::string_view zh;
};

// The messages for `rule`; a rule without an entry is a bug and aborts (the
// tests walk every rule id in policy/rules.h).
RuleText TextForRule(std::string_view rule);

// The messages for `rule`, or nullopt when it is not a rule id.
std::optional<RuleText> FindTextForRule(std::string_view rule);

}  // namespace custos::policy::internal

#endif  // CUSTOS_POLICY_INTERNAL_MESSAGES_H_
