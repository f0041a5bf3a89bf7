# Unit tests: every tests/unit/test_*.c is one executable and one ctest test, run from
# the source tree so fixtures under tests/data are found by relative path.
file(GLOB REBOUND_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/test_*.c)
foreach(src ${REBOUND_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR} ${CMAKE_SOURCE_DIR}/tests/unit)
  target_link_libraries(${name} PRIVATE rebound)
  # The library loads libxml2 and libarchive on demand; test_payload writes its zip
  # fixtures with libarchive itself, so it links it.
  if(name STREQUAL "test_payload")
    target_link_libraries(${name} PRIVATE PkgConfig::REPORT_LIBS)
  endif()
  add_test(NAME unit.${name} COMMAND ${name} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  # Once more with the plain loops only (core/cpu.h): what a CPU without AVX2 or
  # AVX-512 runs is then checked here too.
  add_test(NAME unit.${name}.baseline COMMAND ${name} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(unit.${name}.baseline PROPERTIES ENVIRONMENT REBOUND_CPU=baseline)
endforeach()

# Corpus tests: accuracy against labelled real mail, thresholds asserted inside.
file(GLOB REBOUND_CORPUS_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/corpus/test_*.c)
foreach(src ${REBOUND_CORPUS_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR} ${CMAKE_SOURCE_DIR}/tests/unit)
  target_link_libraries(${name} PRIVATE rebound)
  add_test(NAME corpus.${name} COMMAND ${name} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  add_test(NAME corpus.${name}.baseline COMMAND ${name} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(corpus.${name}.baseline PROPERTIES ENVIRONMENT REBOUND_CPU=baseline)
endforeach()

# Shell tests of the command: tests/cli/*.sh get the path of the rebound binary.
file(GLOB REBOUND_CLI_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/cli/*.sh)
foreach(script ${REBOUND_CLI_TESTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME cli.${name} COMMAND bash ${script} $<TARGET_FILE:rebound-cli>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
endforeach()
