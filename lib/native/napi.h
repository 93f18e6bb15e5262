// What addon.c and peer.c share: N-API call checking, and errors shaped like Node's.
#ifndef CNITS_NAPI_H
#define CNITS_NAPI_H
#include <stdint.h>
#include <node_api.h>

#define CALL(env, expr)                                                    \
  do {                                                                     \
    if ((expr) != napi_ok) {                                               \
      napi_throw_error((env), "EINVAL", "napi call failed: " #expr);      \
      return NULL;                                                         \
    }                                                                      \
  } while (0)
#define ARGS(n)                                                            \
  size_t argc = (n);                                                       \
  napi_value argv[(n)];                                                    \
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))

napi_value str_value(napi_env env, const char *s, size_t len);
// An Error shaped like Node's SystemError: .code is the errno name, .errno, .syscall, .path.
napi_value make_errno(napi_env env, int err, const char *syscall, const char *path);
napi_value throw_errno(napi_env env, int err, const char *syscall, const char *path);
int get_int32(napi_env env, napi_value v, int32_t *out);

// peer.c
napi_value js_peer_cred(napi_env env, napi_callback_info info);
napi_value js_pidfd_alive(napi_env env, napi_callback_info info);
#endif
