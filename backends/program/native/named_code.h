// One entry of a generated code table: a name of the TypeScript table and its numeric code.
#pragma once

namespace glm {

struct NamedCode {
  const char* name;
  int code;
};

}  // namespace glm
