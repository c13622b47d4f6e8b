// The WebAssembly SIMD backend. Placeholder: registers nothing yet.
import { markUnavailable } from "../backend.js";

markUnavailable("wasm", "not implemented yet");
