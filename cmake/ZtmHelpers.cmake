# Shared build rules for ztmeet targets.

# Warnings are errors in our own code; third-party headers come in as SYSTEM.
set(ZTM_WARNINGS -Wall -Wextra -Wpedantic -Werror)
# GCC 12's -Wmaybe-uninitialized reports false positives inside the standard library
# (std::variant, std::optional, std::regex's std::function) that depend on the
# optimization level and grow with -fsanitize; it stays a warning, not an error.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND ZTM_WARNINGS -Wno-error=maybe-uninitialized)
endif()

# ztm_library(NAME SOURCES ... DEPS ...): a layer library. Public headers live under
# include/ztm/<layer>/, private ones under src/<layer>/internal/.
function(ztm_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${ZTM_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# ztm_test(NAME SOURCES ... DEPS ... [LABELS ...] [TIMEOUT s]): one GoogleTest binary.
# Each TEST becomes its own CTest entry (discovered when ctest runs, not at build
# time, so building stays fast). Tests run from the repository root, so the official
# vectors are at ../shared/testvectors; ZTM_TESTVECTORS_DIR overrides that.
function(ztm_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ZTM_TESTS)
    return()
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}
    ${PROJECT_SOURCE_DIR}/test_tools/include)
  target_compile_options(${name} PRIVATE ${ZTM_WARNINGS})
  target_compile_definitions(${name} PRIVATE
    ZTM_TESTVECTORS_DIR="${ZTM_TESTVECTORS_DIR}"
    ZTM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    ZTM_BINARY_DIR="${PROJECT_BINARY_DIR}")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    DISCOVERY_MODE PRE_TEST
    TEST_LIST ${name}_TESTS
    PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  # The labels are set by a script of our own that CTest includes after the discovered
  # tests, not through PROPERTIES: gtest_discover_tests re-splits its PROPERTIES list
  # several times on the way to set_tests_properties (into the include file, through
  # -D, through its own functions), so LABELS "a;b" arrived as LABELS a, with "b" taken
  # as a property name, and the escaping that survives depends on CMake's version.
  # TEST_LIST names the variable holding the discovered tests in that CTest run.
  if(ARG_LABELS)
    set(labels_script ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
    file(GENERATE OUTPUT ${labels_script} CONTENT
      "if(${name}_TESTS)\n  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS [==[${ARG_LABELS}]==])\nendif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_script})
  endif()
endfunction()

# ztm_fuzzer(NAME SOURCE DEPS ...): a libFuzzer target with its seed corpus at
# fuzz/corpus/<NAME>/. Built only with -DZTM_FUZZ=ON and clang.
function(ztm_fuzzer name source)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  add_executable(${name} ${source})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# ztm_layer(NAME DEPS ... [TEST_DEPS ...] [TEST_LABELS ...] [EXCLUDE_TESTS regex]):
# a layer library from every .cc under the current folder (recursively), and one
# GoogleTest binary NAME_test from every *_test.cc. Several people can add files to
# a layer without editing this list. Tests that need a binary of their own (a
# replaced operator new, a real peer) match EXCLUDE_TESTS and get their own ztm_test.
function(ztm_layer name)
  cmake_parse_arguments(ARG "" "EXCLUDE_TESTS" "DEPS;PRIVATE_DEPS;TEST_DEPS;TEST_LABELS" ${ARGN})
  file(GLOB_RECURSE all CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  set(sources)
  set(tests)
  foreach(f IN LISTS all)
    if(f MATCHES "_test\\.cc$")
      if(NOT ARG_EXCLUDE_TESTS OR NOT f MATCHES "${ARG_EXCLUDE_TESTS}")
        list(APPEND tests ${f})
      endif()
    else()
      list(APPEND sources ${f})
    endif()
  endforeach()
  if(NOT sources)
    message(STATUS "${name}: no sources yet, not built")
    return()
  endif()
  ztm_library(${name} SOURCES ${sources} DEPS ${ARG_DEPS} PRIVATE_DEPS ${ARG_PRIVATE_DEPS})
  if(tests)
    if(NOT ARG_TEST_LABELS)
      set(ARG_TEST_LABELS unit)
    endif()
    ztm_test(${name}_test SOURCES ${tests} DEPS ${name} ${ARG_TEST_DEPS}
      LABELS ${ARG_TEST_LABELS})
  endif()
endfunction()
