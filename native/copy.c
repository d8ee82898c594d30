// Copying files into an image: a copy of file ranges on libuv's pool that keeps file data out of
// JavaScript (copyFiles).

#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

napi_value register_copy(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {FUNCTION("copyFiles", js_copy_files)};
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}
