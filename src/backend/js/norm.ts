// Reference norm kernels (to be filled by the norm op family).

export const normKernels = {};
