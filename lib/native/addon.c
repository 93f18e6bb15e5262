// The suite's only native code: thin syscall wrappers, no logic. Everything
// else (netlink codec, file formats) lives in TypeScript.
//
// Network namespaces: JS never gets a raw setns(). Each entry point that needs
// another netns opens it, switches this thread, does its syscalls and switches
// back inside ONE synchronous call (ns_run), so no JS, no libuv pool thread and
// no await ever runs in a foreign netns. A socket keeps the netns it was created
// in, and a /proc/sys file the netns it was opened in.
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <node_api.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

#include "napi.h"

napi_value str_value(napi_env env, const char *s, size_t len) {
  napi_value v;
  napi_create_string_utf8(env, s, len, &v);
  return v;
}

// Throws an Error shaped like Node's SystemError: .code is the errno name
// (e.g. "EBADF"), .errno the negative number, .syscall, and .path when given.
napi_value make_errno(napi_env env, int err, const char *syscall, const char *path) {
  char msg[4352], text[128];
  const char *name = strerrorname_np(err);
  if (!name) name = "EUNKNOWN";
  snprintf(text, sizeof text, "%s", strerror(err));
  text[0] = (char)tolower((unsigned char)text[0]);  // "no such file or directory", as Node and Go say it
  if (path) snprintf(msg, sizeof msg, "%s: %s, %s '%s'", name, text, syscall, path);
  else snprintf(msg, sizeof msg, "%s: %s, %s", name, text, syscall);
  napi_value error, num;
  napi_create_error(env, str_value(env, name, NAPI_AUTO_LENGTH), str_value(env, msg, NAPI_AUTO_LENGTH), &error);
  napi_create_int32(env, -err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_set_named_property(env, error, "syscall", str_value(env, syscall, NAPI_AUTO_LENGTH));
  if (path) napi_set_named_property(env, error, "path", str_value(env, path, NAPI_AUTO_LENGTH));
  return error;
}

napi_value throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  napi_throw(env, make_errno(env, err, syscall, path));
  return NULL;
}

int get_int32(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok ? 0 : -1;
}

// A string argument into buf: 0 = ok, 1 = null/undefined (when allowed), -1 = TypeError thrown.
static int get_str(napi_env env, napi_value v, char *buf, size_t len, int nullable, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) t = napi_undefined;
  if (nullable && (t == napi_null || t == napi_undefined)) return 1;
  size_t n = 0;
  if (t != napi_string || napi_get_value_string_utf8(env, v, buf, len, &n) != napi_ok || n >= len - 1 || strlen(buf) != n) {
    napi_throw_type_error(env, "EINVAL", what);
    return -1;
  }
  return 0;
}

// The syscall that failed inside a namespace switch, for the thrown error.
struct fail { int err; const char *syscall; const char *path; };
static int failed(struct fail *f, const char *syscall, const char *path) {
  f->err = errno; f->syscall = syscall; f->path = path;
  return -1;
}

// Runs fn on this thread inside the netns at path (NULL: the current one) and
// switches back before returning. Not returning to the original netns would
// strand the JS thread in a container: abort() is the only safe answer.
typedef int (*ns_fn)(void *ctx, struct fail *f);
static int ns_run(const char *path, ns_fn fn, void *ctx, struct fail *f) {
  if (!path) return fn(ctx, f);
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) return failed(f, "open", "/proc/thread-self/ns/net");
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) { failed(f, "open", path); close(self); return -1; }
  if (setns(target, CLONE_NEWNET) < 0) { failed(f, "setns", path); close(target); close(self); return -1; }
  close(target);
  int rc = fn(ctx, f);
  int saved = errno;
  if (setns(self, CLONE_NEWNET) < 0) {
    fprintf(stderr, "cnits: FATAL: cannot return to the original network namespace: %s\n", strerror(errno));
    abort();
  }
  close(self);
  errno = saved;
  return rc;
}

