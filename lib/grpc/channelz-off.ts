/**
 * The grpc-js option that turns channelz off, for every server and channel shardmesh makes.
 * grpc-js keeps channelz on by default: each call then registers with its trackers, and each
 * message stamps `Date.now()` into them. shardmesh serves no channelz service, so nothing ever
 * reads them; in the router's profile under load the tracking handler was ~20 µs of each request
 * (`_channelzHandler`, 81 µs/request inclusive with the profiler on, against `_streamHandler`).
 */
export const CHANNELZ_OFF = { 'grpc.enable_channelz': 0 } as const;
