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
