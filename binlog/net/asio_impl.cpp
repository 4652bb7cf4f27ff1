// Build time (issue #17): with BOOST_ASIO_SEPARATE_COMPILATION (binlog/CMakeLists.txt) Asio's
// non-template code is compiled here once instead of inline in every file that includes Asio.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
