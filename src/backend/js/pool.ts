// Reference pool kernels (to be filled by the pool op family).

export const poolKernels = {};
