// What the parts of the addon share: argument and error handling for Node-API calls, and a growable
// byte store. Paths and xattr names are Buffers so non-UTF-8 bytes pass through unchanged. Failures
// throw (or reject with) an Error carrying `errno` (positive), `syscall` and, when it is not the
// argument, `path`; lib/native.ts turns that into a Node-style fs error.
// Every .c file includes this first: _GNU_SOURCE must precede the system headers.

#ifndef BOOTC_LIVE_COMMON_H
#define BOOTC_LIVE_COMMON_H

#define _GNU_SOURCE
#include <node_api.h>
#include <stddef.h>

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)
#define MAX_ARGS 5
// One entry of a napi_define_properties table: a plain enumerable function.
#define FUNCTION(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_enumerable, NULL}

// The Error for a failed syscall; `path` (may be NULL) is the path it failed on when that is not
// the call's argument, as raw bytes.
napi_value errno_error(napi_env env, int err, const char *syscall, const char *path);
// Throws errno_error; returns NULL for the caller to return.
napi_value throw_errno_at(napi_env env, int err, const char *syscall, const char *path);
napi_value throw_errno(napi_env env, int err, const char *syscall);

// Copies a Buffer argument into a NUL-terminated C string (caller frees). Embedded NULs are refused.
char *arg_cstr(napi_env env, napi_value v, const char *what);
// The call's arguments into argv (MAX_ARGS long); returns 0 (and throws) when fewer than `want`.
int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);

// Growable byte store for scan results (doubles are appended at multiples of 8, so stay aligned).
struct grow {
  char *p;
  size_t len, cap;
};
// Room for `more` bytes past len; returns 0, or -1 with errno ENOMEM.
int grow_reserve(struct grow *g, size_t more);
// Appends n bytes; returns 0, or -1 with errno ENOMEM.
int grow_put(struct grow *g, const void *data, size_t n);

// Each part defines its functions on `exports`; returns exports, or NULL when a napi call failed.
napi_value register_syscalls(napi_env env, napi_value exports);
napi_value register_scan(napi_env env, napi_value exports);
napi_value register_copy(napi_env env, napi_value exports);

#endif
