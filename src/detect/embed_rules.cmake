# Writes OUT, a C++ file defining customs::detect::BuiltinRules() with the
# text of each file in RULES (a ;-list), as raw string literals.
set(body "")
foreach(rule_file IN LISTS RULES)
  get_filename_component(name ${rule_file} NAME)
  file(READ ${rule_file} text)
  string(FIND "${text}" ")customs_rule\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${rule_file} contains the raw string delimiter")
  endif()
  string(APPEND body "      {\"${name}\", R\"customs_rule(${text})customs_rule\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from rules/*.yar by src/detect/embed_rules.cmake.
#include \"detect/yara_rules.h\"

namespace customs::detect {

const std::vector<RuleSource>& BuiltinRules() {
  static const std::vector<RuleSource> kRules = {
${body}  };
  return kRules;
}

}  // namespace customs::detect
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
