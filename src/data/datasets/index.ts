// data.datasets: the vision datasets.
export { MNIST, FashionMNIST, BUILTIN_FASHION_MNIST_DIR, MnistLikeDataset } from "./mnist.js";
export type { MnistOptions, FashionMnistOptions } from "./mnist.js";
export { CIFAR10, CIFAR100 } from "./cifar.js";
export type { CifarOptions, Cifar100Options } from "./cifar.js";
export { ImageFolder } from "./image_folder.js";
export type { ImageFolderOptions } from "./image_folder.js";
export { ImageArrayDataset } from "./base.js";
export type { Transform, VisionOptions, DatasetTensors, ToTensorsOptions } from "./base.js";
export { SyntheticScenes, generateScenes, sceneSplits, describeScene, renderScene, writeScenes, SCENE_SHAPES, SCENE_COLORS, SCENE_SIZES } from "./scenes.js";
export type { Scene, SceneObject, ScenesOptions } from "./scenes.js";
