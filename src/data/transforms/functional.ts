// data.transforms.functional: the deterministic functions behind the transforms, like
// torchvision.transforms.functional (tensor versions). Use them when you choose the parameters.

export {
  crop, pad, hflip, vflip, centerCrop, resize, resizedCrop, resizedOutputSize, fiveCrop, tenCrop, parsePadding,
} from "./functional_geometric.js";
export type { PadMode, PadOptions, ResizeOptions, Interpolation } from "./functional_geometric.js";
export { rotate, affine, inverseAffineMatrix } from "./affine.js";
export type { WarpOptions } from "./affine.js";
export { adjustBrightness, adjustContrast, adjustSaturation, adjustHue, rgbToGrayscale } from "./color.js";
export { toTensor, pilToTensor, toImage, normalize } from "./convert.js";
export { erase } from "./erasing.js";
