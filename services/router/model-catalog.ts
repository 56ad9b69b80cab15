import { loadRepository } from '../../lib/plan/repository.js';
import type { Plan } from '../../lib/plan/schema.js';
import { notFound } from '../../lib/grpc/service-error.js';
import { clip, MAX_QUOTED_BYTES } from '../../lib/grpc/status-text.js';

/** Triton's words for a model it does not know, the name cut to MAX_QUOTED_BYTES. */
const unknownModel = (name: string): string =>
  `Request for unknown model: '${clip(String(name), MAX_QUOTED_BYTES)}'`;

/**
 * The plans the router knows, read from the model repository's `plan.json` files (the partition
 * files themselves live with the shards). Replaced whole on reload, like the routing table.
 */
export class ModelCatalog {
  #plans: readonly Plan[] = [];

  constructor(private readonly root: string) {}

  async reload(): Promise<void> {
    this.#plans = Object.freeze((await loadRepository(this.root)).map((l) => l.plan));
  }

  get plans(): readonly Plan[] {
    return this.#plans;
  }

  /**
   * The plan for `name` at `version`, or its newest version when `version` is empty. NOT_FOUND
   * otherwise, worded as Triton words it ("Request for unknown model: 'NAME' is not found"), since
   * clients match on that text (Triton's examples look for "Request for unknown model").
   */
  resolve(name: string, version: string): Plan {
    const versions = this.#plans.filter((p) => p.name === name);
    // Other models' names are not listed: a caller may be allowed on some models only (policy),
    // and the router does not tell it what else is served.
    if (versions.length === 0) throw notFound(`${unknownModel(name)} is not found`);
    if (version === '') return versions.reduce((a, b) => (Number(b.version) > Number(a.version) ? b : a));
    const plan = versions.find((p) => p.version === version);
    if (!plan)
      throw notFound(
        `${unknownModel(name)} version ${clip(String(version), MAX_QUOTED_BYTES)} is not found (versions: ${versions.map((p) => p.version).join(', ')})`,
      );
    return plan;
  }
}
