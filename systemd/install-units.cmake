# Run by `cmake --install` (and by cpack): writes each unit template with @BTD_BINDIR@
# replaced by the bin directory under the prefix of THIS install, so that
# `cmake --install build --prefix /usr` installs units naming /usr/bin whatever prefix
# the build was configured with. Set by the install(CODE) before it: BTD_UNIT_TEMPLATES
# (absolute paths of *.in files), BTD_UNIT_BINDIR (CMAKE_INSTALL_BINDIR as configured),
# BTD_UNIT_DIR (the units' destination), BTD_UNIT_WORK (a scratch directory).
if(IS_ABSOLUTE "${BTD_UNIT_BINDIR}")
  set(BTD_BINDIR "${BTD_UNIT_BINDIR}")
else()
  set(BTD_BINDIR "${CMAKE_INSTALL_PREFIX}/${BTD_UNIT_BINDIR}")
endif()
if(IS_ABSOLUTE "${BTD_UNIT_DIR}")
  set(dest "${BTD_UNIT_DIR}")
else()
  set(dest "${CMAKE_INSTALL_PREFIX}/${BTD_UNIT_DIR}")
endif()
# kept for templates that name the daemon alone
set(BTD_DAEMON_PATH "${BTD_BINDIR}/bedrock-tenantd")
file(MAKE_DIRECTORY "${BTD_UNIT_WORK}")
foreach(template IN LISTS BTD_UNIT_TEMPLATES)
  get_filename_component(name "${template}" NAME)
  string(REGEX REPLACE "\\.in$" "" name "${name}")
  configure_file("${template}" "${BTD_UNIT_WORK}/${name}" @ONLY)
  file(INSTALL DESTINATION "${dest}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES "${BTD_UNIT_WORK}/${name}")
endforeach()
