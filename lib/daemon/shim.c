/*
 * cnits-shim: the tiny executable a runtime execs as bridge/macvlan/ipvlan/host-local.
 *
 * If the cnits daemon (`cnits daemon`) listens on its socket, the shim hands it this
 * invocation (plugin name, env, stdin, namespaces, cwd) and prints what it answers:
 * one Node start per node instead of one per verb. Otherwise -- no daemon, a socket
 * we may not use, a daemon of another build or in other namespaces -- it execs the
 * standalone `cnits` next to it with the same argv, env and stdin. Either way the
 * runtime sees the same stdout, stderr and exit status.
 *
 * Wire format (all integers little-endian u32; "str" = u32 length + bytes):
 *   request:  "CNTS" u32 version, str build, str plugin, str namespaces, str cwd,
 *             u32 nenv, nenv x str "K=V", str stdin
 *   response: u32 status (0..255, or DECLINE), str stdout, str stderr
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef CNITS_BUILD_ID
#define CNITS_BUILD_ID "dev"
#endif
#define PROTO_VERSION 1u
#define DECLINE 0xffffffffu
#define DEFAULT_SOCKET "/run/cnits/daemon.sock"
#define MAX_STDIN (64u << 20)

extern char **environ;

struct buf { char *p; size_t len, cap; };

static void put(struct buf *b, const void *d, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) { perror("cnits-shim"); exit(1); }
    b->p = p; b->cap = cap;
  }
  memcpy(b->p + b->len, d, n);
  b->len += n;
}
static void put_u32(struct buf *b, uint32_t v) {
  unsigned char le[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  put(b, le, 4);
}
static void put_str(struct buf *b, const char *s, size_t n) { put_u32(b, (uint32_t)n); put(b, s, n); }

static char self_dir[PATH_MAX];

/* execs the standalone executable; `in` (if any) is replayed as stdin */
static void fallback(char **argv, const struct buf *in) {
  char target[PATH_MAX];
  if (snprintf(target, sizeof target, "%s/cnits", self_dir) >= (int)sizeof target) { fputs("cnits-shim: path too long\n", stderr); exit(1); }
  if (in) {
    int fd = memfd_create("cnits-stdin", 0);
    if (fd < 0) { perror("cnits-shim: memfd_create"); exit(1); }
    size_t off = 0;
    while (off < in->len) {
      ssize_t w = write(fd, in->p + off, in->len - off);
      if (w < 0) { if (errno == EINTR) continue; perror("cnits-shim: write"); exit(1); }
      off += (size_t)w;
    }
    if (lseek(fd, 0, SEEK_SET) < 0 || dup2(fd, 0) < 0) { perror("cnits-shim: stdin"); exit(1); }
    close(fd);
  }
  execv(target, argv);
  fprintf(stderr, "cnits-shim: exec %s: %s\n", target, strerror(errno));
  exit(1);
}

/* the answer is cut short: the daemon (or its worker) died while serving us */
static void lost(const char *why) {
  printf("{\n    \"code\": 11,\n    \"msg\": \"cnits daemon: %s\",\n    \"details\": \"the request may have been partly carried out; retry\"\n}", why);
  exit(1);
}

static int read_full(int fd, void *d, size_t n) {
  char *p = d;
  while (n) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r; n -= (size_t)r;
  }
  return 0;
}
static int write_full(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = fd == 1 || fd == 2 ? write(fd, p, n) : send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    p += w; n -= (size_t)w;
  }
  return 0;
}
static uint32_t get_u32(int fd) {
  unsigned char le[4];
  if (read_full(fd, le, 4) < 0) lost("connection closed before the answer");
  return le[0] | (le[1] << 8) | (le[2] << 16) | ((uint32_t)le[3] << 24);
}
/* copies a str from the socket to fd `out` */
static void relay(int sock, int out) {
  uint32_t n = get_u32(sock);
  char chunk[65536];
  while (n) {
    size_t k = n < sizeof chunk ? n : sizeof chunk;
    if (read_full(sock, chunk, k) < 0) lost("connection closed during the answer");
    if (write_full(out, chunk, k) < 0) exit(1);
    n -= (uint32_t)k;
  }
}

