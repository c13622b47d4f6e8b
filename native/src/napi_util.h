// Small helpers for reading N-API arguments: numbers, booleans and typed arrays (no copies:
// kernels work directly on the typed arrays' backing stores).
#pragma once
#include <node_api.h>
#include <cstddef>
#include <string>

namespace kestrel {

struct Args {
  napi_env env;
  size_t argc = 16;
  napi_value argv[16];
  bool ok = true;
  Args(napi_env e, napi_callback_info info) : env(e) { napi_get_cb_info(e, info, &argc, argv, nullptr, nullptr); }

  void fail(const std::string& msg) {
    if (ok) napi_throw_range_error(env, nullptr, ("kestrel native: " + msg).c_str());
    ok = false;
  }
  double num(size_t i) {
    double v = 0;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok) fail("argument " + std::to_string(i) + " must be a number");
    return v;
  }
  long integer(size_t i) { return (long)num(i); }
  bool boolean(size_t i) {
    bool v = false;
    if (i >= argc || napi_get_value_bool(env, argv[i], &v) != napi_ok) fail("argument " + std::to_string(i) + " must be a boolean");
    return v;
  }
  bool isNull(size_t i) {
    napi_valuetype t;
    if (i >= argc) return true;
    napi_typeof(env, argv[i], &t);
    return t == napi_null || t == napi_undefined;
  }
  /** A Float32Array (or Int32Array when `type` says so) with its element count. */
  template <typename T>
  T* array(size_t i, size_t& len, napi_typedarray_type want) {
    bool is = false;
    if (i < argc) napi_is_typedarray(env, argv[i], &is);
    if (!is) { fail("argument " + std::to_string(i) + " must be a typed array"); len = 0; return nullptr; }
    napi_typedarray_type t;
    void* data = nullptr;
    napi_value ab;
    size_t off;
    napi_get_typedarray_info(env, argv[i], &t, &len, &data, &ab, &off);
    if (t != want) { fail("argument " + std::to_string(i) + " has the wrong element type"); len = 0; return nullptr; }
    return static_cast<T*>(data);
  }
  float* f32(size_t i, size_t& len) { return array<float>(i, len, napi_float32_array); }
  /** Throw unless [off, off + count) lies inside an array of `len` elements. */
  void range(const char* what, long off, long count, size_t len) {
    if (off < 0 || count < 0 || (size_t)(off + count) > len)
      fail(std::string(what) + " is out of bounds (offset " + std::to_string(off) + ", " + std::to_string(count) + " elements, array length " + std::to_string(len) + ")");
  }
};

}  // namespace kestrel
