# Man pages from scdoc sources: wssd(8), wssd.conf(5), wssctl(1), wss-hub(1). Built with the
# default target and installed to MANDIR/manN when scdoc is found; skipped (with a warning) if not.
# Included from the top-level CMakeLists.txt (after include(GNUInstallDirs)).
option(WSSD_MAN "Build and install the man pages (needs scdoc)" ON)

if(WSSD_MAN)
  find_program(SCDOC_EXECUTABLE scdoc)
  if(NOT SCDOC_EXECUTABLE)
    message(WARNING "scdoc not found: the man pages are not built (apt install scdoc)")
  else()
    set(_wssd_man_outputs)
    foreach(_page wssd.8 wssd.conf.5 wssctl.1 wss-hub.1)
      set(_src "${PROJECT_SOURCE_DIR}/docs/man/${_page}.scd")
      set(_out "${PROJECT_BINARY_DIR}/docs/man/${_page}")
      string(REGEX REPLACE ".*\\.([0-9])$" "\\1" _section "${_page}")
      add_custom_command(
        OUTPUT "${_out}"
        COMMAND "${CMAKE_COMMAND}" -E make_directory "${PROJECT_BINARY_DIR}/docs/man"
        COMMAND sh -c "\"$0\" < \"$1\" > \"$2.tmp\" && mv \"$2.tmp\" \"$2\"" "${SCDOC_EXECUTABLE}" "${_src}" "${_out}"
        DEPENDS "${_src}"
        COMMENT "scdoc ${_page}"
        VERBATIM)
      list(APPEND _wssd_man_outputs "${_out}")
      install(FILES "${_out}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man${_section}")
    endforeach()
    add_custom_target(wssd_man ALL DEPENDS ${_wssd_man_outputs})
  endif()
endif()
