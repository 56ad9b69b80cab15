/**
 * Thrown by the splitter when a graph does not fit a strategy, or a cut cannot be made: `node`
 * names the node (or value) at fault and the message says why, so the user can pick another
 * strategy or point it at another node.
 */
export class SplitError extends Error {
  constructor(
    readonly node: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`${node}: ${reason}`, options);
    this.name = 'SplitError';
  }
}