// flock(fd, op): blocks until granted; retries on EINTR.
static napi_value js_flock(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd, op;
  if (argc < 2 || get_int32(env, argv[0], &fd) || get_int32(env, argv[1], &op)) {
    napi_throw_type_error(env, "EINVAL", "flock(fd: number, op: number)");
    return NULL;
  }
  int rc;
  do rc = flock(fd, op); while (rc < 0 && errno == EINTR);
  if (rc < 0) return throw_errno(env, errno, "flock", NULL);
  return NULL;
}

struct nl_open { int protocol; int timeout_ms; int fd; };
static int nl_open_in_ns(void *ctx, struct fail *f) {
  struct nl_open *o = ctx;
  o->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, o->protocol);
  if (o->fd < 0) return failed(f, "socket", NULL);
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };  // nl_pid 0: the kernel assigns the port id
  if (bind(o->fd, (struct sockaddr *)&sa, sizeof sa) < 0) { failed(f, "bind", NULL); close(o->fd); return -1; }
  int one = 1;
  // Best effort, older kernels lack them: error strings, and strict header checks
  // on dumps (which also enables the kernel-side dump filters).
  setsockopt(o->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(o->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
  struct timeval tv = { .tv_sec = o->timeout_ms / 1000, .tv_usec = (o->timeout_ms % 1000) * 1000 };
  if (setsockopt(o->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) { failed(f, "setsockopt", NULL); close(o->fd); return -1; }
  return 0;
}

// nlOpen(nsPath | null, protocol, timeoutMs = 30000) -> fd of a bound netlink socket living in nsPath.
static napi_value js_nl_open(napi_env env, napi_callback_info info) {
  ARGS(3);
  char path[4096];
  struct nl_open o = { .timeout_ms = 30000 };
  int r = get_str(env, argv[0], path, sizeof path, 1, "nlOpen(nsPath: string | null, protocol: number)");
  if (r < 0) return NULL;
  if (argc < 2 || get_int32(env, argv[1], &o.protocol) || (argc > 2 && get_int32(env, argv[2], &o.timeout_ms)) || o.timeout_ms <= 0) {
    napi_throw_type_error(env, "EINVAL", "nlOpen(nsPath: string | null, protocol: number, timeoutMs?: number)");
    return NULL;
  }
  struct fail f;
  if (ns_run(r == 0 ? path : NULL, nl_open_in_ns, &o, &f) < 0) return throw_errno(env, f.err, f.syscall, f.path);
  napi_value out;
  CALL(env, napi_create_int32(env, o.fd, &out));
  return out;
}

// nlSend(fd, bytes: Uint8Array): one datagram to the kernel.
// (fd: number, bytes: Uint8Array) arguments of nlSend and nlSendAsync; -1 = TypeError thrown.
static int get_fd_bytes(napi_env env, napi_callback_info info, const char *usage, int32_t *fd, void **data, size_t *len) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) argc = 0;
  bool is_ta = false;
  napi_typedarray_type type;
  if (argc >= 2) napi_is_typedarray(env, argv[1], &is_ta);
  if (argc < 2 || get_int32(env, argv[0], fd) || !is_ta ||
      napi_get_typedarray_info(env, argv[1], &type, len, data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, "EINVAL", usage);
    return -1;
  }
  return 0;
}

static napi_value js_nl_send(napi_env env, napi_callback_info info) {
  int32_t fd;
  size_t len = 0;
  void *data = NULL;
  if (get_fd_bytes(env, info, "nlSend(fd: number, bytes: Uint8Array)", &fd, &data, &len)) return NULL;
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  ssize_t n;
  do n = sendto(fd, data, len, 0, (struct sockaddr *)&kernel, sizeof kernel); while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, errno, "sendto", NULL);
  if ((size_t)n != len) return throw_errno(env, EMSGSIZE, "sendto", NULL);
  return NULL;
}

