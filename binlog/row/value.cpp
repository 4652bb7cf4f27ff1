// to_string(Value) is implemented with the row decoder; this file keeps the target non-empty.
#include "binlog/row/value.h"
