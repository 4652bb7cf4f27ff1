# Finds MySQL Connector/C++ 1.1 (Debian: libmysqlcppconn-dev) and defines MySQLCppConn::MySQLCppConn.
find_path(MySQLCppConn_INCLUDE_DIR NAMES cppconn/driver.h)
find_library(MySQLCppConn_LIBRARY NAMES mysqlcppconn)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MySQLCppConn DEFAULT_MSG MySQLCppConn_LIBRARY MySQLCppConn_INCLUDE_DIR)
if(MySQLCppConn_FOUND AND NOT TARGET MySQLCppConn::MySQLCppConn)
  add_library(MySQLCppConn::MySQLCppConn UNKNOWN IMPORTED)
  set_target_properties(MySQLCppConn::MySQLCppConn PROPERTIES
    IMPORTED_LOCATION "${MySQLCppConn_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${MySQLCppConn_INCLUDE_DIR}")
endif()
