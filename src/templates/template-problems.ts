/** A place in a template source: line 1-based, column 1-based (Handlebars' own column + 1). */
export interface SourcePosition {
  line: number;
  column: number;
}

export interface SyntaxProblem extends SourcePosition {
  message: string;
}

/** A value the template needs that the context does not give (or gives empty). */
export interface RenderProblem extends SourcePosition {
  /** The expression at fault as written, e.g. `customer.name` or `date campaign.effectiveAt`. */
  variable: string;
  message: string;
  /** Set when the problem is inside a partial; line and column are then the partial's. */
  partial?: string;
}
