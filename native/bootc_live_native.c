// The few Linux syscalls Node's fs module lacks: lsetxattr, mknod, and utimensat with exact
// nanoseconds (fs.lutimes goes through a double and loses them); plus what makes mkfs DIR fast: a
// tree scan on a thread of its own (readdir + lstat + xattrs + readlink, plain numbers instead of
// bigint Stats) and a copy of file ranges on libuv's pool that keeps file data out of JavaScript.
// Paths and xattr names are Buffers so non-UTF-8 bytes pass through unchanged. Failures throw (or
// reject with) an Error carrying `errno` (positive), `syscall` and, when it is not the argument,
// `path`; lib/native.ts turns that into a Node-style fs error.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <node_api.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)
#define MAX_ARGS 5
// A list or value can grow between the size probe and the read; retry a few times, then give up.
#define MAX_TRIES 8

// The Error for a failed syscall; `path` (may be NULL) is the path it failed on when that is not
// the call's argument, as raw bytes.
static napi_value errno_error(napi_env env, int err, const char *syscall, const char *path) {
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

static napi_value throw_errno_at(napi_env env, int err, const char *syscall, const char *path) {
  napi_value error = errno_error(env, err, syscall, path);
  if (error != NULL) napi_throw(env, error);
  return NULL;
}

static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  return throw_errno_at(env, err, syscall, NULL);
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

// listxattrat (Linux 6.13; the same number on every architecture since 5.1 but alpha) lists the
// xattrs of `at` relative to dirfd, sparing the walk of the full path that llistxattr takes (a
// sixth of a tree scan). Older kernels answer ENOSYS once, then llistxattr does.
#if !defined(__NR_listxattrat) && (defined(__x86_64__) || defined(__aarch64__))
#define __NR_listxattrat 465
#endif

static ssize_t list_xattrs_at(int dirfd, const char *at, const char *path, char *list, size_t size) {
#ifdef __NR_listxattrat
  static int missing;
  if (!__atomic_load_n(&missing, __ATOMIC_RELAXED)) {
    ssize_t n = syscall(__NR_listxattrat, dirfd, at, AT_SYMLINK_NOFOLLOW, list, size);
    if (n >= 0 || errno != ENOSYS) return n;
    __atomic_store_n(&missing, 1, __ATOMIC_RELAXED);
  }
#else
  (void)dirfd;
  (void)at;
#endif
  return llistxattr(path, list, size);
}

// The xattr names of `at` (relative to dirfd; `path` is the same entry as a full path) into a
// malloc'd list of NUL-terminated names; returns its length (0 when there are none; *list is then
// NULL), or -1 with errno set. Symlinks are not followed.
static ssize_t list_xattrs(int dirfd, const char *at, const char *path, char **list) {
  *list = NULL;
  for (int tries = 0; tries < MAX_TRIES; tries++) {
    ssize_t size = list_xattrs_at(dirfd, at, path, NULL, 0);
    if (size <= 0) return size;
    free(*list);
    *list = malloc(size);
    if (*list == NULL) { errno = ENOMEM; return -1; }
    ssize_t got = list_xattrs_at(dirfd, at, path, *list, size);
    if (got >= 0) return got;
    if (errno != ERANGE) break;
  }
  free(*list);
  *list = NULL;
  return -1;
}

// lgetxattr into a malloc'd value (NULL when empty); returns its length, or -1 with errno set
// (ENODATA: no such attribute).
static ssize_t get_xattr(const char *path, const char *name, char **value) {
  *value = NULL;
  for (int tries = 0; tries < MAX_TRIES; tries++) {
    ssize_t size = lgetxattr(path, name, NULL, 0);
    if (size <= 0) return size;
    free(*value);
    *value = malloc(size);
    if (*value == NULL) { errno = ENOMEM; return -1; }
    ssize_t got = lgetxattr(path, name, *value, size);
    if (got == size) return got;
    if (got >= 0) errno = ERANGE;  // it shrank under us: probe again
    if (errno != ERANGE) break;
  }
  free(*value);
  *value = NULL;
  return -1;
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

// Growable byte store for scan results (doubles are appended at multiples of 8, so stay aligned).
struct grow {
  char *p;
  size_t len, cap;
};

static int grow_reserve(struct grow *g, size_t more) {
  if (g->len + more <= g->cap) return 0;
  size_t cap = g->cap ? g->cap : 4096;
  while (cap < g->len + more) cap *= 2;
  char *p = realloc(g->p, cap);
  if (p == NULL) { errno = ENOMEM; return -1; }
  g->p = p;
  g->cap = cap;
  return 0;
}

static int grow_put(struct grow *g, const void *data, size_t n) {
  if (grow_reserve(g, n) != 0) return -1;
  if (n > 0) memcpy(g->p + g->len, data, n);
  g->len += n;
  return 0;
}

static int grow_u32(struct grow *g, uint32_t v) {
  unsigned char le[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};
  return grow_put(g, le, 4);
}

// A scanned entry is E_COUNT doubles in this order; lib/native.ts checks its copy of the list
// against `entryFields` at load. *Off/*Len address the byte blob returned beside the numbers.
enum {
  E_MODE, E_UID, E_GID, E_SIZE, E_NLINK, E_MTIME_SEC, E_MTIME_NSEC, E_RDEV_MAJOR, E_RDEV_MINOR,
  E_PATH_OFF, E_PATH_LEN, E_NAME_LEN, E_LINK_ID_OFF, E_LINK_ID_LEN, E_TARGET_OFF, E_TARGET_LEN,
  E_XATTR_OFF, E_XATTR_COUNT, E_COUNT
};
static const char *const ENTRY_FIELDS[E_COUNT] = {
  "mode", "uid", "gid", "size", "nlink", "mtimeSec", "mtimeNsec", "rdevMajor", "rdevMinor",
  "pathOff", "pathLen", "nameLen", "linkIdOff", "linkIdLen", "targetOff", "targetLen", "xattrOff",
  "xattrCount",
};

struct scan {
  struct grow nums, bytes;
};

// Symlink target of `name` (relative to dirfd), appended to the blob; the size from lstat is
// only a hint (it may change, and is 0 for some pseudo files).
static int read_target(int dirfd, const char *name, size_t hint, struct grow *out) {
  for (size_t size = hint < 255 ? 256 : hint + 1;; size *= 2) {
    if (grow_reserve(out, size) != 0) return -1;
    ssize_t n = readlinkat(dirfd, name, out->p + out->len, size);
    if (n < 0) return -1;
    if ((size_t)n < size) {
      out->len += n;
      return 0;
    }
  }
}

// Every xattr of `at` (relative to dirfd; `path` is the same entry as a full path) appended as u32le
// name length, u32le value length, name, value. A file system without xattrs has none; an attribute
// removed since it was listed is skipped.
static int read_xattrs(int dirfd, const char *at, const char *path, struct grow *out, double *count,
                       const char **syscall) {
  char *list;
  ssize_t got = list_xattrs(dirfd, at, path, &list);
  if (got < 0) {
    if (errno == ENOTSUP) return 0;
    *syscall = "llistxattr";
    return -1;
  }
  int rc = 0;
  for (ssize_t off = 0; off < got && rc == 0;) {
    const char *name = list + off;
    size_t len = strnlen(name, got - off);
    off += len + 1;
    char *value;
    ssize_t vlen = get_xattr(path, name, &value);
    if (vlen < 0) {
      if (errno == ENODATA) continue;
      *syscall = "lgetxattr";
      rc = -1;
      break;
    }
    if (grow_u32(out, len) != 0 || grow_u32(out, vlen) != 0 || grow_put(out, name, len) != 0 ||
        grow_put(out, value, vlen) != 0) {
      *syscall = "lgetxattr";
      rc = -1;
    }
    free(value);
    ++*count;
  }
  free(list);
  return rc;
}

// lstat, xattrs and symlink target of one entry: `at` relative to dirfd, `path` the same entry as a
// full path (for lgetxattr, which has no *at form in glibc), recorded with its last name_len bytes
// as the name.
static int scan_entry(struct scan *sc, int dirfd, const char *at, const char *path, size_t name_len,
                      const char **syscall) {
  struct stat st;
  if (fstatat(dirfd, at, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    *syscall = "lstat";
    return -1;
  }
  double e[E_COUNT] = {0};
  e[E_MODE] = st.st_mode;
  e[E_UID] = st.st_uid;
  e[E_GID] = st.st_gid;
  e[E_SIZE] = st.st_size;
  e[E_NLINK] = st.st_nlink;
  e[E_MTIME_SEC] = st.st_mtim.tv_sec;
  e[E_MTIME_NSEC] = st.st_mtim.tv_nsec;
  e[E_RDEV_MAJOR] = major(st.st_rdev);
  e[E_RDEV_MINOR] = minor(st.st_rdev);
  *syscall = "lstat";  // only ENOMEM can fail the appends
  size_t path_len = strlen(path);
  e[E_PATH_OFF] = sc->bytes.len;
  e[E_PATH_LEN] = path_len;
  e[E_NAME_LEN] = name_len;
  if (grow_put(&sc->bytes, path, path_len) != 0) return -1;
  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
    // dev:ino names the inode that several entries share; exact even past 2^53
    char id[48];
    int n = snprintf(id, sizeof id, "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
    e[E_LINK_ID_OFF] = sc->bytes.len;
    e[E_LINK_ID_LEN] = n;
    if (grow_put(&sc->bytes, id, n) != 0) return -1;
  }
  if (S_ISLNK(st.st_mode)) {
    e[E_TARGET_OFF] = sc->bytes.len;
    if (read_target(dirfd, at, st.st_size, &sc->bytes) != 0) {
      *syscall = "readlink";
      return -1;
    }
    e[E_TARGET_LEN] = sc->bytes.len - e[E_TARGET_OFF];
  }
  e[E_XATTR_OFF] = sc->bytes.len;
  if (read_xattrs(dirfd, at, path, &sc->bytes, &e[E_XATTR_COUNT], syscall) != 0) return -1;
  *syscall = "lstat";
  return grow_put(&sc->nums, e, sizeof e);
}

// [Float64Array of entries, Buffer blob] from a finished scan.
static napi_value scan_result(napi_env env, struct scan *sc) {
  napi_value result, nums, typed, bytes;
  void *data;
  if (napi_create_arraybuffer(env, sc->nums.len, &data, &nums) != napi_ok) return NULL;
  if (sc->nums.len > 0) memcpy(data, sc->nums.p, sc->nums.len);
  if (napi_create_typedarray(env, napi_float64_array, sc->nums.len / sizeof(double), nums, 0, &typed) != napi_ok ||
      napi_create_buffer_copy(env, sc->bytes.len, sc->bytes.p, NULL, &bytes) != napi_ok ||
      napi_create_array_with_length(env, 2, &result) != napi_ok ||
      napi_set_element(env, result, 0, typed) != napi_ok || napi_set_element(env, result, 1, bytes) != napi_ok) {
    return NULL;
  }
  return result;
}

// Every entry of dir_path except . and .., in readdir order, into sc. On failure returns -1 with
// *err, *syscall and, when an entry failed rather than the directory, *entry (malloc'd) set.
static int scan_directory(const char *dir_path, struct scan *sc, int *err, const char **syscall, char **entry) {
  size_t dir_len = strlen(dir_path);
  char *path = malloc(dir_len + NAME_MAX + 2);
  DIR *dir = path ? opendir(dir_path) : NULL;
  *syscall = "scandir";
  if (dir == NULL) {
    *err = path ? errno : ENOMEM;
    free(path);
    return -1;
  }
  memcpy(path, dir_path, dir_len);
  path[dir_len] = '/';
  int rc = 0;
  for (;;) {
    errno = 0;
    struct dirent *d = readdir(dir);
    if (d == NULL) {
      if (errno != 0) {
        rc = -1;
        *err = errno;
        *syscall = "scandir";
      }
      break;
    }
    if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) continue;
    strcpy(path + dir_len + 1, d->d_name);
    if (scan_entry(sc, dirfd(dir), d->d_name, path, strlen(d->d_name), syscall) != 0) {
      rc = -1;
      *err = errno;
      *entry = path;
      path = NULL;
      break;
    }
  }
  closedir(dir);
  free(path);
  return rc;
}

// ---- reading a whole tree ahead, on a thread of its own ----
//
// treeScanStart(root) starts a thread that lists root, then every directory below it breadth-first
// (each listing's subdirectories queued in the listing's order), as scan_directory does one. The
// caller pulls the finished listings in that order with treeScanNext while the thread reads on: the
// syscalls and the building of the tree run side by side. Handing each directory through libuv's
// pool instead cost more than reading it (measured 2x slower overall on 2 CPUs).

struct listing {
  struct listing *next;
  char *dir;
  struct scan sc;
  int err;  // scan_directory failed: errno, syscall and the entry (NULL: the directory itself)
  const char *syscall;
  char *entry;
};

struct tree_scan {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t ready;
  struct listing *head, *tail;  // finished listings not yet pulled
  int done;  // the thread has listed everything, failed, or stopped
  int oom;
  int stop;  // set by treeScanClose
  int joined;
  char *root;
};

static void free_listing(struct listing *l) {
  free(l->dir);
  free(l->entry);
  free(l->sc.nums.p);
  free(l->sc.bytes.p);
  free(l);
}

static void *tree_scan_run(void *arg) {
  struct tree_scan *ts = arg;
  struct grow todo = {0};  // char * of the directories still to list, from `next` on
  size_t next = 0;
  char *root = strdup(ts->root);
  int oom = root == NULL || grow_put(&todo, &root, sizeof root) != 0;
  while (!oom && next < todo.len / sizeof(char *)) {
    pthread_mutex_lock(&ts->lock);
    int stop = ts->stop;
    pthread_mutex_unlock(&ts->lock);
    if (stop) break;
    struct listing *l = calloc(1, sizeof *l);
    if (l == NULL) { oom = 1; break; }
    l->dir = ((char **)todo.p)[next++];
    int failed = scan_directory(l->dir, &l->sc, &l->err, &l->syscall, &l->entry) != 0;
    const double *e = (const double *)l->sc.nums.p;
    for (size_t at = 0; !failed && at < l->sc.nums.len / sizeof(double); at += E_COUNT) {
      if (!S_ISDIR((mode_t)e[at + E_MODE])) continue;
      char *sub = strndup(l->sc.bytes.p + (size_t)e[at + E_PATH_OFF], (size_t)e[at + E_PATH_LEN]);
      if (sub == NULL || grow_put(&todo, &sub, sizeof sub) != 0) { free(sub); oom = 1; break; }
    }
    pthread_mutex_lock(&ts->lock);
    if (ts->tail) ts->tail->next = l;
    else ts->head = l;
    ts->tail = l;
    pthread_cond_signal(&ts->ready);
    pthread_mutex_unlock(&ts->lock);
    if (failed) break;
  }
  for (; next < todo.len / sizeof(char *); next++) free(((char **)todo.p)[next]);
  free(todo.p);
  pthread_mutex_lock(&ts->lock);
  ts->done = 1;
  ts->oom = oom;
  pthread_cond_signal(&ts->ready);
  pthread_mutex_unlock(&ts->lock);
  return NULL;
}

// Stops the thread (it ends after the directory it is reading) and frees what it left.
static void tree_scan_close(struct tree_scan *ts) {
  if (ts->joined) return;
  pthread_mutex_lock(&ts->lock);
  ts->stop = 1;
  pthread_mutex_unlock(&ts->lock);
  pthread_join(ts->thread, NULL);
  ts->joined = 1;
  while (ts->head) {
    struct listing *l = ts->head;
    ts->head = l->next;
    free_listing(l);
  }
  ts->tail = NULL;
}

static void tree_scan_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  struct tree_scan *ts = data;
  tree_scan_close(ts);
  pthread_mutex_destroy(&ts->lock);
  pthread_cond_destroy(&ts->ready);
  free(ts->root);
  free(ts);
}

// treeScanStart(root: Buffer) -> handle
static napi_value js_tree_scan_start(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], handle;
  if (!get_args(env, info, 1, argv)) return NULL;
  char *root = arg_cstr(env, argv[0], "path must be a Buffer without NUL bytes");
  if (root == NULL) return NULL;
  struct tree_scan *ts = calloc(1, sizeof *ts);
  if (ts == NULL) {
    free(root);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  ts->root = root;
  pthread_mutex_init(&ts->lock, NULL);
  pthread_cond_init(&ts->ready, NULL);
  int err = pthread_create(&ts->thread, NULL, tree_scan_run, ts);
  if (err != 0) {
    ts->joined = 1;  // no thread to stop
    tree_scan_finalize(env, ts, NULL);
    return throw_errno(env, err, "pthread_create");
  }
  if (napi_create_external(env, ts, tree_scan_finalize, NULL, &handle) != napi_ok) {
    tree_scan_finalize(env, ts, NULL);
    return NULL;
  }
  return handle;
}

// treeScanNext(handle) -> Array<[entries, blob]> of the listings finished since the last call (at
// least one; waits for it), or null when every directory has been listed. A listing that failed
// throws, naming the entry or directory.
static napi_value js_tree_scan_next(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], result = NULL;
  struct tree_scan *ts;
  if (!get_args(env, info, 1, argv)) return NULL;
  CHECK(napi_get_value_external(env, argv[0], (void **)&ts));
  pthread_mutex_lock(&ts->lock);
  while (ts->head == NULL && !ts->done && !ts->joined) pthread_cond_wait(&ts->ready, &ts->lock);
  struct listing *l = ts->head;
  int oom = ts->oom;
  ts->head = ts->tail = NULL;
  pthread_mutex_unlock(&ts->lock);
  if (l == NULL) {
    if (oom) napi_throw_error(env, NULL, "out of memory");
    else napi_get_null(env, &result);
    return result;
  }
  if (napi_create_array(env, &result) != napi_ok) result = NULL;
  for (uint32_t n = 0; l != NULL; n++) {
    struct listing *next = l->next;
    if (result != NULL && l->err != 0) {
      throw_errno_at(env, l->err, l->syscall, l->entry ? l->entry : l->dir);
      result = NULL;
    }
    napi_value one = result ? scan_result(env, &l->sc) : NULL;
    if (result != NULL && (one == NULL || napi_set_element(env, result, n, one) != napi_ok)) result = NULL;
    free_listing(l);
    l = next;
  }
  return result;
}

