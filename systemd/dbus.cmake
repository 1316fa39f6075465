# D-Bus integration: the system bus policy and the activation file. The interface XML is
# installed by proto/CMakeLists.txt. Included from the top-level CMakeLists.txt (after
# include(GNUInstallDirs)).
install(FILES "${CMAKE_CURRENT_LIST_DIR}/org.wssd.Session1.conf"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/dbus-1/system.d")
install(FILES "${CMAKE_CURRENT_LIST_DIR}/org.wssd.Session1.service"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/dbus-1/system-services")
