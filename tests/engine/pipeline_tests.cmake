# Tests of the compile pipeline (engine/*.cpp). Included from tests/engine/CMakeLists.txt.
# ctest -R 'pipeline|core_module'

find_program(SLUICE_WAT2WASM wat2wasm)
set(pipeline_data ${CMAKE_CURRENT_BINARY_DIR}/pipeline_data)
file(MAKE_DIRECTORY ${pipeline_data})
set(pipeline_data_files "")

# .wat test modules (all wabt features enabled so the refusal cases assemble).
file(GLOB pipeline_wats CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/pipeline_data/*.wat)
foreach(wat ${pipeline_wats})
  get_filename_component(name ${wat} NAME_WE)
  add_custom_command(
    OUTPUT ${pipeline_data}/${name}.wasm
    COMMAND ${SLUICE_WAT2WASM} --enable-all ${wat} -o ${pipeline_data}/${name}.wasm
    DEPENDS ${wat}
    COMMENT "wat2wasm pipeline_data/${name}.wat"
    VERBATIM)
  list(APPEND pipeline_data_files ${pipeline_data}/${name}.wasm)
endforeach()

# Real clang-19 + wasi-libc modules: one plain, one using SIMD.
find_program(SLUICE_PIPELINE_WASI_CC NAMES clang-19 HINTS /usr/lib/llvm-19/bin)
foreach(prog sample simd)
  set(flags -O2)
  if(prog STREQUAL "simd")
    list(APPEND flags -msimd128)
  endif()
  add_custom_command(
    OUTPUT ${pipeline_data}/${prog}.wasm
    COMMAND ${SLUICE_PIPELINE_WASI_CC} --target=wasm32-wasi --sysroot=/usr ${flags}
            ${CMAKE_CURRENT_SOURCE_DIR}/pipeline_data/${prog}.c -o ${pipeline_data}/${prog}.wasm
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/pipeline_data/${prog}.c
    COMMENT "clang-19 wasm32-wasi pipeline_data/${prog}.c"
    VERBATIM)
  list(APPEND pipeline_data_files ${pipeline_data}/${prog}.wasm)
endforeach()
add_custom_target(pipeline_test_data DEPENDS ${pipeline_data_files})

# A real `jco new` component (the guests' plain hello), when guests are built.
set(pipeline_hello "")
if(TARGET guest_hello_plain)
  get_target_property(pipeline_hello guest_hello_plain SLUICE_GUEST_WASM)
endif()

# Artifacts resolve wasm_rt_* and the interrupt symbols against the test executable.
if(TARGET sluice_runtime)
  set(pipeline_runtime sluice_runtime)
  set(pipeline_have_runtime 1)
else()
  # Until engine/runtime exists: Debian's runtime, whole (artifacts need symbols the test does not
  # call), plus stand-ins for the interrupt symbols in pipeline_guest_call.cpp.
  set(pipeline_runtime "$<LINK_LIBRARY:WHOLE_ARCHIVE,/usr/lib/x86_64-linux-gnu/libwasm-rt-impl.a>")
  set(pipeline_have_runtime 0)
endif()

function(pipeline_test_executable target prefix)
  add_executable(${target} ${ARGN})
  target_link_libraries(${target} PRIVATE sluice_engine ${pipeline_runtime} GTest::gtest_main
                        Threads::Threads)
  target_compile_options(${target} PRIVATE ${SLUICE_WARNINGS})
  target_compile_definitions(${target} PRIVATE
    PIPELINE_DATA_DIR="${pipeline_data}"
    PIPELINE_SOURCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}/pipeline_data"
    PIPELINE_HELLO_COMPONENT="${pipeline_hello}"
    SLUICE_TEST_HAVE_RUNTIME=${pipeline_have_runtime})
  set_target_properties(${target} PROPERTIES ENABLE_EXPORTS ON)
  if(NOT pipeline_have_runtime)
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
    target_link_options(${target} PRIVATE -no-pie)
  endif()
  add_dependencies(${target} pipeline_test_data)
  if(TARGET guest_hello_plain)
    add_dependencies(${target} guest_hello_plain)
  endif()
  gtest_discover_tests(${target}
    TEST_PREFIX "${prefix}"
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "${runtime_test_env}" TIMEOUT 600)
endfunction()

pipeline_test_executable(core_module_tests "core_module/" core_module_reader_test.cpp)
pipeline_test_executable(pipeline_tests "pipeline/"
  pipeline_translate_test.cpp
  pipeline_compile_test.cpp
  pipeline_guest_call.cpp)