// treeScanClose(handle): stops the thread; the handle is then finished.
static napi_value js_tree_scan_close(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  struct tree_scan *ts;
  if (!get_args(env, info, 1, argv)) return NULL;
  CHECK(napi_get_value_external(env, argv[0], (void **)&ts));
  tree_scan_close(ts);
  return NULL;
}

// lstatEntry(path) -> [entries, blob] with the one entry of `path` itself (name empty), as a tree
// scan reports entries.
static napi_value js_lstat_entry(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], result = NULL;
  if (!get_args(env, info, 1, argv)) return NULL;
  char *path = arg_cstr(env, argv[0], "path must be a Buffer without NUL bytes");
  if (path == NULL) return NULL;
  struct scan sc = {0};
  const char *syscall;
  if (scan_entry(&sc, AT_FDCWD, path, path, 0, &syscall) != 0) throw_errno(env, errno, syscall);
  else result = scan_result(env, &sc);
  free(path);
  free(sc.nums.p);
  free(sc.bytes.p);
  return result;
}

// ---- copying files into an image ----

#define COPY_BUF (1 << 20)
// A span is four doubles: path index, source offset, length, destination offset.
#define SPAN_FIELDS 4
// Offsets and lengths are JS numbers: integers up to 2^53 - 1.
#define MAX_SAFE 9007199254740991.0

