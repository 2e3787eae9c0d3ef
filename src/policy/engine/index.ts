export * from './types';
export { decide } from './decide';
export { arbitrate, plannedContact, type ArbitrationResult } from './arbitrate';
export { emptyForecast, forecast, type ForecastResult } from './forecast';
export { DEFAULT_POLICIES } from './default-policies';
export { validatePolicy } from './validate-policy';
export { requiredHistoryDays } from './required-history';
export { isHeldOut } from './holdout';
