# Build rules for sluice's WebAssembly test guests.
#
#   sluice_add_c_guest(NAME SOURCES...
#                      [CFLAGS flags...] [LDFLAGS flags...] [DEPENDS files...]
#                      [ADAPTER command|reactor|none] [WIT dir WORLD name] [PLAIN])
#       Compiles each C source with clang-19 --target=wasm32-wasi --sysroot=/usr -O2 (plus
#       CFLAGS; header dependencies are tracked through depfiles), links a core module
#       ${SLUICE_GUEST_DIR}/NAME.core.wasm (plus LDFLAGS), then wraps it into a command component
#       ${SLUICE_GUEST_DIR}/NAME.wasm with `jco new core.wasm --wasi-command`.
#       Unless PLAIN, the guest support runtime (tests/guests/support: an exported, weak
#       cabi_realloc and, for commands, a _start that runs constructors itself, linked with
#       -nostartfiles) is added: without it Debian's 2022 wasi-libc malloc overwrites the
#       adapter's memory once the heap grows (see support/command_start.c). PLAIN links exactly
#       what clang gives (crt1-command.o, no cabi_realloc): the shape a plain `jco new` of a
#       wasi-libc program has; such a guest must keep its heap small.
#       ADAPTER reactor uses --wasi-reactor; ADAPTER none skips the preview1 adapter (for a core
#       module that imports only component functions). WIT/WORLD first embed the world's
#       component-type custom section (cmake/jco-embed.mjs) so that a module with hand-declared
#       canonical-ABI imports or exports can be wrapped.
#       Creates target guest_NAME (property SLUICE_GUEST_WASM = the component, SLUICE_GUEST_CORE =
#       the core module) and adds it to the aggregate target sluice_guests.
#
#   sluice_add_js_guest(NAME main.js wit-dir world [DISABLE features...])
#       Builds a componentize-js agent ${SLUICE_GUEST_DIR}/NAME.wasm (about 20 s, 12 MB) through
#       cmake/componentize.mjs. Target guest_NAME, part of sluice_js_guests (itself part of
#       sluice_guests when SLUICE_JS_GUESTS is ON, the default).
#
# Consumers: `add_dependencies(my_test sluice_guests)` and pass ${SLUICE_GUEST_DIR} (a cache
# variable) or $<TARGET_PROPERTY:guest_hello,SLUICE_GUEST_WASM> to the test.
#
# Everything here is gated by the top-level option SLUICE_GUESTS; when it is OFF the functions
# do nothing and SLUICE_GUESTS_AVAILABLE is FALSE.

include_guard(GLOBAL)

