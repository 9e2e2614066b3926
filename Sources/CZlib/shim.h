#ifndef SWIFTTORCH_CZLIB_SHIM_H
#define SWIFTTORCH_CZLIB_SHIM_H
#include <zlib.h>
#endif
