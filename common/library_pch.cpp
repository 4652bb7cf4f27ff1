// Builds common/library_pch.h once; the I/O libraries reuse it (common/CMakeLists.txt).
