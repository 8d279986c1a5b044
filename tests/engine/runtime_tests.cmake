# Tests of engine/runtime, sluice's own wasm2c runtime. Included from tests/engine/CMakeLists.txt.

set(runtime_test_env "")
if(SLUICE_SANITIZE)
  # The runtime installs its SIGSEGV/SIGBUS handler after ASan's and chains host faults to it,
  # so ASan's own reports still appear. What must hold (GCC's libasan defaults to both; set them
  # anyway so another toolchain's defaults can't break the tests):
  #   allow_user_segv_handler=1: otherwise ASan silently ignores our sigaction(SIGSEGV) and
  #     reports every guest out-of-bounds access as a crash.
  #   detect_stack_use_after_return=0: fake stacks move frames off the thread's stack, so
  #     guest recursion takes far longer to reach the guard page.
  # handle_segv=0 also works (host faults then die by plain SIGSEGV, without ASan's report).
  set(runtime_test_env "ASAN_OPTIONS=allow_user_segv_handler=1:detect_stack_use_after_return=0")
endif()

add_executable(runtime_tests
  runtime_memory_test.cpp
  runtime_trap_test.cpp
  runtime_interrupt_test.cpp
  runtime_functype_test.cpp
)
target_link_libraries(runtime_tests PRIVATE sluice_runtime GTest::gtest_main Threads::Threads)
target_compile_options(runtime_tests PRIVATE ${SLUICE_WARNINGS})
gtest_discover_tests(runtime_tests
  TEST_PREFIX "runtime/"
  DISCOVERY_TIMEOUT 60
  PROPERTIES ENVIRONMENT "${runtime_test_env}" TIMEOUT 300)

# The same runtime driven by real wasm2c output, when the wabt tools are available.
find_program(SLUICE_WAT2WASM wat2wasm)
find_program(SLUICE_WASM2C wasm2c)
if(SLUICE_WAT2WASM AND SLUICE_WASM2C)
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/runtime_gen)
  file(MAKE_DIRECTORY ${gen})
  # name: the wasm2c module prefix; flags: wabt feature flags for both tools.
  function(runtime_test_guest name wat flags)
    add_custom_command(
      OUTPUT ${gen}/${name}.c ${gen}/${name}.h
      COMMAND ${SLUICE_WAT2WASM} ${flags} ${CMAKE_CURRENT_SOURCE_DIR}/${wat} -o ${gen}/${name}.wasm
      COMMAND ${SLUICE_WASM2C} ${flags} -n ${name} ${gen}/${name}.wasm -o ${gen}/${name}.c
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${wat}
      COMMENT "wasm2c ${wat}"
      VERBATIM)
  endfunction()
  runtime_test_guest(guest runtime_guest.wat "")
  runtime_test_guest(guest_eh runtime_guest_eh.wat "--enable-exceptions")

  # Generated code is not held to our warning flags. Same defines the artifacts use.
  add_library(runtime_test_guests OBJECT ${gen}/guest.c ${gen}/guest_eh.c)
  target_compile_definitions(runtime_test_guests PRIVATE
    WASM_RT_MEMCHECK_SIGNAL_HANDLER=1 WASM_RT_USE_STACK_DEPTH_COUNT=0)

  add_executable(runtime_wasm_tests runtime_wasm_test.cpp)
  target_include_directories(runtime_wasm_tests PRIVATE ${gen})
  target_link_libraries(runtime_wasm_tests PRIVATE
    runtime_test_guests sluice_runtime GTest::gtest_main Threads::Threads)
  target_compile_options(runtime_wasm_tests PRIVATE ${SLUICE_WARNINGS})
  gtest_discover_tests(runtime_wasm_tests
    TEST_PREFIX "runtime/"
    DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "${runtime_test_env}" TIMEOUT 300)

  # The same guest as a dlopen'ed shared object that leaves wasm_rt_* and the TLS flag to the
  # executable, like sluice artifacts.
  add_library(runtime_dl_guest MODULE ${gen}/guest.c runtime_dl_glue.c)
  target_include_directories(runtime_dl_guest PRIVATE ${gen} ${PROJECT_SOURCE_DIR}/engine/runtime)
  target_compile_definitions(runtime_dl_guest PRIVATE
    WASM_RT_MEMCHECK_SIGNAL_HANDLER=1 WASM_RT_USE_STACK_DEPTH_COUNT=0)
  target_compile_options(runtime_dl_guest PRIVATE -ftls-model=initial-exec)

  add_executable(runtime_dlopen_tests runtime_dlopen_test.cpp)
  set_target_properties(runtime_dlopen_tests PROPERTIES ENABLE_EXPORTS ON)
  add_dependencies(runtime_dlopen_tests runtime_dl_guest)
  target_compile_definitions(runtime_dlopen_tests PRIVATE
    RUNTIME_DL_GUEST_PATH="$<TARGET_FILE:runtime_dl_guest>")
  target_link_libraries(runtime_dlopen_tests PRIVATE
    sluice_runtime GTest::gtest_main Threads::Threads ${CMAKE_DL_LIBS})
  target_compile_options(runtime_dlopen_tests PRIVATE ${SLUICE_WARNINGS})
  gtest_discover_tests(runtime_dlopen_tests
    TEST_PREFIX "runtime/"
    DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "${runtime_test_env}" TIMEOUT 300)
else()
  message(STATUS "wat2wasm/wasm2c not found: runtime_wasm_tests skipped")
endif()
