/* Poison header: state/ and config/ are pure and must not use libuv. */
#error "uv.h included from a pure module (state/ or config/): move the I/O to daemon/"
