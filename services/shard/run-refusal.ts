import { status as Status } from '@grpc/grpc-js';
import { ServiceError } from '../../lib/grpc/service-error.js';

/** ONNX Runtime's words for memory it could not get. */
const OUT_OF_MEMORY = /failed to allocate|bad_alloc|out of memory/i;

/** ONNX Runtime's own source files and lines, which some of its messages cite. */
const SOURCE_PATH = /(?:\/[\w.+-]+)+\.(?:cc|cpp|c|h|hpp)(?::\d+)?\s*/g;

/** Longest ONNX Runtime message passed on; the router cuts a whole status to 1 KiB. */
const MAX_MESSAGE_CHARS = 400;

/**
 * The status for a run that ONNX Runtime refused (`session.run` rejected).
 *
 * The router has checked every input's datatype, shape and byte size against the partition, which
 * loaded and runs on other inputs; a run that still fails failed on these inputs' values: text a
 * Cast cannot parse as a number (`simple_string` given "abc"), an index out of range, a Reshape
 * the values make impossible. That is the request's fault, the same on every replica:
 * INVALID_ARGUMENT, with ONNX Runtime's words (they name the model's own node and operator) without
 * the paths of its source files. Before, it was UNKNOWN with "internal error", which told the
 * caller nothing and counted as a server fault. Memory ONNX Runtime could not get is the shard's
 * limit, not the request's: RESOURCE_EXHAUSTED, which the router retries on another replica.
 */
export function runRefusal(error: unknown): ServiceError {
  const said = (error instanceof Error ? error.message : String(error)).replace(SOURCE_PATH, '').trim();
  if (OUT_OF_MEMORY.test(said))
    return new ServiceError(Status.RESOURCE_EXHAUSTED, 'the shard could not allocate memory for the run', {
      cause: error,
    });
  const words = said.length > MAX_MESSAGE_CHARS ? `${said.slice(0, MAX_MESSAGE_CHARS)}…` : said;
  return new ServiceError(
    Status.INVALID_ARGUMENT,
    `the model could not run on these input values (ONNX Runtime: ${JSON.stringify(words)}); check what the inputs hold`,
    { cause: error },
  );
}
