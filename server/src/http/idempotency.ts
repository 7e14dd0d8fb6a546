import { createHash } from "node:crypto";
import { AppError, nowIso, type AppContext } from "@academic-assist/core";
import type { NextFunction, Request, RequestHandler, Response } from "express";

/**
 * `Idempotency-Key` on a mutating JSON POST: the first response (2xx) is stored per user and key
 * and replayed for a retry of the same request; the same key with a different request is a 409.
 */
export function idempotent(app: AppContext): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const key = req.get("idempotency-key");
    const user = req.user;
    if (!key || !user) {
      next();
      return;
    }
    if (key.length > 255) {
      next(new AppError("validation_failed", "The Idempotency-Key header is longer than 255 characters."));
      return;
    }
    const requestHash = createHash("sha256")
      .update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`)
      .digest("hex");
    app.repos.idempotency.find(user.id, key).then(
      (stored) => {
        if (stored) {
          if (stored.requestHash !== requestHash) {
            next(
              new AppError(
                "idempotency_conflict",
                "This Idempotency-Key was already used for a different request.",
              ),
            );
            return;
          }
          res.setHeader("Idempotent-Replayed", "true");
          res.status(stored.status).json(stored.body);
          return;
        }
        const json = res.json.bind(res);
        res.json = (body: unknown) => {
          if (res.statusCode >= 200 && res.statusCode < 300) {
            app.repos.idempotency
              .save(user.id, key, { requestHash, status: res.statusCode, body }, nowIso())
              .catch((err: unknown) => {
                app.logger.warn({ err }, "could not store idempotent response");
              });
          }
          return json(body);
        };
        next();
      },
      (err: unknown) => {
        next(err);
      },
    );
  };
}
