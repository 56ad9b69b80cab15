// shardmesh's public API: the Open Inference Protocol (KServe "V2"), in the
// form Triton Inference Server serves it over gRPC.
//
// Wire compatibility is the point of this file. Existing clients
// (tritonclient.grpc, Triton's perf_analyzer, grpcurl with these protos, any
// KServe V2 client) encode and decode with THEIR generated code, so:
//   * the package, service and method names make the HTTP/2 paths
//     (/inference.GRPCInferenceService/ModelInfer, ...) and must not change;
//   * every field number and scalar type is the one Triton uses. Changing
//     one does not fail loudly: the peer silently reads a different field.
// Messages and fields Triton has and shardmesh does not need are left out
// (shared-memory registration, trace and log settings); a client calling
// one of those RPCs gets UNIMPLEMENTED.
//
// Tensor data
// -----------
// Tensors travel in raw_input_contents / raw_output_contents: one bytes entry
// per tensor, in the order of `inputs` / `outputs`, row-major, little-endian,
// densely packed (no stride, no padding). shardmesh serves BOOL,
// UINT8..UINT64, INT8..INT64, FP16, FP32, FP64 and BYTES (ONNX string
// tensors); a BF16 tensor is INVALID_ARGUMENT ("datatype ... is not
// supported"). A BYTES tensor's raw entry holds its elements in row-major
// order, each a 4-byte little-endian length followed by that many bytes
// (as Triton and tritonclient lay them out); bytes whose lengths run past
// the entry, or that hold more or fewer elements than the shape, are
// INVALID_ARGUMENT naming the input. Elements reach the model as ONNX
// Runtime string tensors, which shardmesh fills with UTF-8 text: an element
// that is not valid UTF-8 is INVALID_ARGUMENT naming the input and element.
// The typed InferTensorContents form is accepted on input as well, but a
// request uses one form for all its inputs: when raw_input_contents is
// non-empty, no input may set `contents` (INVALID_ARGUMENT otherwise).
// Responses always use raw_output_contents, whichever form the request used
// (as Triton answers).
//
// Errors
// ------
// Unary RPCs fail with a gRPC status; the message is meant for people and
// never carries internal detail (no SPIFFE id, shard address, instance id or
// file path). An inference that fails on the server's side (UNAVAILABLE,
// INTERNAL, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED for the byte budget,
// UNKNOWN) ends its message with `(request id "ID")`: the request's `id`, or
// one the router made up when it was empty. The router's log lines about
// that request carry the same id and the detail the message leaves out.
// A string the client sent (a name, a
// datatype) is quoted cut to 256 bytes, ending in "…", and a whole message
// is at most 1 KiB, so a status always fits the HTTP/2 header it travels in.
// The statuses are:
//   INVALID_ARGUMENT    malformed request, or bytes that are not a
//                       ModelInferRequest; a tensor whose datatype, shape or
//                       byte size does not match the model or its own shape;
//                       raw and typed contents mixed; an unknown input or
//                       requested output name, or an output requested twice;
//                       a shape the model cannot run: a dim of 0 (a tensor
//                       without elements), a batch over max_batch_size,
//                       inputs of a batched model whose batches (first dims)
//                       differ, a dim a stage splits across N partitions
//                       smaller than N
//                       (except a batch split, whose empty slices are
//                       simply not run);
//                       inputs holding more bytes than the model takes per
//                       request (`maxRequestBytes` in its plan.json, 64 MiB
//                       unless the plan says otherwise; the message names the
//                       limit); values the model cannot run on (ONNX Runtime
//                       refused the run, e.g. text a Cast cannot parse as a
//                       number: the message quotes it). None of these is
//                       retried on another replica.
//   NOT_FOUND           unknown model, or unknown version of a known model.
//   UNAVAILABLE         the model is known but cannot serve now: some
//                       partition of some stage has no healthy replica (a
//                       shard registers only once it has loaded its
//                       partitions, and deregisters when it drains, so a
//                       model still loading or draining everywhere is this
//                       case), or every replica tried failed. Retrying later
//                       may succeed. (Loading/draining is reported as
//                       UNAVAILABLE, not FAILED_PRECONDITION, because it is
//                       transient and clients' retry policies key on
//                       UNAVAILABLE.)
//   RESOURCE_EXHAUSTED  over the caller's quota (the message says which, and
//                       the trailers carry grpc-retry-pushback-ms), or over
//                       the router's or the shards' in-flight byte budget,
//                       or memory a shard could not allocate for the run
//                       (the message says it is the server's limit).
//   UNAUTHENTICATED     no credentials, or credentials that do not verify.
//   PERMISSION_DENIED   the caller's identity may not use this verb (infer,
//                       metadata, statistics, admin) on this model; the
//                       message names the verb and the model.
//   UNIMPLEMENTED       an RPC shardmesh does not serve (see above).
//   DEADLINE_EXCEEDED   the call's deadline passed before the answer was
//                       complete.
//   INTERNAL            the mesh contradicts itself: a shard's answer does not
//                       fit the plan, or a shard refuses the router's identity.
//   UNKNOWN             anything unexpected; details go to the server log only.
//   CANCELLED           the client cancelled the call.