// nlRecv(fd, maxLen = 16 MiB) -> Uint8Array: the next datagram from the kernel, never
// truncated: MSG_PEEK|MSG_TRUNC reports its full size first. A datagram over maxLen
// is dropped (EMSGSIZE). SO_RCVTIMEO expiring is reported as ETIMEDOUT.
static napi_value js_nl_recv(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd, max_len = 16 << 20;
  if (argc < 1 || get_int32(env, argv[0], &fd) || (argc > 1 && get_int32(env, argv[1], &max_len)) || max_len <= 0) {
    napi_throw_type_error(env, "EINVAL", "nlRecv(fd: number, maxLen?: number)");
    return NULL;
  }
  for (;;) {
    ssize_t size;
    do size = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC); while (size < 0 && errno == EINTR);
    if (size < 0) return throw_errno(env, errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno, "recv", NULL);
    if (size > max_len) {
      recv(fd, NULL, 0, MSG_DONTWAIT);
      return throw_errno(env, EMSGSIZE, "recv", NULL);
    }
    void *data;
    napi_value out;
    CALL(env, napi_create_buffer(env, (size_t)size, &data, &out));
    struct sockaddr_nl from = { 0 };
    socklen_t from_len = sizeof from;
    ssize_t n;
    do n = recvfrom(fd, data, (size_t)size, MSG_DONTWAIT, (struct sockaddr *)&from, &from_len); while (n < 0 && errno == EINTR);
    if (n < 0) return throw_errno(env, errno, "recvfrom", NULL);
    if (n != size) return throw_errno(env, EMSGSIZE, "recvfrom", NULL);
    if (from.nl_pid == 0) return out;  // anything not from the kernel (port 0) is dropped
  }
}

// nlSendAsync(fd, bytes) -> Promise<void>: nlSend on a libuv worker thread. rtnetlink does
// its work inside sendto (deleting a veth blocks it ~17 ms on RCU), so this lets the event
// loop run meanwhile; the reply is then queued on the socket for nlRecv. The socket's
// netns was fixed when it was created, so the thread's own netns does not matter.
struct send_job { napi_async_work work; napi_deferred deferred; int fd; void *data; size_t len; int err; };

static void send_execute(napi_env env, void *p) {
  (void)env;
  struct send_job *j = p;
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  ssize_t n;
  do n = sendto(j->fd, j->data, j->len, 0, (struct sockaddr *)&kernel, sizeof kernel); while (n < 0 && errno == EINTR);
  j->err = n < 0 ? errno : (size_t)n != j->len ? EMSGSIZE : 0;
}

static void send_complete(napi_env env, napi_status status, void *p) {
  struct send_job *j = p;
  if (status == napi_ok && j->err == 0) {
    napi_value undef;
    napi_get_undefined(env, &undef);
    napi_resolve_deferred(env, j->deferred, undef);
  } else {
    napi_reject_deferred(env, j->deferred, make_errno(env, j->err ? j->err : ECANCELED, "sendto", NULL));
  }
  napi_delete_async_work(env, j->work);
  free(j->data);
  free(j);
}

static napi_value js_nl_send_async(napi_env env, napi_callback_info info) {
  int32_t fd;
  size_t len = 0;
  void *data = NULL;
  if (get_fd_bytes(env, info, "nlSendAsync(fd: number, bytes: Uint8Array)", &fd, &data, &len)) return NULL;
  struct send_job *j = calloc(1, sizeof *j);
  if (!j || !(j->data = malloc(len ? len : 1))) { free(j); return throw_errno(env, ENOMEM, "malloc", NULL); }
  memcpy(j->data, data, len);
  j->fd = fd;
  j->len = len;
  napi_value promise, name;
  CALL(env, napi_create_promise(env, &j->deferred, &promise));
  CALL(env, napi_create_string_utf8(env, "nlSendAsync", NAPI_AUTO_LENGTH, &name));
  CALL(env, napi_create_async_work(env, NULL, name, send_execute, send_complete, j, &j->work));
  CALL(env, napi_queue_async_work(env, j->work));
  return promise;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (argc < 1 || get_int32(env, argv[0], &fd)) {
    napi_throw_type_error(env, "EINVAL", "close(fd: number)");
    return NULL;
  }
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, errno, "close", NULL);
  return NULL;
}

