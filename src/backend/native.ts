// The optional native (C++ N-API addon) backend. Placeholder: registers nothing yet.
import { markUnavailable } from "./backend.js";

markUnavailable("native", "not implemented yet");
