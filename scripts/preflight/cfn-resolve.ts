export * from '../../test/helpers/intrinsics';
