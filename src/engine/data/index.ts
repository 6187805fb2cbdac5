/** The data layer's pure parts (no DOM, no Node): safe in a browser worker. Node's folder reader is in ./node/. */
export * from './scaling';
export * from './idx';
export * from './idxFiles';
export * from './split';
export * from './builtinDigits';
