export * from './candidate';
export * from './gridSearch';
export * from './recalibrate';
export * from '../../contract/select';
