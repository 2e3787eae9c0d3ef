export const SETTINGS = Symbol('TACTFUL_SETTINGS');
