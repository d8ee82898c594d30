// The few Linux syscalls Node's fs module lacks: lsetxattr, mknod, and utimensat with exact
// nanoseconds (fs.lutimes goes through a double and loses them).

#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

// lsetxattr(path, name, value: Uint8Array); creates or replaces.
static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  if (!get_args(env, info, 3, argv)) return NULL;
  void *value;
  size_t len;
  if (napi_get_buffer_info(env, argv[2], &value, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "value must be a Uint8Array");
    return NULL;
  }
  char *path = arg_cstr(env, argv[0], "path must be a Buffer without NUL bytes");
  char *name = path ? arg_cstr(env, argv[1], "name must be a Buffer without NUL bytes") : NULL;
  if (name != NULL && lsetxattr(path, name, value, len, 0) != 0) throw_errno(env, errno, "lsetxattr");
  free(path);
  free(name);
  return NULL;
}

// mknod(path, mode incl. S_IFCHR/S_IFBLK/S_IFIFO/S_IFSOCK, major, minor).
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  uint32_t mode, major, minor;
  if (!get_args(env, info, 4, argv)) return NULL;
  CHECK(napi_get_value_uint32(env, argv[1], &mode));
  CHECK(napi_get_value_uint32(env, argv[2], &major));
  CHECK(napi_get_value_uint32(env, argv[3], &minor));
  char *path = arg_cstr(env, argv[0], "path must be a Buffer without NUL bytes");
  if (path != NULL && mknod(path, mode, makedev(major, minor)) != 0) throw_errno(env, errno, "mknod");
  free(path);
  return NULL;
}

// lutimes(path, sec, nsec): sets atime and mtime exactly, without following a final symlink.
static napi_value js_lutimes(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int64_t sec;
  uint32_t nsec;
  if (!get_args(env, info, 3, argv)) return NULL;
  CHECK(napi_get_value_int64(env, argv[1], &sec));
  CHECK(napi_get_value_uint32(env, argv[2], &nsec));
  char *path = arg_cstr(env, argv[0], "path must be a Buffer without NUL bytes");
  struct timespec ts[2] = {{.tv_sec = sec, .tv_nsec = nsec}, {.tv_sec = sec, .tv_nsec = nsec}};
  if (path != NULL && utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0) throw_errno(env, errno, "utimensat");
  free(path);
  return NULL;
}

napi_value register_syscalls(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    FUNCTION("lsetxattr", js_lsetxattr), FUNCTION("mknod", js_mknod), FUNCTION("lutimes", js_lutimes),
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}
