# The device-neutral program runtime of every compiled backend's addon (included by a family's cmake
# file, e.g. backends/simt/native/simt.cmake): the record loop and launcher table, the N-API surface
# helpers, the dtype codes generated from the TypeScript table, and Node's API headers.
#   GLM_PROGRAM_SOURCES              compiled into every addon
#   GLM_PROGRAM_HOST_MEMORY_SOURCES  device.h as host memory, for emulated builds
#   GLM_PROGRAM_FAULT_SOURCES        the GLM_FAULT counter (fault_injection.h), for emulated builds,
#                                    which also define GLM_FAULT_INJECTION (the addon then exports setFault)
#   glm_program_addon(<target> <generated-dir>)  an addon target's include paths, N-API definitions,
#                                    .node naming and cmake-js link
set(GLM_PROGRAM_DIR ${CMAKE_CURRENT_LIST_DIR})
set(GLM_PROGRAM_SOURCES ${GLM_PROGRAM_DIR}/program.cpp)
set(GLM_PROGRAM_HOST_MEMORY_SOURCES ${GLM_PROGRAM_DIR}/host_memory.cpp)
set(GLM_PROGRAM_FAULT_SOURCES ${GLM_PROGRAM_DIR}/fault_injection.cpp)

# Node-API headers: cmake-js's include list, else the system's node headers; nothing is downloaded.
find_path(NODE_API_INCLUDE node_api.h PATHS ${CMAKE_JS_INC} /usr/include/node /usr/local/include/node NO_DEFAULT_PATH)
if(NOT NODE_API_INCLUDE)
  message(FATAL_ERROR "node_api.h not found (cmake-js include: '${CMAKE_JS_INC}'); set npm's nodedir to a Node.js install with headers")
endif()
execute_process(
  COMMAND node -p "require('node-addon-api').include_dir"
  WORKING_DIRECTORY ${GLM_PROGRAM_DIR}
  OUTPUT_VARIABLE NODE_ADDON_API_DIR
  OUTPUT_STRIP_TRAILING_WHITESPACE)
get_filename_component(NODE_ADDON_API_DIR "${NODE_ADDON_API_DIR}" ABSOLUTE BASE_DIR ${GLM_PROGRAM_DIR})
if(NOT EXISTS "${NODE_ADDON_API_DIR}/napi.h")
  message(FATAL_ERROR "node-addon-api not found: run npm install in the project root")
endif()

function(glm_program_addon target generated_dir)
  target_include_directories(${target} PRIVATE ${NODE_API_INCLUDE} ${NODE_ADDON_API_DIR} ${GLM_PROGRAM_DIR} ${generated_dir})
  target_compile_definitions(${target} PRIVATE NAPI_VERSION=8 NAPI_CPP_EXCEPTIONS NODE_ADDON_API_DISABLE_DEPRECATED)
  set_target_properties(${target} PROPERTIES PREFIX "" SUFFIX ".node" POSITION_INDEPENDENT_CODE ON)
  target_link_libraries(${target} PRIVATE ${CMAKE_JS_LIB})
endfunction()