static void namespaces(struct buf *b) {
  static const char *const kinds[] = { "net", "mnt", "user" };
  char s[256]; size_t off = 0;
  for (size_t i = 0; i < 3; i++) {
    char path[64]; struct stat st;
    snprintf(path, sizeof path, "/proc/self/ns/%s", kinds[i]);
    if (stat(path, &st) < 0) { off += (size_t)snprintf(s + off, sizeof s - off, "%s:? ", kinds[i]); continue; }
    off += (size_t)snprintf(s + off, sizeof s - off, "%s:%llu:%llu ", kinds[i], (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
  }
  put_str(b, s, off ? off - 1 : 0);
}

static int takes_stdin(const char *cmd) {
  static const char *const verbs[] = { "ADD", "DEL", "CHECK", "STATUS", "GC" };
  if (!cmd) return 0;
  for (size_t i = 0; i < 5; i++) if (!strcmp(cmd, verbs[i])) return 1;
  return 0;
}

int main(int argc, char **argv) {
  (void)argc;
  ssize_t n = readlink("/proc/self/exe", self_dir, sizeof self_dir - 1);
  if (n <= 0) { perror("cnits-shim: /proc/self/exe"); return 1; }
  self_dir[n] = 0;
  char *slash = strrchr(self_dir, '/');
  if (slash) *slash = 0;

  const char *path = getenv("CNITS_SOCKET");
  if (!path || !*path) path = DEFAULT_SOCKET;
  const char *off = getenv("CNITS_DAEMON");
  if (off && !strcmp(off, "off")) fallback(argv, NULL);

  /* no socket file, no daemon: exec right away with stdin untouched (no copy to replay) */
  struct stat sock_st;
  if (stat(path, &sock_st) < 0 || !S_ISSOCK(sock_st.st_mode)) fallback(argv, NULL);
  struct buf in = { 0 };
  int read_stdin = takes_stdin(getenv("CNI_COMMAND"));
  if (read_stdin) {
    char chunk[65536];
    for (;;) {
      ssize_t r = read(0, chunk, sizeof chunk);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0) break;
      put(&in, chunk, (size_t)r);
      if (in.len > MAX_STDIN) { fputs("cnits-shim: stdin too large\n", stderr); return 1; }
    }
  }

  /* stdin is read whole before connecting: a runtime slow to write it keeps no daemon
   * worker or queue slot waiting. From here on a fallback replays what was read. */
  struct buf *replay = read_stdin ? &in : NULL;
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen(path) >= sizeof sa.sun_path) fallback(argv, replay);
  strcpy(sa.sun_path, path);
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof sa) < 0) fallback(argv, replay);

  struct buf req = { 0 };
  put(&req, "CNTS", 4);
  put_u32(&req, PROTO_VERSION);
  put_str(&req, CNITS_BUILD_ID, strlen(CNITS_BUILD_ID));
  const char *name = strrchr(argv[0], '/');
  name = name ? name + 1 : argv[0];
  put_str(&req, name, strlen(name));
  namespaces(&req);
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
  put_str(&req, cwd, strlen(cwd));
  uint32_t nenv = 0;
  for (char **e = environ; *e; e++) nenv++;
  put_u32(&req, nenv);
  for (char **e = environ; *e; e++) put_str(&req, *e, strlen(*e));
  put_str(&req, in.p ? in.p : "", in.len);
  /* a declined request replays the stdin we consumed; stdin we did not read stays as it is */
  if (write_full(sock, req.p, req.len) < 0) { close(sock); fallback(argv, replay); }

  unsigned char le[4];
  if (read_full(sock, le, 4) < 0) lost("connection closed before the answer");
  uint32_t status = le[0] | (le[1] << 8) | (le[2] << 16) | ((uint32_t)le[3] << 24);
  if (status == DECLINE) { close(sock); fallback(argv, replay); }
  relay(sock, 1);
  relay(sock, 2);
  return (int)(status & 0xff);
}
