# The web UI (web/): built with npm into `ui/` beside shapeblock-server, which
# serves it (http/static_site.*). Rebuilt only when a file under web/ changed.
# Without npm the C++ build goes on and the server's "/" says the UI is not
# built; -DSB_WEB_UI=OFF skips it on purpose.
option(SB_WEB_UI "Build the web UI with npm (web/)" ON)

function(sb_web_ui server_target)
  if(NOT SB_WEB_UI)
    message(STATUS "web UI: off (SB_WEB_UI=OFF); the server will say the UI is not built")
    return()
  endif()
  find_program(SB_NPM npm)
  find_program(SB_NODE node)
  if(NOT SB_NPM OR NOT SB_NODE)
    message(WARNING "web UI: npm/node not found; building the server without its UI (it says so at /)")
    return()
  endif()
  set(web ${PROJECT_SOURCE_DIR}/web)
  set(out $<TARGET_FILE_DIR:${server_target}>/ui)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${web}/src/* ${web}/public/* ${web}/scripts/*)
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/web-ui.stamp)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${web}/build-ui.sh ${out}
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${sources} ${web}/index.html ${web}/package.json ${web}/package-lock.json ${web}/vite.config.ts
            ${web}/tsconfig.json ${web}/build-ui.sh
    WORKING_DIRECTORY ${web}
    COMMENT "Building the web UI (npm)"
    VERBATIM USES_TERMINAL)
  add_custom_target(web-ui DEPENDS ${stamp})
  add_dependencies(${server_target} web-ui)
endfunction()
