// The helpers declared in common.h.

#include "common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

napi_value errno_error(napi_env env, int err, const char *syscall, const char *path) {
  napi_value msg, error, num, name, where;
  if (napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &msg) != napi_ok) return NULL;
  if (napi_create_error(env, NULL, msg, &error) != napi_ok) return NULL;
  napi_create_int32(env, err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &name);
  napi_set_named_property(env, error, "syscall", name);
  if (path != NULL && napi_create_buffer_copy(env, strlen(path), path, NULL, &where) == napi_ok) {
    napi_set_named_property(env, error, "path", where);
  }
  return error;
}

napi_value throw_errno_at(napi_env env, int err, const char *syscall, const char *path) {
  napi_value error = errno_error(env, err, syscall, path);
  if (error != NULL) napi_throw(env, error);
  return NULL;
}

napi_value throw_errno(napi_env env, int err, const char *syscall) {
  return throw_errno_at(env, err, syscall, NULL);
}

char *arg_cstr(napi_env env, napi_value v, const char *what) {
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

int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = MAX_ARGS;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < want) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return 0;
  }
  return 1;
}

int grow_reserve(struct grow *g, size_t more) {
  if (g->len + more <= g->cap) return 0;
  size_t cap = g->cap ? g->cap : 4096;
  while (cap < g->len + more) cap *= 2;
  char *p = realloc(g->p, cap);
  if (p == NULL) { errno = ENOMEM; return -1; }
  g->p = p;
  g->cap = cap;
  return 0;
}

int grow_put(struct grow *g, const void *data, size_t n) {
  if (grow_reserve(g, n) != 0) return -1;
  if (n > 0) memcpy(g->p + g->len, data, n);
  g->len += n;
  return 0;
}
