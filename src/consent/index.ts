export { FLOW_SOURCE_LIST, FLOW_SOURCES, isFlowSource, type FlowSource } from './consent-sources';
export { blankConsentEvidence } from './consent-erasure';
export { ALL_TOPICS, nextConsentState, type ConsentAction } from './consent-state';
export { ConsentModule } from './consent.module';
export { ConsentService, type ConsentCommand, type ConsentEvidence } from './consent.service';
export type { RecordedConsent } from './consent-views';
