export * from './criterion';
export * from './importance';
export * from '../../contract/plan';
