# systemd integration: units, sysusers, tmpfiles and the example configuration.
# Included from the top-level CMakeLists.txt (after include(GNUInstallDirs)).
#
#   WSSD_SYSTEMD_UNITDIR   where wssd.service and wssd.socket go (and the instance templates
#                          wssd@.service and wssd@.socket)
#   WSSD_SYSTEMD_USERUNITDIR  where the user units (systemd/user/) go
#   WSSD_SYSUSERSDIR       where wssd.sysusers goes, as wssd.conf
#   WSSD_TMPFILESDIR       where wssd.tmpfiles goes, as wssd.conf
#                          With CMAKE_INSTALL_PREFIX=/usr (packages) these default to
#                          pkg-config systemd's systemdsystemunitdir, systemduserunitdir,
#                          sysusersdir and tmpfilesdir (Debian 12: /lib/systemd/system,
#                          /usr/lib/...); with any other prefix, or without systemd.pc, to
#                          PREFIX/lib/systemd/system, PREFIX/lib/systemd/user,
#                          PREFIX/lib/sysusers.d and PREFIX/lib/tmpfiles.d (systemd reads
#                          /usr/local/lib/... too).
#   WSSD_INSTALL_SYSCONF   also install SYSCONFDIR/wssd/wssd.conf: the example with "server"
#                          commented out, so the service refuses to start until it is set,
#                          and the durable store (spool) on (OFF; the Debian package turns it
#                          on: a conffile)

find_package(PkgConfig QUIET)

function(wssd_systemd_dir out pc_variable fallback)
  set(dir "${fallback}")
  if(PKG_CONFIG_FOUND AND CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    pkg_get_variable(pc_dir systemd ${pc_variable})
    if(pc_dir)
      set(dir "${pc_dir}")
    endif()
  endif()
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

wssd_systemd_dir(_wssd_unitdir systemdsystemunitdir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
wssd_systemd_dir(_wssd_userunitdir systemduserunitdir "${CMAKE_INSTALL_PREFIX}/lib/systemd/user")
wssd_systemd_dir(_wssd_sysusersdir sysusersdir "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d")
wssd_systemd_dir(_wssd_tmpfilesdir tmpfilesdir "${CMAKE_INSTALL_PREFIX}/lib/tmpfiles.d")
set(WSSD_SYSTEMD_UNITDIR "${_wssd_unitdir}" CACHE PATH "systemd system unit directory")
set(WSSD_SYSTEMD_USERUNITDIR "${_wssd_userunitdir}" CACHE PATH "systemd user unit directory")
set(WSSD_SYSUSERSDIR "${_wssd_sysusersdir}" CACHE PATH "sysusers.d directory")
set(WSSD_TMPFILESDIR "${_wssd_tmpfilesdir}" CACHE PATH "tmpfiles.d directory")
option(WSSD_INSTALL_SYSCONF "Install SYSCONFDIR/wssd/wssd.conf (server left unset)" OFF)

set(_wssd_systemd_src "${PROJECT_SOURCE_DIR}/systemd")
if(NOT CMAKE_INSTALL_FULL_SBINDIR STREQUAL "/usr/sbin")
  message(STATUS "wssd.service runs /usr/sbin/wssd, but wssd installs to ${CMAKE_INSTALL_FULL_SBINDIR}: "
                 "override ExecStart= with a drop-in (systemctl edit wssd)")
endif()

install(FILES "${_wssd_systemd_src}/wssd.service" "${_wssd_systemd_src}/wssd.socket"
              "${_wssd_systemd_src}/wssd@.service" "${_wssd_systemd_src}/wssd@.socket"
        DESTINATION "${WSSD_SYSTEMD_UNITDIR}")
install(FILES "${_wssd_systemd_src}/user/wssd.service" "${_wssd_systemd_src}/user/wssd.socket"
              "${_wssd_systemd_src}/user/wssd@.service" "${_wssd_systemd_src}/user/wssd@.socket"
        DESTINATION "${WSSD_SYSTEMD_USERUNITDIR}")
install(FILES "${_wssd_systemd_src}/wssd.sysusers" DESTINATION "${WSSD_SYSUSERSDIR}" RENAME wssd.conf)
install(FILES "${_wssd_systemd_src}/wssd.tmpfiles" DESTINATION "${WSSD_TMPFILESDIR}" RENAME wssd.conf)
install(FILES "${_wssd_systemd_src}/wssd.conf.example"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples" RENAME wssd.conf)

# SYSCONFDIR/wssd/wssd.conf is the example with "server" commented out (wssd then says
# "server: not set" until the admin sets it, instead of connecting to a placeholder) and the
# durable store on. Always
# written to the build tree (tests/package checks it), installed only if asked.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_wssd_systemd_src}/wssd.conf.example")
file(READ "${_wssd_systemd_src}/wssd.conf.example" _wssd_conf)
string(REGEX REPLACE "\n([ ]*)\"server\":" "\n\\1// \"server\":" _wssd_conf "${_wssd_conf}")
# The packaged service keeps its outbox, events and consumers across restarts and upgrades.
string(REPLACE "\"enabled\": false" "\"enabled\": true" _wssd_conf "${_wssd_conf}")
string(PREPEND _wssd_conf
       "// Set \"server\" below (remove the // in front of it), then: systemctl restart wssd\n")
file(WRITE "${PROJECT_BINARY_DIR}/systemd/wssd.conf" "${_wssd_conf}")
if(WSSD_INSTALL_SYSCONF)
  install(FILES "${PROJECT_BINARY_DIR}/systemd/wssd.conf"
          DESTINATION "${CMAKE_INSTALL_FULL_SYSCONFDIR}/wssd")
endif()
