// The `io` namespace: weights and checkpoints (safetensors), TensorBoard event files, JSONL
// metrics logs, PNG encoding and plots. Everything a user keeps is written atomically.

export { serializeSafetensors, parseSafetensors, decodeSafetensors, readSafetensorsHeader, halfToFloat } from "./safetensors.js";
export type { SafetensorsDType, SafetensorsEntry, SafetensorsHeader, SafetensorsContents, ParseOptions } from "./safetensors.js";
export { saveSafetensors, loadSafetensors, loadSafetensorsWithMetadata } from "./safetensors_file.js";
export { saveCheckpoint, loadCheckpoint, serializeCheckpoint, parseCheckpoint } from "./checkpoint.js";
export type { Checkpoint } from "./checkpoint.js";
export { writeFileAtomic } from "./atomic.js";
export { crc32c, maskedCrc32c } from "./crc32c.js";
export { SummaryWriter } from "./tensorboard/writer.js";
export type { SummaryWriterOptions } from "./tensorboard/writer.js";
export { readEventFile, readScalars, eventFiles } from "./tensorboard/reader.js";
export type { ScalarPoint } from "./tensorboard/reader.js";
export { encodeEvent, decodeEvent, histogram, defaultBucketEdges } from "./tensorboard/summary.js";
export type { Event, SummaryValue, HistogramProto, ImageProto } from "./tensorboard/summary.js";
export { encodeRecord, decodeRecords } from "./tensorboard/record.js";
export { JsonlLogger, readJsonl } from "./jsonl.js";
export { encodePng, decodePng, writePng, tensorToImage } from "./png.js";
export type { DataFormats } from "./png.js";
export { plotCurves, renderCurves, plotConfusionMatrix, renderConfusionMatrix, imageGrid, renderImageGrid } from "./plot/index.js";
export type { Series, CurvesOptions, PlotLayout, ConfusionOptions, ConfusionLayout, GridOptions } from "./plot/index.js";
export * as plot from "./plot/index.js";
