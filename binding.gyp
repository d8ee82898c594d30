{
  "targets": [
    {
      "target_name": "bootc_live_native",
      "sources": ["native/bootc_live_native.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
