// The order in which files are listed by name (the records catalog): as a Chinese
// reader expects it, by pinyin (ICU's "zh" collation, from CLDR: Chinese
// names first, then names in Latin letters, each as in a dictionary), not
// by the code points of the UTF-8 bytes, which put 南京 before 天津 before
// 宁波. Numbers in a name count by their value: 第 9 号 before 第 18 号.
#ifndef CUSTOS_VAULT_RECORDS_INTERNAL_NAME_ORDER_H_
#define CUSTOS_VAULT_RECORDS_INTERNAL_NAME_ORDER_H_

#include <string>
#include <string_view>

namespace custos::vault::internal {

// A key for `name` (UTF-8; ill-formed bytes count as U+FFFD): two keys
// compare as bytes (std::string's <) as their names do in that order.
// Equal names give equal keys. About 0.2 µs and 30 bytes for a company
// name. Thread-safe (each thread opens the collation once).
std::string NameSortKey(std::string_view name);

}  // namespace custos::vault::internal

#endif  // CUSTOS_VAULT_RECORDS_INTERNAL_NAME_ORDER_H_
