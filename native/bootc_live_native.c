// The few Linux syscalls Node's fs module lacks: xattrs without following symlinks, mknod, and
// utimensat with exact nanoseconds (fs.lutimes goes through a double and loses them). Paths and
// xattr names are Buffers so non-UTF-8 bytes pass through unchanged. Failures throw an Error
// carrying `errno` (positive) and `syscall`; lib/native.ts turns that into a Node-style fs error.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)
#define MAX_ARGS 5
// A list or value can grow between the size probe and the read; retry a few times, then give up.
#define MAX_TRIES 8

static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  napi_value msg, error, num, name;
  if (napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &msg) != napi_ok) return NULL;
  if (napi_create_error(env, NULL, msg, &error) != napi_ok) return NULL;
  napi_create_int32(env, err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &name);
  napi_set_named_property(env, error, "syscall", name);
  napi_throw(env, error);
  return NULL;
}

// Copies a Buffer argument into a NUL-terminated C string (caller frees). Embedded NULs are refused.
static char *arg_cstr(napi_env env, napi_value v, const char *what) {
  void *data;
  size_t len;
  if (napi_get_buffer_info(env, v, &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  if (memchr(data, 0, len) != NULL) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  char *s = malloc(len + 1);
  if (s == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  memcpy(s, data, len);
  s[len] = 0;
  return s;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = MAX_ARGS;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < want) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return 0;
  }
  return 1;
}

// lgetxattr(path, name) -> Buffer, or null when the attribute does not exist.
static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], result = NULL;
  if (!get_args(env, info, 2, argv)) return NULL;
  char *path = arg_cstr(env, argv[0], "path must be a Buffer without NUL bytes");
  char *name = path ? arg_cstr(env, argv[1], "name must be a Buffer without NUL bytes") : NULL;
  if (name == NULL) goto out;
  for (int tries = 0; tries < MAX_TRIES; tries++) {
    ssize_t size = lgetxattr(path, name, NULL, 0);
    if (size < 0) break;
    void *data;
    if (napi_create_buffer(env, size, &data, &result) != napi_ok) { result = NULL; goto out; }
    ssize_t got = size == 0 ? 0 : lgetxattr(path, name, data, size);
    if (got == size) goto out;
    result = NULL;
    if (got >= 0) errno = ERANGE;  // it shrank under us: probe again
    if (errno != ERANGE) break;
  }
  if (errno == ENODATA) napi_get_null(env, &result);
  else throw_errno(env, errno, "lgetxattr");
out:
  free(path);
  free(name);
  return result;
}

// llistxattr(path) -> Buffer[] of attribute names (raw bytes, without the NUL separators).
static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], result = NULL;
  if (!get_args(env, info, 1, argv)) return NULL;
  char *path = arg_cstr(env, argv[0], "path must be a Buffer without NUL bytes");
  char *list = NULL;
  if (path == NULL) return NULL;
  ssize_t got = -1;
  for (int tries = 0; tries < MAX_TRIES; tries++) {
    ssize_t size = llistxattr(path, NULL, 0);
    if (size <= 0) { got = size; break; }
    free(list);
    list = malloc(size);
    if (list == NULL) { errno = ENOMEM; got = -1; break; }
    got = llistxattr(path, list, size);
    if (got >= 0 || errno != ERANGE) break;
  }
  if (got < 0) {
    throw_errno(env, errno, "llistxattr");
    goto out;
  }
  if (napi_create_array(env, &result) != napi_ok) { result = NULL; goto out; }
  uint32_t n = 0;
  for (ssize_t at = 0; at < got;) {
    size_t len = strnlen(list + at, got - at);
    napi_value name;
    if (napi_create_buffer_copy(env, len, list + at, NULL, &name) != napi_ok ||
        napi_set_element(env, result, n++, name) != napi_ok) { result = NULL; goto out; }
    at += len + 1;
  }
out:
  free(path);
  free(list);
  return result;
}

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

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"lgetxattr", NULL, js_lgetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
    {"llistxattr", NULL, js_llistxattr, NULL, NULL, NULL, napi_enumerable, NULL},
    {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
    {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_enumerable, NULL},
    {"lutimes", NULL, js_lutimes, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
