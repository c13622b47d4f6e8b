// Where `kestrel download` fetches each dataset from, and the checksums it verifies.
//
// Fashion-MNIST: the authors' S3 bucket (torchvision 0.14's mirror); SHA-256 of the original files.
// MNIST: torchvision 0.14's mirrors and MD5s (no SHA-256 is published offline for them).
// CIFAR-10/100: the authors' "binary version" archives (the format the CIFAR readers read) with the
// MD5s the authors publish on https://www.cs.toronto.edu/~kriz/cifar.html (torchvision only lists
// the Python-pickle archives); the archive is extracted after verification.

export interface FileSource {
  name: string;
  /** "sha256" preferred; "md5" where only that is published. */
  algorithm: "sha256" | "md5";
  digest: string;
}

export interface DatasetSource {
  /** Base URLs tried in order; the file name is appended. */
  mirrors: string[];
  files: FileSource[];
  /** For an archive: the files it must yield once extracted (relative to --dir). */
  extracts?: string[];
}

export const SOURCES: Record<string, DatasetSource> = {
  "fashion-mnist": {
    mirrors: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    files: [
      { name: "train-images-idx3-ubyte.gz", algorithm: "sha256", digest: "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7" },
      { name: "train-labels-idx1-ubyte.gz", algorithm: "sha256", digest: "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056" },
      { name: "t10k-images-idx3-ubyte.gz", algorithm: "sha256", digest: "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa" },
      { name: "t10k-labels-idx1-ubyte.gz", algorithm: "sha256", digest: "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05" },
    ],
  },
  mnist: {
    mirrors: ["http://yann.lecun.com/exdb/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/"],
    files: [
      { name: "train-images-idx3-ubyte.gz", algorithm: "md5", digest: "f68b3c2dcbeaaa9fbdd348bbdeb94873" },
      { name: "train-labels-idx1-ubyte.gz", algorithm: "md5", digest: "d53e105ee54ea40749a09fcbcd1e9432" },
      { name: "t10k-images-idx3-ubyte.gz", algorithm: "md5", digest: "9fb629c4189551a2d022fa330f9573f3" },
      { name: "t10k-labels-idx1-ubyte.gz", algorithm: "md5", digest: "ec29112dd5afa0611ce80d1b7f02629c" },
    ],
  },
  cifar10: {
    mirrors: ["https://www.cs.toronto.edu/~kriz/"],
    files: [{ name: "cifar-10-binary.tar.gz", algorithm: "md5", digest: "c32a1d4ab5d03f1284b67883e8d87530" }],
    extracts: [1, 2, 3, 4, 5].map((k) => `cifar-10-batches-bin/data_batch_${k}.bin`).concat(["cifar-10-batches-bin/test_batch.bin"]),
  },
  cifar100: {
    mirrors: ["https://www.cs.toronto.edu/~kriz/"],
    files: [{ name: "cifar-100-binary.tar.gz", algorithm: "md5", digest: "03b5dce01913d631647c71ecec9e9cb8" }],
    extracts: ["cifar-100-binary/train.bin", "cifar-100-binary/test.bin"],
  },
};