# The repository root (holds package.json and node_modules), found from this file so the rules
# also work when sluice is configured as a subproject or from a scratch top-level project.
get_filename_component(SLUICE_REPO_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

option(SLUICE_JS_GUESTS "Build the componentize-js guests (slow: ~20 s and 12 MB each)" ON)

set(SLUICE_GUEST_DIR "${CMAKE_BINARY_DIR}/guests" CACHE INTERNAL "Where built wasm guests go")
set(SLUICE_GUESTS_AVAILABLE FALSE)

if(SLUICE_GUESTS)
  find_program(SLUICE_WASI_CC NAMES clang-19
    HINTS /usr/lib/llvm-19/bin
    DOC "clang 19 used to compile C guests to wasm32-wasi")
  if(NOT SLUICE_WASI_CC OR NOT EXISTS "${SLUICE_WASI_CC}")
    message(FATAL_ERROR
      "SLUICE_GUESTS is ON but clang-19 was not found ('${SLUICE_WASI_CC}').\n"
      "Install it with: apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32\n"
      "or configure with -DSLUICE_GUESTS=OFF (tests that need guests are then skipped).")
  endif()
  set(SLUICE_WASI_SYSROOT "/usr" CACHE PATH "wasi-libc sysroot (Debian's wasi-libc installs into /usr)")
  if(NOT EXISTS "${SLUICE_WASI_SYSROOT}/lib/wasm32-wasi/libc.a"
     OR NOT EXISTS "${SLUICE_WASI_SYSROOT}/include/wasm32-wasi/stdio.h")
    message(FATAL_ERROR
      "SLUICE_GUESTS is ON but wasi-libc was not found under ${SLUICE_WASI_SYSROOT} "
      "(expected lib/wasm32-wasi/libc.a and include/wasm32-wasi/stdio.h).\n"
      "Install it with: apt-get install wasi-libc")
  endif()
  # clang needs the wasm32 compiler-rt builtins and wasm-ld; check them now rather than at build.
  execute_process(
    COMMAND ${SLUICE_WASI_CC} --target=wasm32-wasi --print-libgcc-file-name
    OUTPUT_VARIABLE _sluice_rt OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT _sluice_rt OR NOT EXISTS "${_sluice_rt}")
    message(FATAL_ERROR
      "SLUICE_GUESTS is ON but the wasm32 compiler-rt builtins for ${SLUICE_WASI_CC} are missing "
      "('${_sluice_rt}').\nInstall them with: apt-get install libclang-rt-19-dev-wasm32")
  endif()
  find_program(SLUICE_WASM_LD NAMES wasm-ld-19 wasm-ld HINTS /usr/lib/llvm-19/bin
    DOC "wasm-ld (from lld-19), used by clang-19 to link guests")
  if(NOT SLUICE_WASM_LD)
    message(FATAL_ERROR
      "SLUICE_GUESTS is ON but wasm-ld was not found.\nInstall it with: apt-get install lld-19")
  endif()

  find_program(SLUICE_NODE NAMES node nodejs DOC "Node.js, runs jco and componentize-js")
  if(NOT SLUICE_NODE)
    message(FATAL_ERROR
      "SLUICE_GUESTS is ON but node was not found (Node.js >= 18 is needed to run jco).")
  endif()
  set(SLUICE_NODE_MODULES "${SLUICE_REPO_ROOT}/node_modules")
  set(SLUICE_JCO_PKG "${SLUICE_NODE_MODULES}/@bytecodealliance/jco")
  set(SLUICE_JCO_JS "${SLUICE_JCO_PKG}/dist/jco.js")
  if(NOT EXISTS "${SLUICE_JCO_JS}" OR NOT EXISTS "${SLUICE_NODE_MODULES}/.bin/jco")
    message(FATAL_ERROR
      "SLUICE_GUESTS is ON but jco is not installed in ${SLUICE_NODE_MODULES}.\n"
      "Run `npm ci` in ${SLUICE_REPO_ROOT} (it installs the versions pinned in package-lock.json).")
  endif()
  # npm writes node_modules/.package-lock.json on every install: a change to it (an upgrade of
  # jco or its adapter) rebuilds every guest.
  set(SLUICE_NPM_STAMP "${SLUICE_NODE_MODULES}/.package-lock.json")
  if(NOT EXISTS "${SLUICE_NPM_STAMP}")
    set(SLUICE_NPM_STAMP "${SLUICE_JCO_PKG}/package.json")
  endif()
  if("${SLUICE_REPO_ROOT}/package-lock.json" IS_NEWER_THAN "${SLUICE_NPM_STAMP}")
    message(WARNING "package-lock.json is newer than node_modules: run `npm ci` in ${SLUICE_REPO_ROOT}")
  endif()
  set(SLUICE_COMPONENTIZE_PKG "${SLUICE_NODE_MODULES}/@bytecodealliance/componentize-js")
  if(SLUICE_JS_GUESTS AND NOT EXISTS "${SLUICE_COMPONENTIZE_PKG}/src/componentize.js")
    message(FATAL_ERROR
      "SLUICE_JS_GUESTS is ON but @bytecodealliance/componentize-js is not installed in "
      "${SLUICE_NODE_MODULES}.\nRun `npm ci` in ${SLUICE_REPO_ROOT}, or configure with "
      "-DSLUICE_JS_GUESTS=OFF.")
  endif()

  set(SLUICE_GUEST_CFLAGS --target=wasm32-wasi "--sysroot=${SLUICE_WASI_SYSROOT}" -O2
      -Wall -Wextra -Werror CACHE STRING "Flags every C guest is compiled with")
  # Debian's libc.a carries DWARF; keep the name section (trap backtraces), drop the rest.
  set(SLUICE_GUEST_LDFLAGS -Wl,--strip-debug CACHE STRING "Flags every C guest is linked with")
  mark_as_advanced(SLUICE_GUEST_CFLAGS SLUICE_GUEST_LDFLAGS SLUICE_WASI_SYSROOT)

  file(MAKE_DIRECTORY "${SLUICE_GUEST_DIR}")
  if(NOT TARGET sluice_guests)
    add_custom_target(sluice_guests ALL COMMENT "wasm test guests")
    add_custom_target(sluice_js_guests COMMENT "componentize-js test guests")
    if(SLUICE_JS_GUESTS)
      add_dependencies(sluice_guests sluice_js_guests)
    endif()
  endif()
  set(SLUICE_GUESTS_AVAILABLE TRUE)
  message(STATUS "sluice guests: ${SLUICE_WASI_CC}, ${SLUICE_NODE}, jco in ${SLUICE_JCO_PKG} -> ${SLUICE_GUEST_DIR}")
endif()

set(_SLUICE_GUESTS_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(SLUICE_GUEST_SUPPORT_DIR "${SLUICE_REPO_ROOT}/tests/guests/support")

function(sluice_add_c_guest NAME)
  if(NOT SLUICE_GUESTS)
    return()
  endif()
  cmake_parse_arguments(PARSE_ARGV 1 G "PLAIN" "ADAPTER;WIT;WORLD" "SOURCES;CFLAGS;LDFLAGS;DEPENDS")
  set(sources ${G_SOURCES} ${G_UNPARSED_ARGUMENTS})
  if(NOT sources)
    message(FATAL_ERROR "sluice_add_c_guest(${NAME}): no sources")
  endif()
  if(NOT G_ADAPTER)
    set(G_ADAPTER command)
  endif()
  set(support_ldflags)
  if(NOT G_PLAIN)
    list(APPEND sources "${SLUICE_GUEST_SUPPORT_DIR}/cabi_realloc.c")
    if(NOT G_ADAPTER STREQUAL "reactor")
      list(APPEND sources "${SLUICE_GUEST_SUPPORT_DIR}/command_start.c")
      set(support_ldflags -nostartfiles)
    endif()
  endif()
  if(NOT G_ADAPTER MATCHES "^(command|reactor|none)$")
    message(FATAL_ERROR "sluice_add_c_guest(${NAME}): ADAPTER must be command, reactor or none")
  endif()
  if((G_WIT AND NOT G_WORLD) OR (G_WORLD AND NOT G_WIT))
    message(FATAL_ERROR "sluice_add_c_guest(${NAME}): WIT and WORLD go together")
  endif()

  set(objdir "${SLUICE_GUEST_DIR}/obj/${NAME}")
  file(MAKE_DIRECTORY "${objdir}")
  set(objects)
  foreach(src IN LISTS sources)
    get_filename_component(abs "${src}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    get_filename_component(stem "${src}" NAME_WE)
    set(obj "${objdir}/${stem}.o")
    if(obj IN_LIST objects)
      message(FATAL_ERROR "sluice_add_c_guest(${NAME}): two sources named ${stem}")
    endif()
    file(RELATIVE_PATH rel "${SLUICE_REPO_ROOT}" "${abs}")
    add_custom_command(
      OUTPUT "${obj}"
      COMMAND ${SLUICE_WASI_CC} ${SLUICE_GUEST_CFLAGS} ${G_CFLAGS}
              -MD -MF "${obj}.d" -c "${abs}" -o "${obj}"
      DEPENDS "${abs}" ${G_DEPENDS}
      DEPFILE "${obj}.d"
      COMMENT "wasm32-wasi cc ${rel}"
      VERBATIM COMMAND_EXPAND_LISTS)
    list(APPEND objects "${obj}")
  endforeach()

  set(core "${SLUICE_GUEST_DIR}/${NAME}.core.wasm")
  add_custom_command(
    OUTPUT "${core}"
    COMMAND ${SLUICE_WASI_CC} ${SLUICE_GUEST_CFLAGS} ${G_CFLAGS} ${objects}
            ${SLUICE_GUEST_LDFLAGS} ${support_ldflags} ${G_LDFLAGS} -o "${core}"
    DEPENDS ${objects}
    COMMENT "wasm-ld ${NAME}.core.wasm"
    VERBATIM COMMAND_EXPAND_LISTS)

  set(input "${core}")
  if(G_WIT)
    get_filename_component(wit "${G_WIT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    file(GLOB_RECURSE wit_files CONFIGURE_DEPENDS "${wit}/*.wit")
    set(embedded "${objdir}/${NAME}.embed.wasm")
    add_custom_command(
      OUTPUT "${embedded}"
      COMMAND ${SLUICE_NODE} "${_SLUICE_GUESTS_CMAKE_DIR}/jco-embed.mjs"
              "${core}" "${wit}" "${G_WORLD}" "${embedded}"
      DEPENDS "${core}" ${wit_files} "${_SLUICE_GUESTS_CMAKE_DIR}/jco-embed.mjs" "${SLUICE_NPM_STAMP}"
      WORKING_DIRECTORY "${SLUICE_REPO_ROOT}"
      COMMENT "jco embed ${NAME} (world ${G_WORLD})"
      VERBATIM)
    set(input "${embedded}")
  endif()

  set(out "${SLUICE_GUEST_DIR}/${NAME}.wasm")
  if(G_ADAPTER STREQUAL "none")
    set(adapter_args)
  else()
    set(adapter_args "--wasi-${G_ADAPTER}")
  endif()
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${SLUICE_NODE} "${SLUICE_JCO_JS}" new "${input}" ${adapter_args} -o "${out}"
    DEPENDS "${input}" "${SLUICE_NPM_STAMP}"
    WORKING_DIRECTORY "${SLUICE_REPO_ROOT}"
    COMMENT "jco new ${NAME}.wasm"
    VERBATIM)

  add_custom_target(guest_${NAME} DEPENDS "${out}")
  set_target_properties(guest_${NAME} PROPERTIES
    SLUICE_GUEST_WASM "${out}" SLUICE_GUEST_CORE "${core}")
  add_dependencies(sluice_guests guest_${NAME})
endfunction()

function(sluice_add_js_guest NAME MAIN_JS WIT_DIR WORLD)
  if(NOT SLUICE_GUESTS OR NOT SLUICE_JS_GUESTS)
    return()
  endif()
  cmake_parse_arguments(PARSE_ARGV 4 G "" "" "DISABLE;DEPENDS")
  get_filename_component(js "${MAIN_JS}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_filename_component(wit "${WIT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  file(GLOB_RECURSE wit_files CONFIGURE_DEPENDS "${wit}/*.wit")
  set(out "${SLUICE_GUEST_DIR}/${NAME}.wasm")
  set(disable_args)
  foreach(f IN LISTS G_DISABLE)
    list(APPEND disable_args "--disable=${f}")
  endforeach()
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${SLUICE_NODE} "${_SLUICE_GUESTS_CMAKE_DIR}/componentize.mjs"
            "${js}" "${wit}" "${WORLD}" "${out}" ${disable_args}
    DEPENDS "${js}" ${wit_files} ${G_DEPENDS}
            "${_SLUICE_GUESTS_CMAKE_DIR}/componentize.mjs" "${SLUICE_NPM_STAMP}"
    WORKING_DIRECTORY "${SLUICE_REPO_ROOT}"
    COMMENT "componentize-js ${NAME}.wasm (slow: ~20 s)"
    VERBATIM)
  add_custom_target(guest_${NAME} DEPENDS "${out}")
  set_target_properties(guest_${NAME} PROPERTIES SLUICE_GUEST_WASM "${out}")
  add_dependencies(sluice_js_guests guest_${NAME})
endfunction()
