import type { NextFunction, Request, Response } from 'express';
import { instruments } from '../common/instruments';

/**
 * HTTP latency by route pattern (`/v1/customers/:id`, never the raw URL, which would carry ids
 * and tokens); a request no route matched counts as `unmatched`.
 */
export function httpMetrics(req: Request, res: Response, next: NextFunction): void {
  const end = instruments.httpSeconds.startTimer();
  res.on('finish', () => {
    const route = req.route as { path?: unknown } | undefined;
    // Nest answers unknown paths from a catch-all route ({/*splat}): unmatched too.
    const pattern =
      typeof route?.path === 'string' && !route.path.includes('*')
        ? `${req.baseUrl}${route.path}`
        : 'unmatched';
    end({ method: req.method, route: pattern, status: String(res.statusCode) });
  });
  next();
}
