export * from './criterion';
export * from './importance';
export * from './planForRatio';
