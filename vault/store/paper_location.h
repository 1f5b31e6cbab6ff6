// Where a paper original is kept in the archive room (纸质原件存放位置):
// room, cabinet, box. Customer files and signed agreements both have paper
// originals, so the value type sits below both rooms.
#ifndef CUSTOS_VAULT_STORE_PAPER_LOCATION_H_
#define CUSTOS_VAULT_STORE_PAPER_LOCATION_H_

#include <string>

namespace custos::vault {

struct PaperLocation {
  std::string room;
  std::string cabinet;
  std::string box;
  bool empty() const { return room.empty() && cabinet.empty() && box.empty(); }
  friend bool operator==(const PaperLocation&, const PaperLocation&) = default;
};

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_STORE_PAPER_LOCATION_H_
