import { z } from 'zod';

const SEMVER = String.raw`\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?`;

/**
 * Accepted identities of the deployed code. There is no "unknown": a worker that cannot say
 * which code it runs must not write records or keys.
 * - `<semver>+git.<40-hex commit>`: a clean checkout;
 * - `<semver>+src.<hex>` / `<semver>+bundle.<hex>`: a digest of the sources / built bundle
 *   (works without git, changes with any source change; src/current-code-version.ts makes the first);
 * - `v<semver>` or `<semver>`: a release tag, set explicitly by the operator (GA_CODE_VERSION);
 * - `[image]@sha256:<64 hex>`: a container image digest, likewise explicit.
 */
export const CODE_VERSION_PATTERN = new RegExp(
  String.raw`^(?:${SEMVER}\+(?:git\.[0-9a-f]{40}|src\.[0-9a-f]{12,64}|bundle\.[0-9a-f]{12,64})` +
    String.raw`|v?${SEMVER}` +
    String.raw`|(?:[a-z0-9][a-z0-9._/:-]*)?@sha256:[0-9a-f]{64})$`,
);

export const CodeVersion = z
  .string()
  .regex(CODE_VERSION_PATTERN, {
    error:
      'code version must be <semver>+git.<40-hex commit>, <semver>+src.<hex digest>, <semver>+bundle.<hex digest>, a release tag v<semver>, or <image>@sha256:<digest>',
  })
  .describe('Version of the deployed code (part of the dedup key).')
  .meta({
    examples: [
      '0.1.0+git.0123456789abcdef0123456789abcdef01234567',
      '0.1.0+src.9f86d081884c',
      'v1.2.0',
    ],
  });

export type CodeVersion = z.output<typeof CodeVersion>;
