// Builds tests/support/test_pch.h once; every test target reuses it (tests/CMakeLists.txt).
