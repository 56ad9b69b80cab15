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

/**
 * Thrown by a strategy, or by `runSplitCommand` before it loads anything, when the options cannot
 * describe a split: they contradict each other (`--cut` with a `--partitions` that disagrees), or
 * the model (a top-k beyond the head's classes), or are out of range. `option` names the option;
 * the message says why. Like a SplitError it is a refusal, not a crash: the CLI prints the message
 * and exits 2.
 */
export class SplitOptionError extends Error {
  constructor(
    readonly option: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SplitOptionError';
  }
}