// relPath is below /proc/sys ("net/ipv4/conf/eth0/arp_notify"); absolute paths and ".." are refused.
struct sysctl { char path[600]; char value[4096]; size_t len; int write; };
static int sysctl_in_ns(void *ctx, struct fail *f) {
  struct sysctl *s = ctx;
  int fd = open(s->path, (s->write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return failed(f, "open", s->path);
  ssize_t n = s->write ? write(fd, s->value, s->len) : read(fd, s->value, sizeof s->value);
  if (n < 0) { failed(f, s->write ? "write" : "read", s->path); close(fd); return -1; }
  s->len = (size_t)n;
  close(fd);
  return 0;
}

// sysctlWrite(nsPath | null, relPath, value) / sysctlRead(nsPath | null, relPath) -> string
static napi_value sysctl_call(napi_env env, napi_callback_info info, int write) {
  ARGS(3);
  char ns[4096], rel[512];
  struct sysctl s = { .write = write };
  int r = get_str(env, argv[0], ns, sizeof ns, 1, "sysctl: nsPath must be a string or null");
  if (r < 0 || get_str(env, argv[1], rel, sizeof rel, 0, "sysctl: relPath must be a string") < 0) return NULL;
  if (write && get_str(env, argv[2], s.value, sizeof s.value, 0, "sysctlWrite: value must be a string") < 0) return NULL;
  if (rel[0] == '/' || rel[0] == 0 || strstr(rel, "..")) {
    napi_throw_type_error(env, "EINVAL", "sysctl: relPath must be relative to /proc/sys, without '..'");
    return NULL;
  }
  snprintf(s.path, sizeof s.path, "/proc/sys/%s", rel);
  s.len = strlen(s.value);
  struct fail f;
  if (ns_run(r == 0 ? ns : NULL, sysctl_in_ns, &s, &f) < 0) return throw_errno(env, f.err, f.syscall, f.path);
  return write ? NULL : str_value(env, s.value, s.len);
}
static napi_value js_sysctl_write(napi_env env, napi_callback_info info) { return sysctl_call(env, info, 1); }
static napi_value js_sysctl_read(napi_env env, napi_callback_info info) { return sysctl_call(env, info, 0); }

// nsIno(path | null) -> inode number (decimal string) of a network namespace file;
// null = this thread's. EINVAL when the file is not a network namespace.
static napi_value js_ns_ino(napi_env env, napi_callback_info info) {
  ARGS(1);
  char path[4096] = "/proc/thread-self/ns/net";
  if (get_str(env, argv[0], path, sizeof path, 1, "nsIno(path: string | null)") < 0) return NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "open", path);
  struct stat st = { 0 };
  int type = ioctl(fd, NS_GET_NSTYPE);  // ENOTTY: not an nsfs file at all
  int err = type < 0 ? (errno == ENOTTY ? EINVAL : errno) : type != CLONE_NEWNET ? EINVAL : 0;
  const char *syscall = "ioctl";
  if (!err && fstat(fd, &st) < 0) { err = errno; syscall = "fstat"; }
  close(fd);
  if (err) return throw_errno(env, err, syscall, path);
  char ino[32];
  snprintf(ino, sizeof ino, "%llu", (unsigned long long)st.st_ino);
  return str_value(env, ino, NAPI_AUTO_LENGTH);
}

static napi_value init(napi_env env, napi_value exports) {
  static const struct { const char *name; napi_callback fn; } fns[] = {
    { "flock", js_flock }, { "nlOpen", js_nl_open }, { "nlSend", js_nl_send }, { "nlRecv", js_nl_recv },
    { "nlSendAsync", js_nl_send_async },
    { "close", js_close }, { "sysctlWrite", js_sysctl_write }, { "sysctlRead", js_sysctl_read }, { "nsIno", js_ns_ino },
    { "peerCred", js_peer_cred }, { "pidfdAlive", js_pidfd_alive },
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    CALL(env, napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn));
    CALL(env, napi_set_named_property(env, exports, fns[i].name, fn));
  }
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
