// Pictures for people: line plots, confusion matrices and image grids rendered by a small
// built-in rasteriser and 5×7 font, saved as PNG. render* functions return the image (for the
// browser or further drawing); plot*/imageGrid write the file atomically.

export { plotCurves, renderCurves } from "./curves.js";
export type { Series, CurvesOptions, PlotLayout } from "./curves.js";
export { plotConfusionMatrix, renderConfusionMatrix, blues } from "./confusion.js";
export type { ConfusionOptions, ConfusionLayout } from "./confusion.js";
export { imageGrid, renderImageGrid } from "./grid.js";
export type { GridOptions } from "./grid.js";
export { Canvas, PALETTE } from "./canvas.js";
export type { RGB, TextOptions } from "./canvas.js";
