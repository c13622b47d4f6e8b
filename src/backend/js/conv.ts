// Reference conv kernels (to be filled by the conv op family).

export const convKernels = {};
