include(GoogleTest)

# All unit-test binaries, so the sanitizer build can build just those.
if(NOT TARGET sb_unit_tests)
  add_custom_target(sb_unit_tests)
endif()

# sb_unit_test(NAME SOURCES ... LIBS ...): fast tests, one CTest entry per
# test case, label `unit`.
function(sb_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main sb_options)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  gtest_discover_tests(${name} PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
  add_dependencies(sb_unit_tests ${name})
endfunction()

# sb_integration_test(NAME SOURCES ... LIBS ... [LABELS ...]): tests against
# real servers (kube-apiserver + etcd, PostgreSQL). One CTest entry per
# binary, so the binary's fixtures (a control plane takes ~10 s to start)
# are shared by its test cases. Label `integration`.
function(sb_integration_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 900)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} sb_testsupport GTest::gtest GTest::gmock GTest::gtest_main sb_options)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  add_test(NAME ${name} COMMAND ${name} --gtest_color=no)
  set_tests_properties(${name} PROPERTIES LABELS "integration;${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()
