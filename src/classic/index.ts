// classic: k-nearest-neighbour, linear SVM / softmax classifiers, cross-validation, random search.
export { KNearestNeighbor, type KNearestNeighborOptions, type KnnMetric } from "./knn.js";
export { LinearClassifier, LinearSVM, SoftmaxClassifier, type LinearClassifierOptions, type LinearSVMOptions } from "./linear.js";
export { svmLoss, softmaxLoss, type HingeOptions, type RegOptions, type Penalty } from "./linear_loss.js";
export { crossValidate, kFold, stratifiedSubset, type Fold, type KFoldOptions, type CrossValidateResult, type Scorable } from "./validation.js";
export {
  randomSearch, logUniform, uniform, integer, choice,
  type Dimension, type SearchSpace, type Params, type Trial, type RandomSearchOptions,
} from "./search.js";