// Code generated by protoc-gen-go-grpc. DO NOT EDIT.
// versions:
// - protoc-gen-go-grpc v1.6.2
// - protoc             v6.33.5
// source: inference/grpc_service.proto

package inference

import (
	context "context"
	grpc "google.golang.org/grpc"
	codes "google.golang.org/grpc/codes"
	status "google.golang.org/grpc/status"
)

// This is a compile-time assertion to ensure that this generated file
// is compatible with the grpc package it is being compiled against.
// Requires gRPC-Go v1.64.0 or later.
const _ = grpc.SupportPackageIsVersion9

const (
	GRPCInferenceService_ServerLive_FullMethodName            = "/inference.GRPCInferenceService/ServerLive"
	GRPCInferenceService_ServerReady_FullMethodName           = "/inference.GRPCInferenceService/ServerReady"
	GRPCInferenceService_ModelReady_FullMethodName            = "/inference.GRPCInferenceService/ModelReady"
	GRPCInferenceService_ServerMetadata_FullMethodName        = "/inference.GRPCInferenceService/ServerMetadata"
	GRPCInferenceService_ModelMetadata_FullMethodName         = "/inference.GRPCInferenceService/ModelMetadata"
	GRPCInferenceService_ModelInfer_FullMethodName            = "/inference.GRPCInferenceService/ModelInfer"
	GRPCInferenceService_ModelStreamInfer_FullMethodName      = "/inference.GRPCInferenceService/ModelStreamInfer"
	GRPCInferenceService_ModelConfig_FullMethodName           = "/inference.GRPCInferenceService/ModelConfig"
	GRPCInferenceService_ModelStatistics_FullMethodName       = "/inference.GRPCInferenceService/ModelStatistics"
	GRPCInferenceService_RepositoryIndex_FullMethodName       = "/inference.GRPCInferenceService/RepositoryIndex"
	GRPCInferenceService_RepositoryModelLoad_FullMethodName   = "/inference.GRPCInferenceService/RepositoryModelLoad"
	GRPCInferenceService_RepositoryModelUnload_FullMethodName = "/inference.GRPCInferenceService/RepositoryModelUnload"
)

