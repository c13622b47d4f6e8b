// data.transforms: image and tensor transforms (seeded).
export {};
