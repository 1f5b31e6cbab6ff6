// Helpers shared by the contract-templates tests.
#ifndef CUSTOS_TESTS_CONTRACT_TEMPLATES_TEST_UTIL_H_
#define CUSTOS_TESTS_CONTRACT_TEMPLATES_TEST_UTIL_H_

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "base/json.h"
#include "contract-templates/fields.h"
#include "contract-templates/template.h"

namespace custos::contracts::testing {

inline std::filesystem::path SourceRoot() {
  const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
  return root != nullptr ? std::filesystem::path(root) : std::filesystem::current_path();
}

inline std::filesystem::path TemplatePath(const std::string& id) {
  return SourceRoot() / "contract-templates" / "templates" / (id + ".xml");
}

inline std::filesystem::path ExamplePath(const std::string& id) {
  return SourceRoot() / "contract-templates" / "examples" / (id + ".fields.json");
}

inline std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline json::Value ParseJson(const std::string& text) {
  Result<json::Value> v = json::Parse(text);
  if (!v.ok()) Die("test JSON: " + v.status().ToString());
  return *v;
}

inline Template MustLoad(const std::string& id) {
  Result<Template> t = LoadTemplate(TemplatePath(id));
  if (!t.ok()) Die("test template: " + t.status().ToString());
  return *t;
}

inline json::Value ExampleFields(const std::string& id) {
  return ParseJson(ReadAll(ExamplePath(id)));
}

}  // namespace custos::contracts::testing

#endif  // CUSTOS_TESTS_CONTRACT_TEMPLATES_TEST_UTIL_H_
