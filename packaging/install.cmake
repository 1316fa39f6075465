# Packaging extras: bash completion for wssctl and the admin guide.
# Included from the top-level CMakeLists.txt (after include(GNUInstallDirs)).
install(FILES "${PROJECT_SOURCE_DIR}/packaging/bash-completion/wssctl"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/bash-completion/completions")
install(FILES "${PROJECT_SOURCE_DIR}/docs/operations.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
