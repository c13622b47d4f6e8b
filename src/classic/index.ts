// classic: k-nearest-neighbour, linear SVM / softmax classifiers, cross-validation, random search.
export {};
