// The `data` namespace: datasets, the DataLoader, and transforms.

export * as transforms from "./transforms/index.js";