struct copy_job {
  napi_async_work work;
  napi_deferred deferred;
  // the destination: a file, or the memory of a Buffer (held by mem_ref until the job completes)
  int out;
  char *mem;
  size_t mem_len;
  napi_ref mem_ref;
  char *paths;  // every path NUL-terminated, back to back
  size_t *path_at;
  uint32_t npaths;
  double *spans;
  size_t nspans;
  // outcome: err != 0 a failed syscall; short_at >= 0 the source ended there, before its span did
  int err;
  const char *syscall;
  uint32_t index;
  double short_at;
  // worker-thread scratch: a pipe for splice, a buffer for pread/pwrite
  int pipe[2];
  char *buf;
};

static int all_zero(const char *p, size_t n) {
  return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static int write_all(int fd, const char *p, size_t n, off_t at) {
  for (size_t done = 0; done < n;) {
    ssize_t w = pwrite(fd, p + done, n - done, at + done);
    if (w < 0 && errno != EINTR) return -1;
    if (w > 0) done += w;
  }
  return 0;
}

// How copy_span moves bytes into a file, best first; a batch steps down at the first refusal and
// stays there (the files of one batch mostly sit on one file system). VIA_MEMORY: into a Buffer.
enum via { VIA_COPY_RANGE, VIA_SPLICE, VIA_BUFFER, VIA_MEMORY };

static int refused(int err) {
  return err == EXDEV || err == EINVAL || err == ENOSYS || err == EOPNOTSUPP;
}

// Moves up to len bytes from `in` at *src through the job's pipe to job->out at dst: the kernel
// copies them once, where pread + pwrite copy twice. Returns the count, 0 at the end of `in`, or -1.
static ssize_t splice_once(struct copy_job *job, int in, off_t src, off_t dst, size_t len) {
  if (job->pipe[0] < 0) {
    job->syscall = "pipe";
    if (pipe2(job->pipe, O_CLOEXEC) != 0) return -1;
    fcntl(job->pipe[1], F_SETPIPE_SZ, COPY_BUF);  // fewer round trips; the default 64 KiB also works
  }
  off64_t from = src, to = dst;
  job->syscall = "splice";
  ssize_t n = splice(in, &from, job->pipe[1], NULL, len, 0);
  for (ssize_t done = 0; n > 0 && done < n;) {
    ssize_t m = splice(job->pipe[0], NULL, job->out, &to, n - done, 0);
    // on failure the pipe keeps bytes, but it is not used again: the job stops or steps down to
    // pread/pwrite, which starts again at src
    if (m < 0 && errno != EINTR) return -1;
    if (m > 0) done += m;
  }
  return n;
}

// Copies [src, src+len) of `in` to `dst` in job->out (or job->mem). copy_file_range keeps the bytes
// in the kernel (and may share blocks) but refuses two different file systems (EXDEV); splice then
// still copies kernel side, once; pread/pwrite is the last resort and leaves all-zero chunks as
// holes (the image was truncated to its size: they read as zeros). Every call names its offsets,
// so several jobs may write one file at once. Returns 0, 1 when the source ends early (*src tells
// where), or -1 with errno and job->syscall set.
static int copy_span(struct copy_job *job, int in, off_t *src, off_t dst, size_t len, enum via *via) {
  while (len > 0) {
    ssize_t n;
    if (*via == VIA_COPY_RANGE) {
      off64_t from = *src, to = dst;
      n = copy_file_range(in, &from, job->out, &to, len, 0);
      job->syscall = "copy_file_range";
    } else if (*via == VIA_SPLICE) {
      n = splice_once(job, in, *src, dst, len < COPY_BUF ? len : COPY_BUF);
    } else if (*via == VIA_MEMORY) {
      n = pread(in, job->mem + dst, len, *src);
      job->syscall = "read";
    } else {
      if (job->buf == NULL && (job->buf = malloc(COPY_BUF)) == NULL) { errno = ENOMEM; job->syscall = "read"; return -1; }
      n = pread(in, job->buf, len < COPY_BUF ? len : COPY_BUF, *src);
      job->syscall = "read";
      if (n > 0 && !all_zero(job->buf, n) && write_all(job->out, job->buf, n, dst) != 0) {
        job->syscall = "write";
        return -1;
      }
    }
    if (n > 0) {
      *src += n;
      dst += n;
      len -= n;
    } else if (n == 0) {
      return 1;
    } else if (errno != EINTR) {
      if (*via >= VIA_BUFFER || !refused(errno)) return -1;
      ++*via;
    }
  }
  return 0;
}

static void copy_execute(napi_env env, void *data) {
  (void)env;
  struct copy_job *job = data;
  enum via via = job->mem != NULL ? VIA_MEMORY : VIA_COPY_RANGE;
  job->pipe[0] = job->pipe[1] = -1;
  for (size_t s = 0; s < job->nspans && job->err == 0 && job->short_at < 0;) {
    const double *span = job->spans + s * SPAN_FIELDS;
    uint32_t index = span[0];
    job->index = index;
    int in = open(job->paths + job->path_at[index], O_RDONLY | O_CLOEXEC);
    if (in < 0) {
      job->err = errno;
      job->syscall = "open";
      break;
    }
    // consecutive spans of one path share the open file
    for (; s < job->nspans && job->spans[s * SPAN_FIELDS] == index; s++) {
      span = job->spans + s * SPAN_FIELDS;
      off_t src = span[1];
      int rc = copy_span(job, in, &src, span[3], span[2], &via);
      if (rc < 0) job->err = errno;
      if (rc > 0) job->short_at = src;
      if (rc != 0) break;
    }
    close(in);
  }
  if (job->pipe[0] >= 0) {
    close(job->pipe[0]);
    close(job->pipe[1]);
  }
  free(job->buf);
  job->buf = NULL;
}

static void free_job(struct copy_job *job) {
  free(job->paths);
  free(job->path_at);
  free(job->spans);
  free(job);
}

static void copy_complete(napi_env env, napi_status status, void *data) {
  struct copy_job *job = data;
  napi_value value = NULL, num;
  if (status != napi_ok) {
    napi_value msg;
    if (napi_create_string_utf8(env, "copy cancelled", NAPI_AUTO_LENGTH, &msg) == napi_ok) napi_create_error(env, NULL, msg, &value);
  } else if (job->err != 0) {
    value = errno_error(env, job->err, job->syscall, NULL);
  } else if (job->short_at >= 0) {
    napi_value msg;
    if (napi_create_string_utf8(env, "file shrank while reading", NAPI_AUTO_LENGTH, &msg) == napi_ok &&
        napi_create_error(env, NULL, msg, &value) == napi_ok) {
      napi_create_double(env, job->short_at, &num);
      napi_set_named_property(env, value, "shortAt", num);
    }
  }
  if (value != NULL) {
    napi_create_uint32(env, job->index, &num);
    napi_set_named_property(env, value, "index", num);
    napi_reject_deferred(env, job->deferred, value);
  } else {
    napi_get_undefined(env, &value);
    napi_resolve_deferred(env, job->deferred, value);
  }
  napi_delete_async_work(env, job->work);
  if (job->mem_ref != NULL) napi_delete_reference(env, job->mem_ref);
  free_job(job);
}

// Copies the paths array (Buffers) into job->paths, NUL-terminated. Returns 0, or throws and -1.
static int copy_paths(napi_env env, napi_value array, struct copy_job *job) {
  struct grow all = {0};
  job->path_at = malloc(job->npaths * sizeof(size_t) + 1);
  int ok = job->path_at != NULL;
  for (uint32_t i = 0; ok && i < job->npaths; i++) {
    napi_value v;
    void *data;
    size_t len;
    if (napi_get_element(env, array, i, &v) != napi_ok || napi_get_buffer_info(env, v, &data, &len) != napi_ok ||
        memchr(data, 0, len) != NULL) {
      free(all.p);
      napi_throw_type_error(env, NULL, "paths must be Buffers without NUL bytes");
      return -1;
    }
    job->path_at[i] = all.len;
    ok = grow_put(&all, data, len) == 0 && grow_put(&all, "", 1) == 0;
  }
  job->paths = all.p;
  if (!ok) {
    napi_throw_error(env, NULL, "out of memory");
    return -1;
  }
  return 0;
}

// copyFiles(out, paths: Buffer[], spans: Float64Array) -> Promise<void>: copies each span
// [path index, source offset, length, destination offset] of the files into `out`, a file
// descriptor or a Buffer (which the job then holds; JavaScript must leave the spans' bytes alone
// until it completes), on a worker thread. Consecutive spans of one path share one open. Rejects with errno/syscall/index, or with
// shortAt/index when a file is shorter than its spans.
static napi_value js_copy_files(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], promise, name;
  if (!get_args(env, info, 3, argv)) return NULL;
  struct copy_job *job = calloc(1, sizeof *job);
  if (job == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  job->short_at = -1;
  job->out = -1;
  napi_typedarray_type type;
  size_t nums;
  void *spans;
  bool to_memory;
  if (napi_is_buffer(env, argv[0], &to_memory) != napi_ok ||
      (to_memory ? napi_get_buffer_info(env, argv[0], (void **)&job->mem, &job->mem_len)
                 : napi_get_value_int32(env, argv[0], &job->out)) != napi_ok ||
      napi_get_array_length(env, argv[1], &job->npaths) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &type, &nums, &spans, NULL, NULL) != napi_ok ||
      type != napi_float64_array || nums % SPAN_FIELDS != 0) {
    free_job(job);
    napi_throw_type_error(env, NULL, "copyFiles(fd: number | Buffer, paths: Buffer[], spans: Float64Array)");
    return NULL;
  }
  if (copy_paths(env, argv[1], job) != 0) {
    free_job(job);
    return NULL;
  }
  job->nspans = nums / SPAN_FIELDS;
  job->spans = malloc(nums * sizeof(double) + 1);
  if (job->spans == NULL) {
    free_job(job);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  memcpy(job->spans, spans, nums * sizeof(double));
  for (size_t s = 0; s < job->nspans; s++) {
    const double *span = job->spans + s * SPAN_FIELDS;
    int ok = span[0] >= 0 && span[0] < job->npaths && span[0] == (uint32_t)span[0];
    for (int k = 1; k < SPAN_FIELDS; k++) ok = ok && span[k] >= 0 && span[k] <= MAX_SAFE && span[k] == (int64_t)span[k];
    if (to_memory) ok = ok && span[2] + span[3] <= job->mem_len;
    if (!ok) {
      free_job(job);
      napi_throw_range_error(env, NULL, "copyFiles: a span has a bad path index, offset or length");
      return NULL;
    }
  }
  if ((to_memory && napi_create_reference(env, argv[0], 1, &job->mem_ref) != napi_ok) ||
      napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "copyFiles", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, copy_execute, copy_complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    if (job->mem_ref != NULL) napi_delete_reference(env, job->mem_ref);
    free_job(job);
    return NULL;
  }
  return promise;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
    {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_enumerable, NULL},
    {"lutimes", NULL, js_lutimes, NULL, NULL, NULL, napi_enumerable, NULL},
    {"treeScanStart", NULL, js_tree_scan_start, NULL, NULL, NULL, napi_enumerable, NULL},
    {"treeScanNext", NULL, js_tree_scan_next, NULL, NULL, NULL, napi_enumerable, NULL},
    {"treeScanClose", NULL, js_tree_scan_close, NULL, NULL, NULL, napi_enumerable, NULL},
    {"lstatEntry", NULL, js_lstat_entry, NULL, NULL, NULL, napi_enumerable, NULL},
    {"copyFiles", NULL, js_copy_files, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  napi_value fields, field;
  CHECK(napi_create_array_with_length(env, E_COUNT, &fields));
  for (uint32_t i = 0; i < E_COUNT; i++) {
    CHECK(napi_create_string_utf8(env, ENTRY_FIELDS[i], NAPI_AUTO_LENGTH, &field));
    CHECK(napi_set_element(env, fields, i, field));
  }
  CHECK(napi_set_named_property(env, exports, "entryFields", fields));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