// GRPCInferenceServiceClient is the client API for GRPCInferenceService service.
//
// For semantics around ctx use and closing/ending streaming RPCs, please refer to https://pkg.go.dev/google.golang.org/grpc/?tab=doc#ClientConn.NewStream.
//
// "Verb" names the permission the authorisation policy checks for the RPC;
// every RPC is authenticated first. ServerLive, ServerReady and
// ServerMetadata need authentication only.
type GRPCInferenceServiceClient interface {
	// Is the server process up? live=true whenever it can answer at all.
	ServerLive(ctx context.Context, in *ServerLiveRequest, opts ...grpc.CallOption) (*ServerLiveResponse, error)
	// Can the server take inference requests? ready=true while some model has
	// a healthy replica for every partition of every stage in the router's
	// routing table; false before the first routing table is built (the
	// registry has not answered yet) and whenever no model could serve.
	ServerReady(ctx context.Context, in *ServerReadyRequest, opts ...grpc.CallOption) (*ServerReadyResponse, error)
	// Can this model (version) serve now? Verb: metadata.
	// ready=false (status OK) when the model is known but loading, draining or
	// missing a healthy replica for some partition; NOT_FOUND when the model
	// or version is unknown.
	ModelReady(ctx context.Context, in *ModelReadyRequest, opts ...grpc.CallOption) (*ModelReadyResponse, error)
	// Server name, version and the protocol extensions served in full
	// (`extensions` below).
	ServerMetadata(ctx context.Context, in *ServerMetadataRequest, opts ...grpc.CallOption) (*ServerMetadataResponse, error)
	// A model's versions, platform and tensor signatures. Verb: metadata.
	// NOT_FOUND for an unknown model or version.
	ModelMetadata(ctx context.Context, in *ModelMetadataRequest, opts ...grpc.CallOption) (*ModelMetadataResponse, error)
	// One inference. Verb: infer. Any status in the table above.
	ModelInfer(ctx context.Context, in *ModelInferRequest, opts ...grpc.CallOption) (*ModelInferResponse, error)
	// Many inferences over one call (Triton's streaming form). Verb: infer.
	// Each request gets one response, in completion order (match them by
	// `id`). A request that fails on its own (bad tensor, unknown model, no
	// replica, permission, quota, byte budget) is answered with a
	// ModelStreamInferResponse whose error_message is set ("CODE: message",
	// CODE one of the statuses above) and whose infer_response carries only
	// the request's id and model_name, and the stream goes on; so is a message
	// that is not a ModelInferRequest at all (INVALID_ARGUMENT). Credentials
	// are checked once, when the stream opens; permission and quota per
	// request. The call itself ends with a status only for what concerns the
	// whole stream: UNAUTHENTICATED (credentials, at once), DEADLINE_EXCEEDED
	// (the call's deadline), CANCELLED (the client cancelled); otherwise OK,
	// once the client has half-closed and every request is answered.
	ModelStreamInfer(ctx context.Context, opts ...grpc.CallOption) (grpc.BidiStreamingClient[ModelInferRequest, ModelStreamInferResponse], error)
	// The model's configuration in Triton's form (the subset in
	// model_config.proto). Verb: metadata. NOT_FOUND for an unknown model.
	ModelConfig(ctx context.Context, in *ModelConfigRequest, opts ...grpc.CallOption) (*ModelConfigResponse, error)
	// Cumulative counters per model version. Verb: statistics. NOT_FOUND for
	// an unknown model or version; an empty name means every model.
	ModelStatistics(ctx context.Context, in *ModelStatisticsRequest, opts ...grpc.CallOption) (*ModelStatisticsResponse, error)
	// The models in the repository and their state. Verb: admin.
	RepositoryIndex(ctx context.Context, in *RepositoryIndexRequest, opts ...grpc.CallOption) (*RepositoryIndexResponse, error)
	// Sets the model's desired state to loaded in the model repository (Consul
	// KV, or the router's folder with the embedded registry;
	// docs/model-repository.md) and answers once it is recorded: it does not
	// wait for the model to be READY (poll ModelReady or RepositoryIndex). An
	// empty version then serves the newest READY version. Verb: admin, checked
	// first. NOT_FOUND when no version of the model is published;
	// INVALID_ARGUMENT for an empty model_name; UNAVAILABLE when the repository
	// could not record it (try again). `parameters` are ignored. Loading a
	// model that is loaded is OK and changes nothing.
	RepositoryModelLoad(ctx context.Context, in *RepositoryModelLoadRequest, opts ...grpc.CallOption) (*RepositoryModelLoadResponse, error)
	// Sets the model's desired state to unloaded, every version of it, and
	// answers once it is recorded. From then on the router sends the model no
	// new request: ModelInfer and ModelStreamInfer answer UNAVAILABLE ("...
	// is unloaded; RepositoryModelLoad serves it again"), as do ModelMetadata
	// and ModelConfig; ModelReady answers ready=false. Requests already
	// running finish. RepositoryIndex lists the model as UNAVAILABLE, reason
	// "unloaded". The shards serving its partitions are not stopped by this
	// call (until placement assigns partitions to workers, they are stopped
	// with SIGTERM and drain). Verb: admin, checked first. Errors as for
	// RepositoryModelLoad.
	RepositoryModelUnload(ctx context.Context, in *RepositoryModelUnloadRequest, opts ...grpc.CallOption) (*RepositoryModelUnloadResponse, error)
}

