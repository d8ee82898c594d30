{
  "targets": [
    {
      "target_name": "bootc_live_native",
      "sources": [
        "native/bootc_live_native.c",
        "native/common.c",
        "native/syscalls.c",
        "native/scan.c",
        "native/copy.c"
      ],
      # hidden: the helpers the parts share stay inside the addon; only its Node-API entry is exported
      "cflags": ["-Wall", "-Wextra", "-O2", "-fvisibility=hidden"]
    }
  ]
}
