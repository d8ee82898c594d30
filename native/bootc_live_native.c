// The addon's entry point: each part defines its own functions on `exports`: syscalls.c (what
// Node's fs lacks), scan.c (the tree scan) and copy.c (the file copy); common.h holds what they share.

#include "common.h"

static napi_value init(napi_env env, napi_value exports) {
  if (register_syscalls(env, exports) == NULL || register_scan(env, exports) == NULL ||
      register_copy(env, exports) == NULL) {
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
