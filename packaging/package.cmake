# Install layout and the Debian package (CPack DEB):
#   cmake --build <build> --target package
# Paths follow SPEC section 7: /usr/bin/syncmond, /etc/syncmon/syncmon.yml (conffile),
# /lib/systemd/system/syncmond.service, /etc/default/syncmond, /usr/share/syncmon/ (Prometheus
# scrape example, alert rules, Grafana dashboard), /usr/share/doc/syncmon/.

install(TARGETS syncmond RUNTIME DESTINATION bin)
install(FILES config/syncmon.yml DESTINATION /etc/syncmon PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES packaging/syncmond.default DESTINATION /etc/default RENAME syncmond)
install(FILES systemd/syncmond.service DESTINATION /lib/systemd/system)
install(FILES prometheus.yml config/syncmon-alerts.yml config/grafana-dashboard.json DESTINATION share/syncmon)
install(FILES README.md packaging/copyright DESTINATION share/doc/syncmon)
install(DIRECTORY docs/ DESTINATION share/doc/syncmon/docs FILES_MATCHING PATTERN "*.md" PATTERN "*.json")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME syncmon)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "syncmon team <syncmon@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Aggregating push gateway for retail data-synchronisation metrics")
set(CPACK_PACKAGE_DESCRIPTION "syncmond receives metric pushes from batch sync jobs (native JSON and the Prometheus Pushgateway's API), aggregates them, keeps them durable in SQLite and serves them to Prometheus.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies come from dpkg-shlibdeps; useradd (passwd) is used by postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postinst;${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/prerm;${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postrm;${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
