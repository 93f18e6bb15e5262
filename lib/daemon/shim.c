/*
 * cnits-shim: the tiny executable a runtime execs as bridge/macvlan/ipvlan/host-local.
 *
 * If the cnits daemon (`cnits daemon`) listens on its socket, the shim hands it this
 * invocation (plugin name, env, stdin, namespaces, cwd) and prints what it answers:
 * one Node start per node instead of one per verb. Otherwise -- no daemon, a socket
 * we may not use, a daemon of another build or in other namespaces -- it runs the
 * standalone `cnits` next to it with the same argv, env and stdin, or `cnits-portable`
 * where cnits cannot start on this CPU (see fallback). Either way the runtime sees the
 * same stdout and exit status. The shim is the supported entry: only it can answer
 * (with CNI error JSON) when no build starts at all.
 *
 * Wire format (all integers little-endian u32; "str" = u32 length + bytes):
 *   request:  "CNTS" u32 version, str build, str plugin, str namespaces, str cwd,
 *             u32 nenv, nenv x str "K=V", str stdin
 *   response: u32 status (0..255, or DECLINE), str stdout, str stderr
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
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

/*
 * Runs the standalone executable; `in` (if any) is stdin the shim already consumed.
 *
 * `cnits` carries a V8 startup snapshot, which loads only on a CPU with the build
 * machine's features: elsewhere V8 exits 14 ("Invalid snapshot data") before any of
 * our code runs, so nothing reached stdout and nothing was done. A binary built for
 * newer instructions dies of SIGILL just as early. Our plugins only exit 0 or 1, so
 * either means "did not start": the same invocation is then handed to
 * `cnits-portable` (no snapshot; starts on any x86-64 that runs Node). That needs the
 * stdin again, so verbs that take one get it from a memfd (or a seekable stdin) that
 * is rewound for the second try; VERSION's stdin is never read and stays as it is.
 */
static int takes_stdin(const char *cmd);

static void path_of(char *out, const char *name) {
  if (snprintf(out, PATH_MAX, "%s/%s", self_dir, name) >= PATH_MAX) { fputs("cnits-shim: path too long\n", stderr); exit(1); }
}

/* a JSON string body: paths and messages may hold quotes, backslashes, controls */
static void json_str(const char *s) {
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') printf("\\%c", *s);
    else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
    else putchar(*s);
  }
}

/* prints the CNI error JSON (a runtime reads only stdout) and exits 1 */
static void cannot_start(const char *why) {
  fputs("{\n    \"code\": 999,\n    \"msg\": \"cnits cannot start on this node: ", stdout);
  json_str(why);
  fputs("\",\n    \"details\": \"no build in ", stdout);
  json_str(self_dir);
  fputs(" started (V8 prints why to stderr); install one built for this CPU\"\n}", stdout);
  exit(1);
}

/* makes fd 0 something the shim can rewind: a memfd holding `in`, or the rest of stdin */
static void rewindable_stdin(const struct buf *in) {
  if (!in && lseek(0, 0, SEEK_CUR) == 0) return; /* a file at its start: rewinding is enough */
  int fd = memfd_create("cnits-stdin", 0);
  if (fd < 0) { perror("cnits-shim: memfd_create"); exit(1); }
  char chunk[65536];
  const char *p = in ? in->p : chunk;
  size_t left = in ? in->len : 0;
  for (;;) {
    if (!in && !left) {
      ssize_t r = read(0, chunk, sizeof chunk);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0) break;
      p = chunk; left = (size_t)r;
    }
    if (!left) break;
    ssize_t w = write(fd, p, left);
    if (w < 0) { if (errno == EINTR) continue; perror("cnits-shim: write"); exit(1); }
    p += w; left -= (size_t)w;
  }
  if (dup2(fd, 0) < 0) { perror("cnits-shim: stdin"); exit(1); }
  close(fd);
  if (lseek(0, 0, SEEK_SET) < 0) { perror("cnits-shim: stdin"); exit(1); }
}

