{
  "targets": [
    {
      "target_name": "cnits",
      "sources": ["addon.c", "peer.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
