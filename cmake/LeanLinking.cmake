# Lean executables: the shipped binaries (shapeblock-operator,
# shapeblock-server, the sample-controller benchmark) link their libraries
# statically into a non-PIE binary. No start-up relocation of shared
# libraries' tables, no symbol lookup, only the code a process runs is mapped:
# measured 12.0 -> 8.7 MiB idle RSS for the sample controller and 14 -> 7.8 MiB
# for the server (bench/README.md, bench/server/README.md). Tests keep linking
# the shared libraries.

# The SB_LEAN_LINK property of the executable being linked, as a generator
# expression libraries can branch on.
set(SB_LEAN_LINK "$<BOOL:$<TARGET_PROPERTY:SB_LEAN_LINK>>")

# sb_static_or_shared(<out-var> "<imported target>=<archive name>"...): link
# items that pick lib<archive name>.a for lean executables and the shared
# imported target for everything else (or always, when no archive exists).
function(sb_static_or_shared out)
  set(items)
  foreach(pair IN LISTS ARGN)
    string(REPLACE "=" ";" pair "${pair}")
    list(GET pair 0 shared_target)
    list(GET pair 1 archive)
    find_library(SB_STATIC_LIB_${archive} NAMES lib${archive}.a)
    if(SB_STATIC_LIB_${archive})
      list(APPEND items "$<${SB_LEAN_LINK}:${SB_STATIC_LIB_${archive}}>" "$<$<NOT:${SB_LEAN_LINK}>:${shared_target}>")
    else()
      list(APPEND items ${shared_target})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES items)
  set(${out} ${items} PARENT_SCOPE)
endfunction()

# sb_lean_executable(<target> [FULLY_STATIC]): libstdc++ and every library
# listed through sb_static_or_shared() linked statically, non-PIE. FULLY_STATIC
# also links glibc (-static): host names are then resolved with the NSS
# modules of the glibc the binary was built with, so keep it for binaries
# that talk to IP addresses or run on the build's distribution.
function(sb_lean_executable target)
  cmake_parse_arguments(ARG "FULLY_STATIC" "" "" ${ARGN})
  set_target_properties(${target} PROPERTIES SB_LEAN_LINK ON)
  target_link_options(${target} PRIVATE -no-pie -Wl,--gc-sections)
  if(ARG_FULLY_STATIC)
    target_link_options(${target} PRIVATE -static)
  else()
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc -Wl,--as-needed)
  endif()
endfunction()

# sb_order_hot_code(<executable> <list file> LIBRARIES <library>...): the
# functions named in <list file> (one a line, '#' starts a comment; written by
# a profile such as bench/server/profile-hot-code.sh) are linked next to each
# other at the start of the code. The kernel maps a binary's code in 64 KiB
# windows around each page touched, so an idle process keeps resident every
# window holding some function it ran: gathered, they fill a few windows
# instead of most of the binary (shapeblock-server: 4.6 -> 2.4 MiB of code
# resident, bench/server/README.md). The executable and the LIBRARIES are
# compiled with one section per function and per data object, so that the
# linker can move each alone; the archives of other projects (glibc, SQLite)
# move one object file at a time. Needs lld (--symbol-ordering-file); without
# it the executable links as before.
find_program(SB_LLD NAMES ld.lld)
function(sb_order_hot_code target list_file)
  cmake_parse_arguments(ARG "" "" "LIBRARIES" ${ARGN})
  if(NOT SB_LLD)
    message(STATUS "ld.lld not found (Debian package lld): ${target} links without hot-code ordering")
    return()
  endif()
  foreach(compiled IN ITEMS ${target} ${ARG_LIBRARIES})
    target_compile_options(${compiled} PRIVATE -ffunction-sections -fdata-sections)
  endforeach()
  target_link_options(${target} PRIVATE -fuse-ld=lld "LINKER:--symbol-ordering-file=${list_file}"
                      "LINKER:--no-warn-symbol-ordering")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${list_file})
endfunction()