static volatile pid_t child;
/* a runtime's SIGTERM (its timeout) must reach the plugin, as when the shim exec'd it */
static void forward(int sig) { if (child > 0) kill(child, sig); }
static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };

/* runs `path` with our argv, env and fds; returns its wait status */
static int attempt(const char *path, char **argv) {
  /* blocked until `child` is set: a SIGTERM right at fork is forwarded, not lost */
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  pid_t parent = getpid();
  /* vfork: no page tables copied (~50 us less per exec than fork); the child only makes
     syscalls on its own process state (dispositions, mask, pdeathsig) before execv */
  pid_t pid = vfork();
  if (pid < 0) { perror("cnits-shim: vfork"); exit(1); }
  if (pid == 0) {
    /* a runtime that SIGKILLs the shim (its timeout) must not leave the plugin running */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    for (size_t i = 0; i < 4; i++) signal(forwarded[i], SIG_DFL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    execv(path, argv);
    _exit(127); /* the parent says why (access) */
  }
  child = pid;
  sigprocmask(SIG_SETMASK, &old, NULL);
  int st;
  while (waitpid(pid, &st, 0) < 0) if (errno != EINTR) { perror("cnits-shim: waitpid"); exit(1); }
  child = 0;
  return st;
}

/* why `st` means "never started" (exit 14, SIGILL, exec failed), or NULL if it ran */
static const char *not_started(const char *path, int st, char *why, size_t n) {
  const char *name = strrchr(path, '/') + 1;
  if (WIFSIGNALED(st) && WTERMSIG(st) == SIGILL) snprintf(why, n, "%s died of SIGILL (built for a newer CPU)", name);
  else if (WIFEXITED(st) && WEXITSTATUS(st) == 14) snprintf(why, n, "%s exited 14 (V8 could not load its startup snapshot: another CPU than the build machine's)", name);
  else if (WIFEXITED(st) && WEXITSTATUS(st) == 127) snprintf(why, n, "cannot exec %s: %s", name, access(path, X_OK) < 0 ? strerror(errno) : "exit 127");
  else return NULL;
  return why;
}

/* ends the shim with the plugin's exit status, or by its signal (without a core of the shim) */
static void end_as(int st) {
  if (WIFEXITED(st)) exit(WEXITSTATUS(st));
  struct rlimit none = { 0, 0 };
  setrlimit(RLIMIT_CORE, &none);
  signal(WTERMSIG(st), SIG_DFL);
  raise(WTERMSIG(st));
  exit(128 + WTERMSIG(st));
}

/*
 * Remembers "this cnits does not start on this CPU" as an empty file in /run/cnits, named
 * after the file's identity (a new install is a new inode: probed afresh). A failed try
 * costs about two thirds of a portable start, on every exec; the marker saves that for a
 * stat. It is safe: /run is emptied at boot (the CPU cannot change without one; a live
 * migration keeps the guest's CPU model), and a wrong or forged marker only makes us run
 * cnits-portable, which gives the same answers ~2 ms slower. 0 if cnits cannot be stat'ed.
 */
#define MARKER_DIR "/run/cnits"
static int marker_of(const char *fast, char *out) {
  struct stat st;
  if (stat(fast, &st) < 0) return 0;
  snprintf(out, PATH_MAX, MARKER_DIR "/no-snapshot-%llx-%llx-%llx.%lx-%llx", (unsigned long long)st.st_dev,
           (unsigned long long)st.st_ino, (unsigned long long)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec,
           (unsigned long long)st.st_size);
  return 1;
}

static void fallback(char **argv, const struct buf *in) {
  char fast[PATH_MAX], portable[PATH_MAX], marker[PATH_MAX], why[2][PATH_MAX + 128];
  path_of(fast, "cnits");
  path_of(portable, "cnits-portable");
  int replay = in || takes_stdin(getenv("CNI_COMMAND"));
  if (replay) rewindable_stdin(in);
  struct sigaction sa = { .sa_handler = forward };
  for (size_t i = 0; i < 4; i++) sigaction(forwarded[i], &sa, NULL);

  int known = marker_of(fast, marker), marked = known && access(marker, F_OK) == 0;
  const char *order[2] = { marked ? portable : fast, marked ? fast : portable };
  for (int i = 0; i < 2; i++) {
    if (i && replay && lseek(0, 0, SEEK_SET) < 0) { perror("cnits-shim: stdin"); exit(1); }
    int st = attempt(order[i], argv);
    if (!not_started(order[i], st, why[i], sizeof why[i])) end_as(st);
    if (i) break;
    const char *note = "";
    if (order[0] == fast && known && (WIFSIGNALED(st) || WEXITSTATUS(st) == 14)) {
      mkdir(MARKER_DIR, 0700);
      int fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd >= 0) { close(fd); note = " (remembered until reboot or reinstall in "; }
    }
    fprintf(stderr, "cnits-shim: %s; running %s%s%s%s\n", why[0], strrchr(order[1], '/') + 1, note, *note ? marker : "", *note ? ")" : "");
  }
  /* nothing was printed and nothing was done: say why, as CNI error JSON */
  char both[2 * sizeof why[0] + 4];
  snprintf(both, sizeof both, "%s; %s", why[0], why[1]);
  cannot_start(both);
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

/* "net:dev:ino mnt:dev:ino user:dev:ino" of this process, into s (logged by the daemon, never trusted) */
static size_t namespaces(char *s, size_t cap) {
  static const char *const kinds[] = { "net", "mnt", "user" };
  size_t off = 0;
  for (size_t i = 0; i < 3; i++) {
    char path[64]; struct stat st;
    snprintf(path, sizeof path, "/proc/self/ns/%s", kinds[i]);
    if (stat(path, &st) < 0) { off += (size_t)snprintf(s + off, cap - off, "%s:? ", kinds[i]); continue; }
    off += (size_t)snprintf(s + off, cap - off, "%s:%llu:%llu ", kinds[i], (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
  }
  return off ? off - 1 : 0;
}

/* The request, byte for byte as lib/daemon/protocol.ts parses it; lib/daemon/wire-vector.json
 * holds one, which test/unit/daemon-wire.test.ts checks both sides against. */
static void encode_request(struct buf *req, const char *build, const char *name, const char *ns, size_t ns_len,
                           const char *cwd, char **env, const struct buf *in) {
  put(req, "CNTS", 4);
  put_u32(req, PROTO_VERSION);
  put_str(req, build, strlen(build));
  put_str(req, name, strlen(name));
  put_str(req, ns, ns_len);
  put_str(req, cwd, strlen(cwd));
  uint32_t nenv = 0;
  for (char **e = env; *e; e++) nenv++;
  put_u32(req, nenv);
  for (char **e = env; *e; e++) put_str(req, *e, strlen(*e));
  put_str(req, in->p ? in->p : "", in->len);
}

static int takes_stdin(const char *cmd) {
  static const char *const verbs[] = { "ADD", "DEL", "CHECK", "STATUS", "GC" };
  if (!cmd) return 0;
  for (size_t i = 0; i < 5; i++) if (!strcmp(cmd, verbs[i])) return 1;
  return 0;
}

#ifdef CNITS_SHIM_ENCODE
/* Test build (test/unit/daemon-wire.test.ts): encode_request of the fields given as
 * arguments -- build plugin namespaces cwd stdin K=V... -- written to stdout, nothing else. */
int main(int argc, char **argv) {
  if (argc < 6) return 2;
  struct buf in = { 0 }, req = { 0 };
  put(&in, argv[5], strlen(argv[5]));
  char *none[] = { NULL };
  encode_request(&req, argv[1], argv[2], argv[3], strlen(argv[3]), argv[4], argc > 6 ? argv + 6 : none, &in);
  return write_full(1, req.p, req.len) < 0;
}
#else
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
  const char *name = strrchr(argv[0], '/');
  name = name ? name + 1 : argv[0];
  char ns[256];
  size_t ns_len = namespaces(ns, sizeof ns);
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
  encode_request(&req, CNITS_BUILD_ID, name, ns, ns_len, cwd, environ, &in);
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
#endif