type gRPCInferenceServiceClient struct {
	cc grpc.ClientConnInterface
}

func NewGRPCInferenceServiceClient(cc grpc.ClientConnInterface) GRPCInferenceServiceClient {
	return &gRPCInferenceServiceClient{cc}
}

func (c *gRPCInferenceServiceClient) ServerLive(ctx context.Context, in *ServerLiveRequest, opts ...grpc.CallOption) (*ServerLiveResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(ServerLiveResponse)
	err := c.cc.Invoke(ctx, GRPCInferenceService_ServerLive_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *gRPCInferenceServiceClient) ServerReady(ctx context.Context, in *ServerReadyRequest, opts ...grpc.CallOption) (*ServerReadyResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(ServerReadyResponse)
	err := c.cc.Invoke(ctx, GRPCInferenceService_ServerReady_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *gRPCInferenceServiceClient) ModelReady(ctx context.Context, in *ModelReadyRequest, opts ...grpc.CallOption) (*ModelReadyResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(ModelReadyResponse)
	err := c.cc.Invoke(ctx, GRPCInferenceService_ModelReady_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *gRPCInferenceServiceClient) ServerMetadata(ctx context.Context, in *ServerMetadataRequest, opts ...grpc.CallOption) (*ServerMetadataResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(ServerMetadataResponse)
	err := c.cc.Invoke(ctx, GRPCInferenceService_ServerMetadata_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *gRPCInferenceServiceClient) ModelMetadata(ctx context.Context, in *ModelMetadataRequest, opts ...grpc.CallOption) (*ModelMetadataResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(ModelMetadataResponse)
	err := c.cc.Invoke(ctx, GRPCInferenceService_ModelMetadata_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *gRPCInferenceServiceClient) ModelInfer(ctx context.Context, in *ModelInferRequest, opts ...grpc.CallOption) (*ModelInferResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(ModelInferResponse)
	err := c.cc.Invoke(ctx, GRPCInferenceService_ModelInfer_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *gRPCInferenceServiceClient) ModelStreamInfer(ctx context.Context, opts ...grpc.CallOption) (grpc.BidiStreamingClient[ModelInferRequest, ModelStreamInferResponse], error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	stream, err := c.cc.NewStream(ctx, &GRPCInferenceService_ServiceDesc.Streams[0], GRPCInferenceService_ModelStreamInfer_FullMethodName, cOpts...)
	if err != nil {
		return nil, err
	}
	x := &grpc.GenericClientStream[ModelInferRequest, ModelStreamInferResponse]{ClientStream: stream}
	return x, nil
}

// This type alias is provided for backwards compatibility with existing code that references the prior non-generic stream type by name.
type GRPCInferenceService_ModelStreamInferClient = grpc.BidiStreamingClient[ModelInferRequest, ModelStreamInferResponse]

func (c *gRPCInferenceServiceClient) ModelConfig(ctx context.Context, in *ModelConfigRequest, opts ...grpc.CallOption) (*ModelConfigResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(ModelConfigResponse)
	err := c.cc.Invoke(ctx, GRPCInferenceService_ModelConfig_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *gRPCInferenceServiceClient) ModelStatistics(ctx context.Context, in *ModelStatisticsRequest, opts ...grpc.CallOption) (*ModelStatisticsResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(ModelStatisticsResponse)
	err := c.cc.Invoke(ctx, GRPCInferenceService_ModelStatistics_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *gRPCInferenceServiceClient) RepositoryIndex(ctx context.Context, in *RepositoryIndexRequest, opts ...grpc.CallOption) (*RepositoryIndexResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(RepositoryIndexResponse)
	err := c.cc.Invoke(ctx, GRPCInferenceService_RepositoryIndex_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *gRPCInferenceServiceClient) RepositoryModelLoad(ctx context.Context, in *RepositoryModelLoadRequest, opts ...grpc.CallOption) (*RepositoryModelLoadResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(RepositoryModelLoadResponse)
	err := c.cc.Invoke(ctx, GRPCInferenceService_RepositoryModelLoad_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *gRPCInferenceServiceClient) RepositoryModelUnload(ctx context.Context, in *RepositoryModelUnloadRequest, opts ...grpc.CallOption) (*RepositoryModelUnloadResponse, error) {
	cOpts := append([]grpc.CallOption{grpc.StaticMethod()}, opts...)
	out := new(RepositoryModelUnloadResponse)
	err := c.cc.Invoke(ctx, GRPCInferenceService_RepositoryModelUnload_FullMethodName, in, out, cOpts...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GRPCInferenceServiceServer is the server API for GRPCInferenceService service.
// All implementations must embed UnimplementedGRPCInferenceServiceServer
// for forward compatibility.
//
// "Verb" names the permission the authorisation policy checks for the RPC;
// every RPC is authenticated first. ServerLive, ServerReady and
// ServerMetadata need authentication only.
type GRPCInferenceServiceServer interface {
	// Is the server process up? live=true whenever it can answer at all.
	ServerLive(context.Context, *ServerLiveRequest) (*ServerLiveResponse, error)
	// Can the server take inference requests? ready=true while some model has
	// a healthy replica for every partition of every stage in the router's
	// routing table; false before the first routing table is built (the
	// registry has not answered yet) and whenever no model could serve.
	ServerReady(context.Context, *ServerReadyRequest) (*ServerReadyResponse, error)
	// Can this model (version) serve now? Verb: metadata.
	// ready=false (status OK) when the model is known but loading, draining or
	// missing a healthy replica for some partition; NOT_FOUND when the model
	// or version is unknown.
	ModelReady(context.Context, *ModelReadyRequest) (*ModelReadyResponse, error)
	// Server name, version and the protocol extensions served in full
	// (`extensions` below).
	ServerMetadata(context.Context, *ServerMetadataRequest) (*ServerMetadataResponse, error)
	// A model's versions, platform and tensor signatures. Verb: metadata.
	// NOT_FOUND for an unknown model or version.
	ModelMetadata(context.Context, *ModelMetadataRequest) (*ModelMetadataResponse, error)
	// One inference. Verb: infer. Any status in the table above.
	ModelInfer(context.Context, *ModelInferRequest) (*ModelInferResponse, error)
	// Many inferences over one call (Triton's streaming form). Verb: infer.
	// Each request gets one response, in completion order (match them by
	// `id`). A request that fails on its own (bad tensor, unknown model, no
	// replica, permission, quota, byte budget) is answered with a
	// ModelStreamInferResponse whose error_message is set ("CODE: message",
	// CODE one of the statuses above) and whose infer_response carries only
	// the request's id and model_name, and the stream goes on; so is a message
	// that is not a ModelInferRequest at all (INVALID_ARGUMENT). Credentials
	// are checked once, when the stream opens; permission and quota per
	// request. The call itself ends with a status only for what concerns the
	// whole stream: UNAUTHENTICATED (credentials, at once), DEADLINE_EXCEEDED
	// (the call's deadline), CANCELLED (the client cancelled); otherwise OK,
	// once the client has half-closed and every request is answered.
	ModelStreamInfer(grpc.BidiStreamingServer[ModelInferRequest, ModelStreamInferResponse]) error
	// The model's configuration in Triton's form (the subset in
	// model_config.proto). Verb: metadata. NOT_FOUND for an unknown model.
	ModelConfig(context.Context, *ModelConfigRequest) (*ModelConfigResponse, error)
	// Cumulative counters per model version. Verb: statistics. NOT_FOUND for
	// an unknown model or version; an empty name means every model.
	ModelStatistics(context.Context, *ModelStatisticsRequest) (*ModelStatisticsResponse, error)
	// The models in the repository and their state. Verb: admin.
	RepositoryIndex(context.Context, *RepositoryIndexRequest) (*RepositoryIndexResponse, error)
	// Sets the model's desired state to loaded in the model repository (Consul
	// KV, or the router's folder with the embedded registry;
	// docs/model-repository.md) and answers once it is recorded: it does not
	// wait for the model to be READY (poll ModelReady or RepositoryIndex). An
	// empty version then serves the newest READY version. Verb: admin, checked
	// first. NOT_FOUND when no version of the model is published;
	// INVALID_ARGUMENT for an empty model_name; UNAVAILABLE when the repository
	// could not record it (try again). `parameters` are ignored. Loading a
	// model that is loaded is OK and changes nothing.
	RepositoryModelLoad(context.Context, *RepositoryModelLoadRequest) (*RepositoryModelLoadResponse, error)
	// Sets the model's desired state to unloaded, every version of it, and
	// answers once it is recorded. From then on the router sends the model no
	// new request: ModelInfer and ModelStreamInfer answer UNAVAILABLE ("...
	// is unloaded; RepositoryModelLoad serves it again"), as do ModelMetadata
	// and ModelConfig; ModelReady answers ready=false. Requests already
	// running finish. RepositoryIndex lists the model as UNAVAILABLE, reason
	// "unloaded". The shards serving its partitions are not stopped by this
	// call (until placement assigns partitions to workers, they are stopped
	// with SIGTERM and drain). Verb: admin, checked first. Errors as for
	// RepositoryModelLoad.
	RepositoryModelUnload(context.Context, *RepositoryModelUnloadRequest) (*RepositoryModelUnloadResponse, error)
	mustEmbedUnimplementedGRPCInferenceServiceServer()
}

// UnimplementedGRPCInferenceServiceServer must be embedded to have
// forward compatible implementations.
//
// NOTE: this should be embedded by value instead of pointer to avoid a nil
// pointer dereference when methods are called.
type UnimplementedGRPCInferenceServiceServer struct{}

func (UnimplementedGRPCInferenceServiceServer) ServerLive(context.Context, *ServerLiveRequest) (*ServerLiveResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method ServerLive not implemented")
}
func (UnimplementedGRPCInferenceServiceServer) ServerReady(context.Context, *ServerReadyRequest) (*ServerReadyResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method ServerReady not implemented")
}
func (UnimplementedGRPCInferenceServiceServer) ModelReady(context.Context, *ModelReadyRequest) (*ModelReadyResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method ModelReady not implemented")
}
func (UnimplementedGRPCInferenceServiceServer) ServerMetadata(context.Context, *ServerMetadataRequest) (*ServerMetadataResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method ServerMetadata not implemented")
}
func (UnimplementedGRPCInferenceServiceServer) ModelMetadata(context.Context, *ModelMetadataRequest) (*ModelMetadataResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method ModelMetadata not implemented")
}
func (UnimplementedGRPCInferenceServiceServer) ModelInfer(context.Context, *ModelInferRequest) (*ModelInferResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method ModelInfer not implemented")
}
func (UnimplementedGRPCInferenceServiceServer) ModelStreamInfer(grpc.BidiStreamingServer[ModelInferRequest, ModelStreamInferResponse]) error {
	return status.Error(codes.Unimplemented, "method ModelStreamInfer not implemented")
}
func (UnimplementedGRPCInferenceServiceServer) ModelConfig(context.Context, *ModelConfigRequest) (*ModelConfigResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method ModelConfig not implemented")
}
func (UnimplementedGRPCInferenceServiceServer) ModelStatistics(context.Context, *ModelStatisticsRequest) (*ModelStatisticsResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method ModelStatistics not implemented")
}
func (UnimplementedGRPCInferenceServiceServer) RepositoryIndex(context.Context, *RepositoryIndexRequest) (*RepositoryIndexResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method RepositoryIndex not implemented")
}
func (UnimplementedGRPCInferenceServiceServer) RepositoryModelLoad(context.Context, *RepositoryModelLoadRequest) (*RepositoryModelLoadResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method RepositoryModelLoad not implemented")
}
func (UnimplementedGRPCInferenceServiceServer) RepositoryModelUnload(context.Context, *RepositoryModelUnloadRequest) (*RepositoryModelUnloadResponse, error) {
	return nil, status.Error(codes.Unimplemented, "method RepositoryModelUnload not implemented")
}
func (UnimplementedGRPCInferenceServiceServer) mustEmbedUnimplementedGRPCInferenceServiceServer() {}
func (UnimplementedGRPCInferenceServiceServer) testEmbeddedByValue()                              {}

// UnsafeGRPCInferenceServiceServer may be embedded to opt out of forward compatibility for this service.
// Use of this interface is not recommended, as added methods to GRPCInferenceServiceServer will
// result in compilation errors.
type UnsafeGRPCInferenceServiceServer interface {
	mustEmbedUnimplementedGRPCInferenceServiceServer()
}

func RegisterGRPCInferenceServiceServer(s grpc.ServiceRegistrar, srv GRPCInferenceServiceServer) {
	// If the following call panics, it indicates UnimplementedGRPCInferenceServiceServer was
	// embedded by pointer and is nil.  This will cause panics if an
	// unimplemented method is ever invoked, so we test this at initialization
	// time to prevent it from happening at runtime later due to I/O.
	if t, ok := srv.(interface{ testEmbeddedByValue() }); ok {
		t.testEmbeddedByValue()
	}
	s.RegisterService(&GRPCInferenceService_ServiceDesc, srv)
}

func _GRPCInferenceService_ServerLive_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(ServerLiveRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(GRPCInferenceServiceServer).ServerLive(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: GRPCInferenceService_ServerLive_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(GRPCInferenceServiceServer).ServerLive(ctx, req.(*ServerLiveRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _GRPCInferenceService_ServerReady_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(ServerReadyRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(GRPCInferenceServiceServer).ServerReady(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: GRPCInferenceService_ServerReady_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(GRPCInferenceServiceServer).ServerReady(ctx, req.(*ServerReadyRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _GRPCInferenceService_ModelReady_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(ModelReadyRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(GRPCInferenceServiceServer).ModelReady(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: GRPCInferenceService_ModelReady_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(GRPCInferenceServiceServer).ModelReady(ctx, req.(*ModelReadyRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _GRPCInferenceService_ServerMetadata_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(ServerMetadataRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(GRPCInferenceServiceServer).ServerMetadata(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: GRPCInferenceService_ServerMetadata_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(GRPCInferenceServiceServer).ServerMetadata(ctx, req.(*ServerMetadataRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _GRPCInferenceService_ModelMetadata_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(ModelMetadataRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(GRPCInferenceServiceServer).ModelMetadata(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: GRPCInferenceService_ModelMetadata_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(GRPCInferenceServiceServer).ModelMetadata(ctx, req.(*ModelMetadataRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _GRPCInferenceService_ModelInfer_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(ModelInferRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(GRPCInferenceServiceServer).ModelInfer(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: GRPCInferenceService_ModelInfer_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(GRPCInferenceServiceServer).ModelInfer(ctx, req.(*ModelInferRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _GRPCInferenceService_ModelStreamInfer_Handler(srv interface{}, stream grpc.ServerStream) error {
	return srv.(GRPCInferenceServiceServer).ModelStreamInfer(&grpc.GenericServerStream[ModelInferRequest, ModelStreamInferResponse]{ServerStream: stream})
}

// This type alias is provided for backwards compatibility with existing code that references the prior non-generic stream type by name.
type GRPCInferenceService_ModelStreamInferServer = grpc.BidiStreamingServer[ModelInferRequest, ModelStreamInferResponse]

func _GRPCInferenceService_ModelConfig_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(ModelConfigRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(GRPCInferenceServiceServer).ModelConfig(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: GRPCInferenceService_ModelConfig_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(GRPCInferenceServiceServer).ModelConfig(ctx, req.(*ModelConfigRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _GRPCInferenceService_ModelStatistics_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(ModelStatisticsRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(GRPCInferenceServiceServer).ModelStatistics(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: GRPCInferenceService_ModelStatistics_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(GRPCInferenceServiceServer).ModelStatistics(ctx, req.(*ModelStatisticsRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _GRPCInferenceService_RepositoryIndex_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(RepositoryIndexRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(GRPCInferenceServiceServer).RepositoryIndex(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: GRPCInferenceService_RepositoryIndex_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(GRPCInferenceServiceServer).RepositoryIndex(ctx, req.(*RepositoryIndexRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _GRPCInferenceService_RepositoryModelLoad_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(RepositoryModelLoadRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(GRPCInferenceServiceServer).RepositoryModelLoad(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: GRPCInferenceService_RepositoryModelLoad_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(GRPCInferenceServiceServer).RepositoryModelLoad(ctx, req.(*RepositoryModelLoadRequest))
	}
	return interceptor(ctx, in, info, handler)
}

func _GRPCInferenceService_RepositoryModelUnload_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(RepositoryModelUnloadRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(GRPCInferenceServiceServer).RepositoryModelUnload(ctx, in)
	}
	info := &grpc.UnaryServerInfo{
		Server:     srv,
		FullMethod: GRPCInferenceService_RepositoryModelUnload_FullMethodName,
	}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return srv.(GRPCInferenceServiceServer).RepositoryModelUnload(ctx, req.(*RepositoryModelUnloadRequest))
	}
	return interceptor(ctx, in, info, handler)
}

// GRPCInferenceService_ServiceDesc is the grpc.ServiceDesc for GRPCInferenceService service.
// It's only intended for direct use with grpc.RegisterService,
// and not to be introspected or modified (even as a copy)
var GRPCInferenceService_ServiceDesc = grpc.ServiceDesc{
	ServiceName: "inference.GRPCInferenceService",
	HandlerType: (*GRPCInferenceServiceServer)(nil),
	Methods: []grpc.MethodDesc{
		{
			MethodName: "ServerLive",
			Handler:    _GRPCInferenceService_ServerLive_Handler,
		},
		{
			MethodName: "ServerReady",
			Handler:    _GRPCInferenceService_ServerReady_Handler,
		},
		{
			MethodName: "ModelReady",
			Handler:    _GRPCInferenceService_ModelReady_Handler,
		},
		{
			MethodName: "ServerMetadata",
			Handler:    _GRPCInferenceService_ServerMetadata_Handler,
		},
		{
			MethodName: "ModelMetadata",
			Handler:    _GRPCInferenceService_ModelMetadata_Handler,
		},
		{
			MethodName: "ModelInfer",
			Handler:    _GRPCInferenceService_ModelInfer_Handler,
		},
		{
			MethodName: "ModelConfig",
			Handler:    _GRPCInferenceService_ModelConfig_Handler,
		},
		{
			MethodName: "ModelStatistics",
			Handler:    _GRPCInferenceService_ModelStatistics_Handler,
		},
		{
			MethodName: "RepositoryIndex",
			Handler:    _GRPCInferenceService_RepositoryIndex_Handler,
		},
		{
			MethodName: "RepositoryModelLoad",
			Handler:    _GRPCInferenceService_RepositoryModelLoad_Handler,
		},
		{
			MethodName: "RepositoryModelUnload",
			Handler:    _GRPCInferenceService_RepositoryModelUnload_Handler,
		},
	},
	Streams: []grpc.StreamDesc{
		{
			StreamName:    "ModelStreamInfer",
			Handler:       _GRPCInferenceService_ModelStreamInfer_Handler,
			ServerStreams: true,
			ClientStreams: true,
		},
	},
	Metadata: "inference/grpc_service.proto",
}
