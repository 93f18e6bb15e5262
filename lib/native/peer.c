// The daemon's peer check, from the kernel (lib/daemon/peer.ts): who is on the other end of
// a unix socket, and whether that process still lives.
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "napi.h"

// peerCred(fd) -> { pid, uid, gid, pidfd }: who is on the other end of a connected unix
// socket, as the kernel recorded it at connect() (SO_PEERCRED), and a pidfd that pins
// that very process: SO_PEERPIDFD (Linux 6.5+) takes it from the socket itself; older
// kernels get pidfd_open(pid), which a pid reused since connect() could fool. The caller
// reads /proc/<pid> and then asks pidfdAlive: a process still alive then is the one the
// reads saw (its pid cannot have been reused while it lived). pidfd -1: none could be had.
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
napi_value js_peer_cred(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (argc < 1 || get_int32(env, argv[0], &fd)) {
    napi_throw_type_error(env, "EINVAL", "peerCred(fd: number)");
    return NULL;
  }
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return throw_errno(env, errno, "getsockopt", "SO_PEERCRED");
  int pidfd = -1;
  len = sizeof pidfd;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0) {
    pidfd = -1;
    if (cred.pid > 0) pidfd = (int)syscall(SYS_pidfd_open, cred.pid, 0);
  }
  napi_value out, v;
  CALL(env, napi_create_object(env, &out));
  CALL(env, napi_create_int32(env, cred.pid, &v));
  CALL(env, napi_set_named_property(env, out, "pid", v));
  CALL(env, napi_create_uint32(env, cred.uid, &v));
  CALL(env, napi_set_named_property(env, out, "uid", v));
  CALL(env, napi_create_uint32(env, cred.gid, &v));
  CALL(env, napi_set_named_property(env, out, "gid", v));
  CALL(env, napi_create_int32(env, pidfd < 0 ? -1 : pidfd, &v));
  CALL(env, napi_set_named_property(env, out, "pidfd", v));
  return out;
}

// pidfdAlive(pidfd) -> boolean: signal 0 through the pidfd; false once the process has exited.
napi_value js_pidfd_alive(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (argc < 1 || get_int32(env, argv[0], &fd)) {
    napi_throw_type_error(env, "EINVAL", "pidfdAlive(pidfd: number)");
    return NULL;
  }
  if (syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) == 0) {
    napi_value t;
    CALL(env, napi_get_boolean(env, true, &t));
    return t;
  }
  if (errno != ESRCH) return throw_errno(env, errno, "pidfd_send_signal", NULL);
  napi_value f;
  CALL(env, napi_get_boolean(env, false, &f));
  return f;
}

