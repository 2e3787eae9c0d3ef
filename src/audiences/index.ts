export {
  AUDIENCE_FIELDS,
  AUDIENCE_LIMITS,
  AUDIENCE_OPS,
  validateAudience,
  type AudienceCondition,
  type AudienceFilter,
  type AudienceOp,
} from './audience-filter';
export { compileAudience, InvalidAudienceError, type CompileContext } from './compile-audience';
export { AudiencesModule } from './audiences.module';
export { AudiencesService } from './audiences.service';
