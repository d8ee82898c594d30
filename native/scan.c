// What makes mkfs DIR read a tree fast: a tree scan on a thread of its own (readdir + lstat + xattrs
// + readlink, plain numbers instead of bigint Stats), and lstatEntry for a single path.

#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

// A list or value can grow between the size probe and the read; retry a few times, then give up.
#define MAX_TRIES 8

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

napi_value register_scan(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    FUNCTION("treeScanStart", js_tree_scan_start), FUNCTION("treeScanNext", js_tree_scan_next),
    FUNCTION("treeScanClose", js_tree_scan_close), FUNCTION("lstatEntry", js_lstat_entry),
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
