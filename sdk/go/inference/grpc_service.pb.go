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

// Code generated by protoc-gen-go. DO NOT EDIT.
// versions:
// 	protoc-gen-go v1.36.12
// 	protoc        v6.33.5
// source: inference/grpc_service.proto

package inference

import (
	protoreflect "google.golang.org/protobuf/reflect/protoreflect"
	protoimpl "google.golang.org/protobuf/runtime/protoimpl"
	reflect "reflect"
	sync "sync"
	unsafe "unsafe"
)

const (
	// Verify that this generated code is sufficiently up-to-date.
	_ = protoimpl.EnforceVersion(20 - protoimpl.MinVersion)
	// Verify that runtime/protoimpl is sufficiently up-to-date.
	_ = protoimpl.EnforceVersion(protoimpl.MaxVersion - 20)
)

type ServerLiveRequest struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ServerLiveRequest) Reset() {
	*x = ServerLiveRequest{}
	mi := &file_inference_grpc_service_proto_msgTypes[0]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ServerLiveRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ServerLiveRequest) ProtoMessage() {}

func (x *ServerLiveRequest) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[0]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ServerLiveRequest.ProtoReflect.Descriptor instead.
func (*ServerLiveRequest) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{0}
}

type ServerLiveResponse struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	Live          bool                   `protobuf:"varint,1,opt,name=live,proto3" json:"live,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ServerLiveResponse) Reset() {
	*x = ServerLiveResponse{}
	mi := &file_inference_grpc_service_proto_msgTypes[1]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ServerLiveResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ServerLiveResponse) ProtoMessage() {}

func (x *ServerLiveResponse) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[1]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ServerLiveResponse.ProtoReflect.Descriptor instead.
func (*ServerLiveResponse) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{1}
}

func (x *ServerLiveResponse) GetLive() bool {
	if x != nil {
		return x.Live
	}
	return false
}

type ServerReadyRequest struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ServerReadyRequest) Reset() {
	*x = ServerReadyRequest{}
	mi := &file_inference_grpc_service_proto_msgTypes[2]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ServerReadyRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ServerReadyRequest) ProtoMessage() {}

func (x *ServerReadyRequest) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[2]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ServerReadyRequest.ProtoReflect.Descriptor instead.
func (*ServerReadyRequest) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{2}
}

type ServerReadyResponse struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	Ready         bool                   `protobuf:"varint,1,opt,name=ready,proto3" json:"ready,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ServerReadyResponse) Reset() {
	*x = ServerReadyResponse{}
	mi := &file_inference_grpc_service_proto_msgTypes[3]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ServerReadyResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ServerReadyResponse) ProtoMessage() {}

func (x *ServerReadyResponse) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[3]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ServerReadyResponse.ProtoReflect.Descriptor instead.
func (*ServerReadyResponse) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{3}
}

func (x *ServerReadyResponse) GetReady() bool {
	if x != nil {
		return x.Ready
	}
	return false
}

type ModelReadyRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	Name  string                 `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	// Empty: the version the server would pick for an inference.
	Version       string `protobuf:"bytes,2,opt,name=version,proto3" json:"version,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ModelReadyRequest) Reset() {
	*x = ModelReadyRequest{}
	mi := &file_inference_grpc_service_proto_msgTypes[4]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelReadyRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelReadyRequest) ProtoMessage() {}

func (x *ModelReadyRequest) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[4]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelReadyRequest.ProtoReflect.Descriptor instead.
func (*ModelReadyRequest) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{4}
}

func (x *ModelReadyRequest) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *ModelReadyRequest) GetVersion() string {
	if x != nil {
		return x.Version
	}
	return ""
}

type ModelReadyResponse struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	Ready         bool                   `protobuf:"varint,1,opt,name=ready,proto3" json:"ready,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ModelReadyResponse) Reset() {
	*x = ModelReadyResponse{}
	mi := &file_inference_grpc_service_proto_msgTypes[5]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelReadyResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelReadyResponse) ProtoMessage() {}

func (x *ModelReadyResponse) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[5]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelReadyResponse.ProtoReflect.Descriptor instead.
func (*ModelReadyResponse) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{5}
}

func (x *ModelReadyResponse) GetReady() bool {
	if x != nil {
		return x.Ready
	}
	return false
}

type ServerMetadataRequest struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ServerMetadataRequest) Reset() {
	*x = ServerMetadataRequest{}
	mi := &file_inference_grpc_service_proto_msgTypes[6]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ServerMetadataRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ServerMetadataRequest) ProtoMessage() {}

func (x *ServerMetadataRequest) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[6]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ServerMetadataRequest.ProtoReflect.Descriptor instead.
func (*ServerMetadataRequest) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{6}
}

type ServerMetadataResponse struct {
	state   protoimpl.MessageState `protogen:"open.v1"`
	Name    string                 `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	Version string                 `protobuf:"bytes,2,opt,name=version,proto3" json:"version,omitempty"`
	// Protocol extensions served in full, by Triton's names:
	// "model_configuration" (ModelConfig), "model_repository" (RepositoryIndex,
	// RepositoryModelLoad/Unload) and "statistics" (ModelStatistics).
	Extensions    []string `protobuf:"bytes,3,rep,name=extensions,proto3" json:"extensions,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ServerMetadataResponse) Reset() {
	*x = ServerMetadataResponse{}
	mi := &file_inference_grpc_service_proto_msgTypes[7]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ServerMetadataResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ServerMetadataResponse) ProtoMessage() {}

func (x *ServerMetadataResponse) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[7]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ServerMetadataResponse.ProtoReflect.Descriptor instead.
func (*ServerMetadataResponse) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{7}
}

func (x *ServerMetadataResponse) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *ServerMetadataResponse) GetVersion() string {
	if x != nil {
		return x.Version
	}
	return ""
}

func (x *ServerMetadataResponse) GetExtensions() []string {
	if x != nil {
		return x.Extensions
	}
	return nil
}

type ModelMetadataRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	Name  string                 `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	// Empty: the version the server would pick for an inference.
	Version       string `protobuf:"bytes,2,opt,name=version,proto3" json:"version,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ModelMetadataRequest) Reset() {
	*x = ModelMetadataRequest{}
	mi := &file_inference_grpc_service_proto_msgTypes[8]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelMetadataRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelMetadataRequest) ProtoMessage() {}

func (x *ModelMetadataRequest) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[8]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelMetadataRequest.ProtoReflect.Descriptor instead.
func (*ModelMetadataRequest) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{8}
}

func (x *ModelMetadataRequest) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *ModelMetadataRequest) GetVersion() string {
	if x != nil {
		return x.Version
	}
	return ""
}

type ModelMetadataResponse struct {
	state         protoimpl.MessageState                  `protogen:"open.v1"`
	Name          string                                  `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	Versions      []string                                `protobuf:"bytes,2,rep,name=versions,proto3" json:"versions,omitempty"`
	Platform      string                                  `protobuf:"bytes,3,opt,name=platform,proto3" json:"platform,omitempty"`
	Inputs        []*ModelMetadataResponse_TensorMetadata `protobuf:"bytes,4,rep,name=inputs,proto3" json:"inputs,omitempty"`
	Outputs       []*ModelMetadataResponse_TensorMetadata `protobuf:"bytes,5,rep,name=outputs,proto3" json:"outputs,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ModelMetadataResponse) Reset() {
	*x = ModelMetadataResponse{}
	mi := &file_inference_grpc_service_proto_msgTypes[9]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelMetadataResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelMetadataResponse) ProtoMessage() {}

func (x *ModelMetadataResponse) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[9]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelMetadataResponse.ProtoReflect.Descriptor instead.
func (*ModelMetadataResponse) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{9}
}

func (x *ModelMetadataResponse) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *ModelMetadataResponse) GetVersions() []string {
	if x != nil {
		return x.Versions
	}
	return nil
}

func (x *ModelMetadataResponse) GetPlatform() string {
	if x != nil {
		return x.Platform
	}
	return ""
}

func (x *ModelMetadataResponse) GetInputs() []*ModelMetadataResponse_TensorMetadata {
	if x != nil {
		return x.Inputs
	}
	return nil
}

func (x *ModelMetadataResponse) GetOutputs() []*ModelMetadataResponse_TensorMetadata {
	if x != nil {
		return x.Outputs
	}
	return nil
}

// A named parameter value, as carried in the `parameters` maps.
type InferParameter struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Types that are valid to be assigned to ParameterChoice:
	//
	//	*InferParameter_BoolParam
	//	*InferParameter_Int64Param
	//	*InferParameter_StringParam
	//	*InferParameter_DoubleParam
	//	*InferParameter_Uint64Param
	ParameterChoice isInferParameter_ParameterChoice `protobuf_oneof:"parameter_choice"`
	unknownFields   protoimpl.UnknownFields
	sizeCache       protoimpl.SizeCache
}

func (x *InferParameter) Reset() {
	*x = InferParameter{}
	mi := &file_inference_grpc_service_proto_msgTypes[10]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *InferParameter) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*InferParameter) ProtoMessage() {}

func (x *InferParameter) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[10]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use InferParameter.ProtoReflect.Descriptor instead.
func (*InferParameter) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{10}
}

func (x *InferParameter) GetParameterChoice() isInferParameter_ParameterChoice {
	if x != nil {
		return x.ParameterChoice
	}
	return nil
}

func (x *InferParameter) GetBoolParam() bool {
	if x != nil {
		if x, ok := x.ParameterChoice.(*InferParameter_BoolParam); ok {
			return x.BoolParam
		}
	}
	return false
}

func (x *InferParameter) GetInt64Param() int64 {
	if x != nil {
		if x, ok := x.ParameterChoice.(*InferParameter_Int64Param); ok {
			return x.Int64Param
		}
	}
	return 0
}

func (x *InferParameter) GetStringParam() string {
	if x != nil {
		if x, ok := x.ParameterChoice.(*InferParameter_StringParam); ok {
			return x.StringParam
		}
	}
	return ""
}

func (x *InferParameter) GetDoubleParam() float64 {
	if x != nil {
		if x, ok := x.ParameterChoice.(*InferParameter_DoubleParam); ok {
			return x.DoubleParam
		}
	}
	return 0
}

func (x *InferParameter) GetUint64Param() uint64 {
	if x != nil {
		if x, ok := x.ParameterChoice.(*InferParameter_Uint64Param); ok {
			return x.Uint64Param
		}
	}
	return 0
}

type isInferParameter_ParameterChoice interface {
	isInferParameter_ParameterChoice()
}

type InferParameter_BoolParam struct {
	BoolParam bool `protobuf:"varint,1,opt,name=bool_param,json=boolParam,proto3,oneof"`
}

type InferParameter_Int64Param struct {
	Int64Param int64 `protobuf:"varint,2,opt,name=int64_param,json=int64Param,proto3,oneof"`
}

type InferParameter_StringParam struct {
	StringParam string `protobuf:"bytes,3,opt,name=string_param,json=stringParam,proto3,oneof"`
}

type InferParameter_DoubleParam struct {
	DoubleParam float64 `protobuf:"fixed64,4,opt,name=double_param,json=doubleParam,proto3,oneof"`
}

type InferParameter_Uint64Param struct {
	Uint64Param uint64 `protobuf:"varint,5,opt,name=uint64_param,json=uint64Param,proto3,oneof"`
}

func (*InferParameter_BoolParam) isInferParameter_ParameterChoice() {}

func (*InferParameter_Int64Param) isInferParameter_ParameterChoice() {}

func (*InferParameter_StringParam) isInferParameter_ParameterChoice() {}

func (*InferParameter_DoubleParam) isInferParameter_ParameterChoice() {}

func (*InferParameter_Uint64Param) isInferParameter_ParameterChoice() {}

// Tensor elements in typed form: fill the one list that matches the tensor's
// datatype, flattened in row-major order. There is no typed form for FP16:
// it travels only as raw contents (INVALID_ARGUMENT otherwise). Protobuf cannot put repeated
// fields in a oneof, hence the separate lists.
type InferTensorContents struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// BOOL
	BoolContents []bool `protobuf:"varint,1,rep,packed,name=bool_contents,json=boolContents,proto3" json:"bool_contents,omitempty"`
	// INT8, INT16, INT32
	IntContents []int32 `protobuf:"varint,2,rep,packed,name=int_contents,json=intContents,proto3" json:"int_contents,omitempty"`
	// INT64
	Int64Contents []int64 `protobuf:"varint,3,rep,packed,name=int64_contents,json=int64Contents,proto3" json:"int64_contents,omitempty"`
	// UINT8, UINT16, UINT32
	UintContents []uint32 `protobuf:"varint,4,rep,packed,name=uint_contents,json=uintContents,proto3" json:"uint_contents,omitempty"`
	// UINT64
	Uint64Contents []uint64 `protobuf:"varint,5,rep,packed,name=uint64_contents,json=uint64Contents,proto3" json:"uint64_contents,omitempty"`
	// FP32
	Fp32Contents []float32 `protobuf:"fixed32,6,rep,packed,name=fp32_contents,json=fp32Contents,proto3" json:"fp32_contents,omitempty"`
	// FP64
	Fp64Contents []float64 `protobuf:"fixed64,7,rep,packed,name=fp64_contents,json=fp64Contents,proto3" json:"fp64_contents,omitempty"`
	// BYTES: one entry per element, without length prefixes
	BytesContents [][]byte `protobuf:"bytes,8,rep,name=bytes_contents,json=bytesContents,proto3" json:"bytes_contents,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *InferTensorContents) Reset() {
	*x = InferTensorContents{}
	mi := &file_inference_grpc_service_proto_msgTypes[11]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *InferTensorContents) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*InferTensorContents) ProtoMessage() {}

func (x *InferTensorContents) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[11]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use InferTensorContents.ProtoReflect.Descriptor instead.
func (*InferTensorContents) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{11}
}

func (x *InferTensorContents) GetBoolContents() []bool {
	if x != nil {
		return x.BoolContents
	}
	return nil
}

func (x *InferTensorContents) GetIntContents() []int32 {
	if x != nil {
		return x.IntContents
	}
	return nil
}

func (x *InferTensorContents) GetInt64Contents() []int64 {
	if x != nil {
		return x.Int64Contents
	}
	return nil
}

func (x *InferTensorContents) GetUintContents() []uint32 {
	if x != nil {
		return x.UintContents
	}
	return nil
}

func (x *InferTensorContents) GetUint64Contents() []uint64 {
	if x != nil {
		return x.Uint64Contents
	}
	return nil
}

func (x *InferTensorContents) GetFp32Contents() []float32 {
	if x != nil {
		return x.Fp32Contents
	}
	return nil
}

func (x *InferTensorContents) GetFp64Contents() []float64 {
	if x != nil {
		return x.Fp64Contents
	}
	return nil
}

func (x *InferTensorContents) GetBytesContents() [][]byte {
	if x != nil {
		return x.BytesContents
	}
	return nil
}

type ModelInferRequest struct {
	state     protoimpl.MessageState `protogen:"open.v1"`
	ModelName string                 `protobuf:"bytes,1,opt,name=model_name,json=modelName,proto3" json:"model_name,omitempty"`
	// Empty: the newest version that is READY (every partition of it has a
	// healthy replica), so a newly published version takes traffic only once
	// all of it can run; when no version is ready, the newest (which answers
	// UNAVAILABLE). A version given is served as long as it is published. One
	// request always runs on one version: all its partitions are of it. An
	// unloaded model answers UNAVAILABLE (see RepositoryModelUnload); an
	// unknown model or version NOT_FOUND.
	ModelVersion string `protobuf:"bytes,2,opt,name=model_version,json=modelVersion,proto3" json:"model_version,omitempty"`
	// Echoed in the response, so a streaming client can match answers.
	Id         string                                `protobuf:"bytes,3,opt,name=id,proto3" json:"id,omitempty"`
	Parameters map[string]*InferParameter            `protobuf:"bytes,4,rep,name=parameters,proto3" json:"parameters,omitempty" protobuf_key:"bytes,1,opt,name=key" protobuf_val:"bytes,2,opt,name=value"`
	Inputs     []*ModelInferRequest_InferInputTensor `protobuf:"bytes,5,rep,name=inputs,proto3" json:"inputs,omitempty"`
	// Which outputs to return; empty means all of the model's outputs.
	Outputs []*ModelInferRequest_InferRequestedOutputTensor `protobuf:"bytes,6,rep,name=outputs,proto3" json:"outputs,omitempty"`
	// One entry per input, in the order of `inputs` (see "Tensor data" above).
	RawInputContents [][]byte `protobuf:"bytes,7,rep,name=raw_input_contents,json=rawInputContents,proto3" json:"raw_input_contents,omitempty"`
	unknownFields    protoimpl.UnknownFields
	sizeCache        protoimpl.SizeCache
}

func (x *ModelInferRequest) Reset() {
	*x = ModelInferRequest{}
	mi := &file_inference_grpc_service_proto_msgTypes[12]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelInferRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelInferRequest) ProtoMessage() {}

func (x *ModelInferRequest) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[12]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelInferRequest.ProtoReflect.Descriptor instead.
func (*ModelInferRequest) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{12}
}

func (x *ModelInferRequest) GetModelName() string {
	if x != nil {
		return x.ModelName
	}
	return ""
}

func (x *ModelInferRequest) GetModelVersion() string {
	if x != nil {
		return x.ModelVersion
	}
	return ""
}

func (x *ModelInferRequest) GetId() string {
	if x != nil {
		return x.Id
	}
	return ""
}

func (x *ModelInferRequest) GetParameters() map[string]*InferParameter {
	if x != nil {
		return x.Parameters
	}
	return nil
}

func (x *ModelInferRequest) GetInputs() []*ModelInferRequest_InferInputTensor {
	if x != nil {
		return x.Inputs
	}
	return nil
}

func (x *ModelInferRequest) GetOutputs() []*ModelInferRequest_InferRequestedOutputTensor {
	if x != nil {
		return x.Outputs
	}
	return nil
}

func (x *ModelInferRequest) GetRawInputContents() [][]byte {
	if x != nil {
		return x.RawInputContents
	}
	return nil
}

type ModelInferResponse struct {
	state     protoimpl.MessageState `protogen:"open.v1"`
	ModelName string                 `protobuf:"bytes,1,opt,name=model_name,json=modelName,proto3" json:"model_name,omitempty"`
	// The version that actually served the request.
	ModelVersion string `protobuf:"bytes,2,opt,name=model_version,json=modelVersion,proto3" json:"model_version,omitempty"`
	// The request's id.
	Id         string                                  `protobuf:"bytes,3,opt,name=id,proto3" json:"id,omitempty"`
	Parameters map[string]*InferParameter              `protobuf:"bytes,4,rep,name=parameters,proto3" json:"parameters,omitempty" protobuf_key:"bytes,1,opt,name=key" protobuf_val:"bytes,2,opt,name=value"`
	Outputs    []*ModelInferResponse_InferOutputTensor `protobuf:"bytes,5,rep,name=outputs,proto3" json:"outputs,omitempty"`
	// One entry per output, in the order of `outputs`.
	RawOutputContents [][]byte `protobuf:"bytes,6,rep,name=raw_output_contents,json=rawOutputContents,proto3" json:"raw_output_contents,omitempty"`
	unknownFields     protoimpl.UnknownFields
	sizeCache         protoimpl.SizeCache
}

func (x *ModelInferResponse) Reset() {
	*x = ModelInferResponse{}
	mi := &file_inference_grpc_service_proto_msgTypes[13]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelInferResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelInferResponse) ProtoMessage() {}

func (x *ModelInferResponse) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[13]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelInferResponse.ProtoReflect.Descriptor instead.
func (*ModelInferResponse) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{13}
}

func (x *ModelInferResponse) GetModelName() string {
	if x != nil {
		return x.ModelName
	}
	return ""
}

func (x *ModelInferResponse) GetModelVersion() string {
	if x != nil {
		return x.ModelVersion
	}
	return ""
}

func (x *ModelInferResponse) GetId() string {
	if x != nil {
		return x.Id
	}
	return ""
}

func (x *ModelInferResponse) GetParameters() map[string]*InferParameter {
	if x != nil {
		return x.Parameters
	}
	return nil
}

func (x *ModelInferResponse) GetOutputs() []*ModelInferResponse_InferOutputTensor {
	if x != nil {
		return x.Outputs
	}
	return nil
}

func (x *ModelInferResponse) GetRawOutputContents() [][]byte {
	if x != nil {
		return x.RawOutputContents
	}
	return nil
}

// One answer on a ModelStreamInfer call: either an error for one request
// (error_message non-empty) or its result.
type ModelStreamInferResponse struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	ErrorMessage  string                 `protobuf:"bytes,1,opt,name=error_message,json=errorMessage,proto3" json:"error_message,omitempty"`
	InferResponse *ModelInferResponse    `protobuf:"bytes,2,opt,name=infer_response,json=inferResponse,proto3" json:"infer_response,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ModelStreamInferResponse) Reset() {
	*x = ModelStreamInferResponse{}
	mi := &file_inference_grpc_service_proto_msgTypes[14]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelStreamInferResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelStreamInferResponse) ProtoMessage() {}

func (x *ModelStreamInferResponse) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[14]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelStreamInferResponse.ProtoReflect.Descriptor instead.
func (*ModelStreamInferResponse) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{14}
}

func (x *ModelStreamInferResponse) GetErrorMessage() string {
	if x != nil {
		return x.ErrorMessage
	}
	return ""
}

func (x *ModelStreamInferResponse) GetInferResponse() *ModelInferResponse {
	if x != nil {
		return x.InferResponse
	}
	return nil
}

type ModelConfigRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	Name  string                 `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	// Empty: the version the server would pick for an inference.
	Version       string `protobuf:"bytes,2,opt,name=version,proto3" json:"version,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ModelConfigRequest) Reset() {
	*x = ModelConfigRequest{}
	mi := &file_inference_grpc_service_proto_msgTypes[15]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelConfigRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelConfigRequest) ProtoMessage() {}

func (x *ModelConfigRequest) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[15]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelConfigRequest.ProtoReflect.Descriptor instead.
func (*ModelConfigRequest) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{15}
}

func (x *ModelConfigRequest) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *ModelConfigRequest) GetVersion() string {
	if x != nil {
		return x.Version
	}
	return ""
}

type ModelConfigResponse struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	Config        *ModelConfig           `protobuf:"bytes,1,opt,name=config,proto3" json:"config,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ModelConfigResponse) Reset() {
	*x = ModelConfigResponse{}
	mi := &file_inference_grpc_service_proto_msgTypes[16]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelConfigResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelConfigResponse) ProtoMessage() {}

func (x *ModelConfigResponse) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[16]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelConfigResponse.ProtoReflect.Descriptor instead.
func (*ModelConfigResponse) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{16}
}

func (x *ModelConfigResponse) GetConfig() *ModelConfig {
	if x != nil {
		return x.Config
	}
	return nil
}

type ModelStatisticsRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Empty: every model.
	Name string `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	// Empty: every version.
	Version       string `protobuf:"bytes,2,opt,name=version,proto3" json:"version,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ModelStatisticsRequest) Reset() {
	*x = ModelStatisticsRequest{}
	mi := &file_inference_grpc_service_proto_msgTypes[17]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelStatisticsRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelStatisticsRequest) ProtoMessage() {}

func (x *ModelStatisticsRequest) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[17]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelStatisticsRequest.ProtoReflect.Descriptor instead.
func (*ModelStatisticsRequest) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{17}
}

func (x *ModelStatisticsRequest) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *ModelStatisticsRequest) GetVersion() string {
	if x != nil {
		return x.Version
	}
	return ""
}

// How many times something happened and how long it took in total.
type StatisticDuration struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	Count         uint64                 `protobuf:"varint,1,opt,name=count,proto3" json:"count,omitempty"`
	Ns            uint64                 `protobuf:"varint,2,opt,name=ns,proto3" json:"ns,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *StatisticDuration) Reset() {
	*x = StatisticDuration{}
	mi := &file_inference_grpc_service_proto_msgTypes[18]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *StatisticDuration) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*StatisticDuration) ProtoMessage() {}

func (x *StatisticDuration) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[18]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use StatisticDuration.ProtoReflect.Descriptor instead.
func (*StatisticDuration) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{18}
}

func (x *StatisticDuration) GetCount() uint64 {
	if x != nil {
		return x.Count
	}
	return 0
}

func (x *StatisticDuration) GetNs() uint64 {
	if x != nil {
		return x.Ns
	}
	return 0
}

// success and fail: count and total time of each request. The phases count
// each successful request once, in the order it passes them (which is not
// Triton's: the router checks inputs before a request may queue for a batch).
type InferStatistics struct {
	state   protoimpl.MessageState `protogen:"open.v1"`
	Success *StatisticDuration     `protobuf:"bytes,1,opt,name=success,proto3" json:"success,omitempty"`
	Fail    *StatisticDuration     `protobuf:"bytes,2,opt,name=fail,proto3" json:"fail,omitempty"`
	// From the end of input checks to the start of the request's execution: a
	// dynamic batch filling, else next to nothing.
	Queue *StatisticDuration `protobuf:"bytes,3,opt,name=queue,proto3" json:"queue,omitempty"`
	// Decoding and checking the request's inputs.
	ComputeInput *StatisticDuration `protobuf:"bytes,4,opt,name=compute_input,json=computeInput,proto3" json:"compute_input,omitempty"`
	// The execution: every stage's scatter, shard calls and gather (for a
	// batched request, its batch's execution).
	ComputeInfer *StatisticDuration `protobuf:"bytes,5,opt,name=compute_infer,json=computeInfer,proto3" json:"compute_infer,omitempty"`
	// Building the answer from the merged outputs.
	ComputeOutput *StatisticDuration `protobuf:"bytes,6,opt,name=compute_output,json=computeOutput,proto3" json:"compute_output,omitempty"`
	// Response-cache figures; shardmesh has no cache and leaves them zero.
	CacheHit      *StatisticDuration `protobuf:"bytes,7,opt,name=cache_hit,json=cacheHit,proto3" json:"cache_hit,omitempty"`
	CacheMiss     *StatisticDuration `protobuf:"bytes,8,opt,name=cache_miss,json=cacheMiss,proto3" json:"cache_miss,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *InferStatistics) Reset() {
	*x = InferStatistics{}
	mi := &file_inference_grpc_service_proto_msgTypes[19]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *InferStatistics) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*InferStatistics) ProtoMessage() {}

func (x *InferStatistics) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[19]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use InferStatistics.ProtoReflect.Descriptor instead.
func (*InferStatistics) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{19}
}

func (x *InferStatistics) GetSuccess() *StatisticDuration {
	if x != nil {
		return x.Success
	}
	return nil
}

func (x *InferStatistics) GetFail() *StatisticDuration {
	if x != nil {
		return x.Fail
	}
	return nil
}

func (x *InferStatistics) GetQueue() *StatisticDuration {
	if x != nil {
		return x.Queue
	}
	return nil
}

func (x *InferStatistics) GetComputeInput() *StatisticDuration {
	if x != nil {
		return x.ComputeInput
	}
	return nil
}

func (x *InferStatistics) GetComputeInfer() *StatisticDuration {
	if x != nil {
		return x.ComputeInfer
	}
	return nil
}

func (x *InferStatistics) GetComputeOutput() *StatisticDuration {
	if x != nil {
		return x.ComputeOutput
	}
	return nil
}

func (x *InferStatistics) GetCacheHit() *StatisticDuration {
	if x != nil {
		return x.CacheHit
	}
	return nil
}

func (x *InferStatistics) GetCacheMiss() *StatisticDuration {
	if x != nil {
		return x.CacheMiss
	}
	return nil
}

// Per-response figures of decoupled models. shardmesh models are not
// decoupled; the message exists so ModelStatistics.response_stats decodes.
type InferResponseStatistics struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	ComputeInfer  *StatisticDuration     `protobuf:"bytes,1,opt,name=compute_infer,json=computeInfer,proto3" json:"compute_infer,omitempty"`
	ComputeOutput *StatisticDuration     `protobuf:"bytes,2,opt,name=compute_output,json=computeOutput,proto3" json:"compute_output,omitempty"`
	Success       *StatisticDuration     `protobuf:"bytes,3,opt,name=success,proto3" json:"success,omitempty"`
	Fail          *StatisticDuration     `protobuf:"bytes,4,opt,name=fail,proto3" json:"fail,omitempty"`
	EmptyResponse *StatisticDuration     `protobuf:"bytes,5,opt,name=empty_response,json=emptyResponse,proto3" json:"empty_response,omitempty"`
	Cancel        *StatisticDuration     `protobuf:"bytes,6,opt,name=cancel,proto3" json:"cancel,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *InferResponseStatistics) Reset() {
	*x = InferResponseStatistics{}
	mi := &file_inference_grpc_service_proto_msgTypes[20]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *InferResponseStatistics) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*InferResponseStatistics) ProtoMessage() {}

func (x *InferResponseStatistics) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[20]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use InferResponseStatistics.ProtoReflect.Descriptor instead.
func (*InferResponseStatistics) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{20}
}

func (x *InferResponseStatistics) GetComputeInfer() *StatisticDuration {
	if x != nil {
		return x.ComputeInfer
	}
	return nil
}

func (x *InferResponseStatistics) GetComputeOutput() *StatisticDuration {
	if x != nil {
		return x.ComputeOutput
	}
	return nil
}

func (x *InferResponseStatistics) GetSuccess() *StatisticDuration {
	if x != nil {
		return x.Success
	}
	return nil
}

func (x *InferResponseStatistics) GetFail() *StatisticDuration {
	if x != nil {
		return x.Fail
	}
	return nil
}

func (x *InferResponseStatistics) GetEmptyResponse() *StatisticDuration {
	if x != nil {
		return x.EmptyResponse
	}
	return nil
}

func (x *InferResponseStatistics) GetCancel() *StatisticDuration {
	if x != nil {
		return x.Cancel
	}
	return nil
}

// Figures for executions of one batch size. shardmesh fills compute_infer
// (the whole execution: every stage, scatter and gather included) and leaves
// compute_input and compute_output zero.
type InferBatchStatistics struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	BatchSize     uint64                 `protobuf:"varint,1,opt,name=batch_size,json=batchSize,proto3" json:"batch_size,omitempty"`
	ComputeInput  *StatisticDuration     `protobuf:"bytes,2,opt,name=compute_input,json=computeInput,proto3" json:"compute_input,omitempty"`
	ComputeInfer  *StatisticDuration     `protobuf:"bytes,3,opt,name=compute_infer,json=computeInfer,proto3" json:"compute_infer,omitempty"`
	ComputeOutput *StatisticDuration     `protobuf:"bytes,4,opt,name=compute_output,json=computeOutput,proto3" json:"compute_output,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *InferBatchStatistics) Reset() {
	*x = InferBatchStatistics{}
	mi := &file_inference_grpc_service_proto_msgTypes[21]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *InferBatchStatistics) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*InferBatchStatistics) ProtoMessage() {}

func (x *InferBatchStatistics) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[21]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use InferBatchStatistics.ProtoReflect.Descriptor instead.
func (*InferBatchStatistics) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{21}
}

func (x *InferBatchStatistics) GetBatchSize() uint64 {
	if x != nil {
		return x.BatchSize
	}
	return 0
}

func (x *InferBatchStatistics) GetComputeInput() *StatisticDuration {
	if x != nil {
		return x.ComputeInput
	}
	return nil
}

func (x *InferBatchStatistics) GetComputeInfer() *StatisticDuration {
	if x != nil {
		return x.ComputeInfer
	}
	return nil
}

func (x *InferBatchStatistics) GetComputeOutput() *StatisticDuration {
	if x != nil {
		return x.ComputeOutput
	}
	return nil
}

// Memory a loaded model holds. shardmesh reports none (memory_usage stays
// empty): the memory is the shards', not the router's.
type MemoryUsage struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// "CPU", "CPU_PINNED" or "GPU".
	Type string `protobuf:"bytes,1,opt,name=type,proto3" json:"type,omitempty"`
	// Device id within that type.
	Id            int64  `protobuf:"varint,2,opt,name=id,proto3" json:"id,omitempty"`
	ByteSize      uint64 `protobuf:"varint,3,opt,name=byte_size,json=byteSize,proto3" json:"byte_size,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *MemoryUsage) Reset() {
	*x = MemoryUsage{}
	mi := &file_inference_grpc_service_proto_msgTypes[22]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *MemoryUsage) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*MemoryUsage) ProtoMessage() {}

func (x *MemoryUsage) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[22]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use MemoryUsage.ProtoReflect.Descriptor instead.
func (*MemoryUsage) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{22}
}

func (x *MemoryUsage) GetType() string {
	if x != nil {
		return x.Type
	}
	return ""
}

func (x *MemoryUsage) GetId() int64 {
	if x != nil {
		return x.Id
	}
	return 0
}

func (x *MemoryUsage) GetByteSize() uint64 {
	if x != nil {
		return x.ByteSize
	}
	return 0
}

type ModelStatistics struct {
	state   protoimpl.MessageState `protogen:"open.v1"`
	Name    string                 `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	Version string                 `protobuf:"bytes,2,opt,name=version,proto3" json:"version,omitempty"`
	// Milliseconds since the Unix epoch; 0 if never.
	LastInference uint64 `protobuf:"varint,3,opt,name=last_inference,json=lastInference,proto3" json:"last_inference,omitempty"`
	// Successful inferences, counting each batch element.
	InferenceCount uint64 `protobuf:"varint,4,opt,name=inference_count,json=inferenceCount,proto3" json:"inference_count,omitempty"`
	// Successful executions: one per request, or one per batch of requests
	// when the plan turns dynamic batching on.
	ExecutionCount uint64                              `protobuf:"varint,5,opt,name=execution_count,json=executionCount,proto3" json:"execution_count,omitempty"`
	InferenceStats *InferStatistics                    `protobuf:"bytes,6,opt,name=inference_stats,json=inferenceStats,proto3" json:"inference_stats,omitempty"`
	BatchStats     []*InferBatchStatistics             `protobuf:"bytes,7,rep,name=batch_stats,json=batchStats,proto3" json:"batch_stats,omitempty"`
	MemoryUsage    []*MemoryUsage                      `protobuf:"bytes,8,rep,name=memory_usage,json=memoryUsage,proto3" json:"memory_usage,omitempty"`
	ResponseStats  map[string]*InferResponseStatistics `protobuf:"bytes,9,rep,name=response_stats,json=responseStats,proto3" json:"response_stats,omitempty" protobuf_key:"bytes,1,opt,name=key" protobuf_val:"bytes,2,opt,name=value"`
	unknownFields  protoimpl.UnknownFields
	sizeCache      protoimpl.SizeCache
}

func (x *ModelStatistics) Reset() {
	*x = ModelStatistics{}
	mi := &file_inference_grpc_service_proto_msgTypes[23]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelStatistics) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelStatistics) ProtoMessage() {}

func (x *ModelStatistics) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[23]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelStatistics.ProtoReflect.Descriptor instead.
func (*ModelStatistics) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{23}
}

func (x *ModelStatistics) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *ModelStatistics) GetVersion() string {
	if x != nil {
		return x.Version
	}
	return ""
}

func (x *ModelStatistics) GetLastInference() uint64 {
	if x != nil {
		return x.LastInference
	}
	return 0
}

func (x *ModelStatistics) GetInferenceCount() uint64 {
	if x != nil {
		return x.InferenceCount
	}
	return 0
}

func (x *ModelStatistics) GetExecutionCount() uint64 {
	if x != nil {
		return x.ExecutionCount
	}
	return 0
}

func (x *ModelStatistics) GetInferenceStats() *InferStatistics {
	if x != nil {
		return x.InferenceStats
	}
	return nil
}

func (x *ModelStatistics) GetBatchStats() []*InferBatchStatistics {
	if x != nil {
		return x.BatchStats
	}
	return nil
}

func (x *ModelStatistics) GetMemoryUsage() []*MemoryUsage {
	if x != nil {
		return x.MemoryUsage
	}
	return nil
}

func (x *ModelStatistics) GetResponseStats() map[string]*InferResponseStatistics {
	if x != nil {
		return x.ResponseStats
	}
	return nil
}

type ModelStatisticsResponse struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	ModelStats    []*ModelStatistics     `protobuf:"bytes,1,rep,name=model_stats,json=modelStats,proto3" json:"model_stats,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ModelStatisticsResponse) Reset() {
	*x = ModelStatisticsResponse{}
	mi := &file_inference_grpc_service_proto_msgTypes[24]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelStatisticsResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelStatisticsResponse) ProtoMessage() {}

func (x *ModelStatisticsResponse) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[24]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelStatisticsResponse.ProtoReflect.Descriptor instead.
func (*ModelStatisticsResponse) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{24}
}

func (x *ModelStatisticsResponse) GetModelStats() []*ModelStatistics {
	if x != nil {
		return x.ModelStats
	}
	return nil
}

// A parameter of a load or unload request. Note bytes_param: this is NOT the
// same oneof as InferParameter, although the first three fields match.
type ModelRepositoryParameter struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Types that are valid to be assigned to ParameterChoice:
	//
	//	*ModelRepositoryParameter_BoolParam
	//	*ModelRepositoryParameter_Int64Param
	//	*ModelRepositoryParameter_StringParam
	//	*ModelRepositoryParameter_BytesParam
	ParameterChoice isModelRepositoryParameter_ParameterChoice `protobuf_oneof:"parameter_choice"`
	unknownFields   protoimpl.UnknownFields
	sizeCache       protoimpl.SizeCache
}

func (x *ModelRepositoryParameter) Reset() {
	*x = ModelRepositoryParameter{}
	mi := &file_inference_grpc_service_proto_msgTypes[25]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelRepositoryParameter) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelRepositoryParameter) ProtoMessage() {}

func (x *ModelRepositoryParameter) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[25]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelRepositoryParameter.ProtoReflect.Descriptor instead.
func (*ModelRepositoryParameter) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{25}
}

func (x *ModelRepositoryParameter) GetParameterChoice() isModelRepositoryParameter_ParameterChoice {
	if x != nil {
		return x.ParameterChoice
	}
	return nil
}

func (x *ModelRepositoryParameter) GetBoolParam() bool {
	if x != nil {
		if x, ok := x.ParameterChoice.(*ModelRepositoryParameter_BoolParam); ok {
			return x.BoolParam
		}
	}
	return false
}

func (x *ModelRepositoryParameter) GetInt64Param() int64 {
	if x != nil {
		if x, ok := x.ParameterChoice.(*ModelRepositoryParameter_Int64Param); ok {
			return x.Int64Param
		}
	}
	return 0
}

func (x *ModelRepositoryParameter) GetStringParam() string {
	if x != nil {
		if x, ok := x.ParameterChoice.(*ModelRepositoryParameter_StringParam); ok {
			return x.StringParam
		}
	}
	return ""
}

func (x *ModelRepositoryParameter) GetBytesParam() []byte {
	if x != nil {
		if x, ok := x.ParameterChoice.(*ModelRepositoryParameter_BytesParam); ok {
			return x.BytesParam
		}
	}
	return nil
}

type isModelRepositoryParameter_ParameterChoice interface {
	isModelRepositoryParameter_ParameterChoice()
}

type ModelRepositoryParameter_BoolParam struct {
	BoolParam bool `protobuf:"varint,1,opt,name=bool_param,json=boolParam,proto3,oneof"`
}

type ModelRepositoryParameter_Int64Param struct {
	Int64Param int64 `protobuf:"varint,2,opt,name=int64_param,json=int64Param,proto3,oneof"`
}

type ModelRepositoryParameter_StringParam struct {
	StringParam string `protobuf:"bytes,3,opt,name=string_param,json=stringParam,proto3,oneof"`
}

type ModelRepositoryParameter_BytesParam struct {
	BytesParam []byte `protobuf:"bytes,4,opt,name=bytes_param,json=bytesParam,proto3,oneof"`
}

func (*ModelRepositoryParameter_BoolParam) isModelRepositoryParameter_ParameterChoice() {}

func (*ModelRepositoryParameter_Int64Param) isModelRepositoryParameter_ParameterChoice() {}

func (*ModelRepositoryParameter_StringParam) isModelRepositoryParameter_ParameterChoice() {}

func (*ModelRepositoryParameter_BytesParam) isModelRepositoryParameter_ParameterChoice() {}

type RepositoryIndexRequest struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	// Ignored: shardmesh has one repository, Consul KV with a Consul registry
	// or the router's --models folder with the embedded one; the router
	// watches it, so the index is as fresh as that watch.
	RepositoryName string `protobuf:"bytes,1,opt,name=repository_name,json=repositoryName,proto3" json:"repository_name,omitempty"`
	// True: list only models that are ready.
	Ready         bool `protobuf:"varint,2,opt,name=ready,proto3" json:"ready,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *RepositoryIndexRequest) Reset() {
	*x = RepositoryIndexRequest{}
	mi := &file_inference_grpc_service_proto_msgTypes[26]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *RepositoryIndexRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*RepositoryIndexRequest) ProtoMessage() {}

func (x *RepositoryIndexRequest) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[26]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use RepositoryIndexRequest.ProtoReflect.Descriptor instead.
func (*RepositoryIndexRequest) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{26}
}

func (x *RepositoryIndexRequest) GetRepositoryName() string {
	if x != nil {
		return x.RepositoryName
	}
	return ""
}

func (x *RepositoryIndexRequest) GetReady() bool {
	if x != nil {
		return x.Ready
	}
	return false
}

type RepositoryIndexResponse struct {
	state         protoimpl.MessageState                `protogen:"open.v1"`
	Models        []*RepositoryIndexResponse_ModelIndex `protobuf:"bytes,1,rep,name=models,proto3" json:"models,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *RepositoryIndexResponse) Reset() {
	*x = RepositoryIndexResponse{}
	mi := &file_inference_grpc_service_proto_msgTypes[27]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *RepositoryIndexResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*RepositoryIndexResponse) ProtoMessage() {}

func (x *RepositoryIndexResponse) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[27]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use RepositoryIndexResponse.ProtoReflect.Descriptor instead.
func (*RepositoryIndexResponse) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{27}
}

func (x *RepositoryIndexResponse) GetModels() []*RepositoryIndexResponse_ModelIndex {
	if x != nil {
		return x.Models
	}
	return nil
}

type RepositoryModelLoadRequest struct {
	state          protoimpl.MessageState               `protogen:"open.v1"`
	RepositoryName string                               `protobuf:"bytes,1,opt,name=repository_name,json=repositoryName,proto3" json:"repository_name,omitempty"`
	ModelName      string                               `protobuf:"bytes,2,opt,name=model_name,json=modelName,proto3" json:"model_name,omitempty"`
	Parameters     map[string]*ModelRepositoryParameter `protobuf:"bytes,3,rep,name=parameters,proto3" json:"parameters,omitempty" protobuf_key:"bytes,1,opt,name=key" protobuf_val:"bytes,2,opt,name=value"`
	unknownFields  protoimpl.UnknownFields
	sizeCache      protoimpl.SizeCache
}

func (x *RepositoryModelLoadRequest) Reset() {
	*x = RepositoryModelLoadRequest{}
	mi := &file_inference_grpc_service_proto_msgTypes[28]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *RepositoryModelLoadRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*RepositoryModelLoadRequest) ProtoMessage() {}

func (x *RepositoryModelLoadRequest) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[28]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use RepositoryModelLoadRequest.ProtoReflect.Descriptor instead.
func (*RepositoryModelLoadRequest) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{28}
}

func (x *RepositoryModelLoadRequest) GetRepositoryName() string {
	if x != nil {
		return x.RepositoryName
	}
	return ""
}

func (x *RepositoryModelLoadRequest) GetModelName() string {
	if x != nil {
		return x.ModelName
	}
	return ""
}

func (x *RepositoryModelLoadRequest) GetParameters() map[string]*ModelRepositoryParameter {
	if x != nil {
		return x.Parameters
	}
	return nil
}

type RepositoryModelLoadResponse struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *RepositoryModelLoadResponse) Reset() {
	*x = RepositoryModelLoadResponse{}
	mi := &file_inference_grpc_service_proto_msgTypes[29]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *RepositoryModelLoadResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*RepositoryModelLoadResponse) ProtoMessage() {}

func (x *RepositoryModelLoadResponse) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[29]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use RepositoryModelLoadResponse.ProtoReflect.Descriptor instead.
func (*RepositoryModelLoadResponse) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{29}
}

type RepositoryModelUnloadRequest struct {
	state          protoimpl.MessageState               `protogen:"open.v1"`
	RepositoryName string                               `protobuf:"bytes,1,opt,name=repository_name,json=repositoryName,proto3" json:"repository_name,omitempty"`
	ModelName      string                               `protobuf:"bytes,2,opt,name=model_name,json=modelName,proto3" json:"model_name,omitempty"`
	Parameters     map[string]*ModelRepositoryParameter `protobuf:"bytes,3,rep,name=parameters,proto3" json:"parameters,omitempty" protobuf_key:"bytes,1,opt,name=key" protobuf_val:"bytes,2,opt,name=value"`
	unknownFields  protoimpl.UnknownFields
	sizeCache      protoimpl.SizeCache
}

func (x *RepositoryModelUnloadRequest) Reset() {
	*x = RepositoryModelUnloadRequest{}
	mi := &file_inference_grpc_service_proto_msgTypes[30]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *RepositoryModelUnloadRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*RepositoryModelUnloadRequest) ProtoMessage() {}

func (x *RepositoryModelUnloadRequest) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[30]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use RepositoryModelUnloadRequest.ProtoReflect.Descriptor instead.
func (*RepositoryModelUnloadRequest) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{30}
}

func (x *RepositoryModelUnloadRequest) GetRepositoryName() string {
	if x != nil {
		return x.RepositoryName
	}
	return ""
}

func (x *RepositoryModelUnloadRequest) GetModelName() string {
	if x != nil {
		return x.ModelName
	}
	return ""
}

func (x *RepositoryModelUnloadRequest) GetParameters() map[string]*ModelRepositoryParameter {
	if x != nil {
		return x.Parameters
	}
	return nil
}

type RepositoryModelUnloadResponse struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *RepositoryModelUnloadResponse) Reset() {
	*x = RepositoryModelUnloadResponse{}
	mi := &file_inference_grpc_service_proto_msgTypes[31]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *RepositoryModelUnloadResponse) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*RepositoryModelUnloadResponse) ProtoMessage() {}

func (x *RepositoryModelUnloadResponse) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[31]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use RepositoryModelUnloadResponse.ProtoReflect.Descriptor instead.
func (*RepositoryModelUnloadResponse) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{31}
}

type ModelMetadataResponse_TensorMetadata struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	Name  string                 `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	// Protocol datatype string; shardmesh's models use BOOL, UINT8..UINT64,
	// INT8..INT64, FP16, FP32, FP64 (see "Tensor data" above).
	Datatype string `protobuf:"bytes,2,opt,name=datatype,proto3" json:"datatype,omitempty"`
	// Full shape, batch dimension included; -1 marks a variable dimension.
	Shape         []int64 `protobuf:"varint,3,rep,packed,name=shape,proto3" json:"shape,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ModelMetadataResponse_TensorMetadata) Reset() {
	*x = ModelMetadataResponse_TensorMetadata{}
	mi := &file_inference_grpc_service_proto_msgTypes[32]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelMetadataResponse_TensorMetadata) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelMetadataResponse_TensorMetadata) ProtoMessage() {}

func (x *ModelMetadataResponse_TensorMetadata) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[32]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelMetadataResponse_TensorMetadata.ProtoReflect.Descriptor instead.
func (*ModelMetadataResponse_TensorMetadata) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{9, 0}
}

func (x *ModelMetadataResponse_TensorMetadata) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *ModelMetadataResponse_TensorMetadata) GetDatatype() string {
	if x != nil {
		return x.Datatype
	}
	return ""
}

func (x *ModelMetadataResponse_TensorMetadata) GetShape() []int64 {
	if x != nil {
		return x.Shape
	}
	return nil
}

type ModelInferRequest_InferInputTensor struct {
	state protoimpl.MessageState `protogen:"open.v1"`
	Name  string                 `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	// Protocol datatype string, as in TensorMetadata.datatype.
	Datatype string `protobuf:"bytes,2,opt,name=datatype,proto3" json:"datatype,omitempty"`
	// Full shape of this tensor, batch dimension included.
	Shape      []int64                    `protobuf:"varint,3,rep,packed,name=shape,proto3" json:"shape,omitempty"`
	Parameters map[string]*InferParameter `protobuf:"bytes,4,rep,name=parameters,proto3" json:"parameters,omitempty" protobuf_key:"bytes,1,opt,name=key" protobuf_val:"bytes,2,opt,name=value"`
	// Typed contents; leave unset when raw_input_contents is used.
	Contents      *InferTensorContents `protobuf:"bytes,5,opt,name=contents,proto3" json:"contents,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ModelInferRequest_InferInputTensor) Reset() {
	*x = ModelInferRequest_InferInputTensor{}
	mi := &file_inference_grpc_service_proto_msgTypes[33]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelInferRequest_InferInputTensor) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelInferRequest_InferInputTensor) ProtoMessage() {}

func (x *ModelInferRequest_InferInputTensor) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[33]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelInferRequest_InferInputTensor.ProtoReflect.Descriptor instead.
func (*ModelInferRequest_InferInputTensor) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{12, 0}
}

func (x *ModelInferRequest_InferInputTensor) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *ModelInferRequest_InferInputTensor) GetDatatype() string {
	if x != nil {
		return x.Datatype
	}
	return ""
}

func (x *ModelInferRequest_InferInputTensor) GetShape() []int64 {
	if x != nil {
		return x.Shape
	}
	return nil
}

func (x *ModelInferRequest_InferInputTensor) GetParameters() map[string]*InferParameter {
	if x != nil {
		return x.Parameters
	}
	return nil
}

func (x *ModelInferRequest_InferInputTensor) GetContents() *InferTensorContents {
	if x != nil {
		return x.Contents
	}
	return nil
}

type ModelInferRequest_InferRequestedOutputTensor struct {
	state         protoimpl.MessageState     `protogen:"open.v1"`
	Name          string                     `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	Parameters    map[string]*InferParameter `protobuf:"bytes,2,rep,name=parameters,proto3" json:"parameters,omitempty" protobuf_key:"bytes,1,opt,name=key" protobuf_val:"bytes,2,opt,name=value"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ModelInferRequest_InferRequestedOutputTensor) Reset() {
	*x = ModelInferRequest_InferRequestedOutputTensor{}
	mi := &file_inference_grpc_service_proto_msgTypes[34]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelInferRequest_InferRequestedOutputTensor) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelInferRequest_InferRequestedOutputTensor) ProtoMessage() {}

func (x *ModelInferRequest_InferRequestedOutputTensor) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[34]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelInferRequest_InferRequestedOutputTensor.ProtoReflect.Descriptor instead.
func (*ModelInferRequest_InferRequestedOutputTensor) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{12, 1}
}

func (x *ModelInferRequest_InferRequestedOutputTensor) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *ModelInferRequest_InferRequestedOutputTensor) GetParameters() map[string]*InferParameter {
	if x != nil {
		return x.Parameters
	}
	return nil
}

type ModelInferResponse_InferOutputTensor struct {
	state      protoimpl.MessageState     `protogen:"open.v1"`
	Name       string                     `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	Datatype   string                     `protobuf:"bytes,2,opt,name=datatype,proto3" json:"datatype,omitempty"`
	Shape      []int64                    `protobuf:"varint,3,rep,packed,name=shape,proto3" json:"shape,omitempty"`
	Parameters map[string]*InferParameter `protobuf:"bytes,4,rep,name=parameters,proto3" json:"parameters,omitempty" protobuf_key:"bytes,1,opt,name=key" protobuf_val:"bytes,2,opt,name=value"`
	// Unused by shardmesh, which answers with raw contents.
	Contents      *InferTensorContents `protobuf:"bytes,5,opt,name=contents,proto3" json:"contents,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ModelInferResponse_InferOutputTensor) Reset() {
	*x = ModelInferResponse_InferOutputTensor{}
	mi := &file_inference_grpc_service_proto_msgTypes[38]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ModelInferResponse_InferOutputTensor) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ModelInferResponse_InferOutputTensor) ProtoMessage() {}

func (x *ModelInferResponse_InferOutputTensor) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[38]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ModelInferResponse_InferOutputTensor.ProtoReflect.Descriptor instead.
func (*ModelInferResponse_InferOutputTensor) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{13, 0}
}

func (x *ModelInferResponse_InferOutputTensor) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *ModelInferResponse_InferOutputTensor) GetDatatype() string {
	if x != nil {
		return x.Datatype
	}
	return ""
}

func (x *ModelInferResponse_InferOutputTensor) GetShape() []int64 {
	if x != nil {
		return x.Shape
	}
	return nil
}

func (x *ModelInferResponse_InferOutputTensor) GetParameters() map[string]*InferParameter {
	if x != nil {
		return x.Parameters
	}
	return nil
}

func (x *ModelInferResponse_InferOutputTensor) GetContents() *InferTensorContents {
	if x != nil {
		return x.Contents
	}
	return nil
}

type RepositoryIndexResponse_ModelIndex struct {
	state   protoimpl.MessageState `protogen:"open.v1"`
	Name    string                 `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	Version string                 `protobuf:"bytes,2,opt,name=version,proto3" json:"version,omitempty"`
	// One of Triton's state words, per published version: "READY" (loaded,
	// and every partition of every stage has a healthy replica), "LOADING"
	// (loaded, but some partition has had no healthy replica since this
	// router saw the version published: its shards are starting), or
	// "UNAVAILABLE" (unloaded, or some partition lost its last healthy
	// replica after the version was READY). shardmesh does not report
	// "UNLOADING": the router cannot tell draining shards from gone ones.
	State string `protobuf:"bytes,3,opt,name=state,proto3" json:"state,omitempty"`
	// Why the model is in that state, if not READY: "unloaded: ...", "waiting
	// for a replica of stage "S" partition P", or "stage "S" partition P has
	// no healthy replica".
	Reason        string `protobuf:"bytes,4,opt,name=reason,proto3" json:"reason,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *RepositoryIndexResponse_ModelIndex) Reset() {
	*x = RepositoryIndexResponse_ModelIndex{}
	mi := &file_inference_grpc_service_proto_msgTypes[42]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *RepositoryIndexResponse_ModelIndex) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*RepositoryIndexResponse_ModelIndex) ProtoMessage() {}

func (x *RepositoryIndexResponse_ModelIndex) ProtoReflect() protoreflect.Message {
	mi := &file_inference_grpc_service_proto_msgTypes[42]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use RepositoryIndexResponse_ModelIndex.ProtoReflect.Descriptor instead.
func (*RepositoryIndexResponse_ModelIndex) Descriptor() ([]byte, []int) {
	return file_inference_grpc_service_proto_rawDescGZIP(), []int{27, 0}
}

func (x *RepositoryIndexResponse_ModelIndex) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *RepositoryIndexResponse_ModelIndex) GetVersion() string {
	if x != nil {
		return x.Version
	}
	return ""
}

func (x *RepositoryIndexResponse_ModelIndex) GetState() string {
	if x != nil {
		return x.State
	}
	return ""
}

func (x *RepositoryIndexResponse_ModelIndex) GetReason() string {
	if x != nil {
		return x.Reason
	}
	return ""
}

var File_inference_grpc_service_proto protoreflect.FileDescriptor

const file_inference_grpc_service_proto_rawDesc = "" +
	"\n" +
	"\x1cinference/grpc_service.proto\x12\tinference\x1a\x1cinference/model_config.proto\"\x13\n" +
	"\x11ServerLiveRequest\"(\n" +
	"\x12ServerLiveResponse\x12\x12\n" +
	"\x04live\x18\x01 \x01(\bR\x04live\"\x14\n" +
	"\x12ServerReadyRequest\"+\n" +
	"\x13ServerReadyResponse\x12\x14\n" +
	"\x05ready\x18\x01 \x01(\bR\x05ready\"A\n" +
	"\x11ModelReadyRequest\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12\x18\n" +
	"\aversion\x18\x02 \x01(\tR\aversion\"*\n" +
	"\x12ModelReadyResponse\x12\x14\n" +
	"\x05ready\x18\x01 \x01(\bR\x05ready\"\x17\n" +
	"\x15ServerMetadataRequest\"f\n" +
	"\x16ServerMetadataResponse\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12\x18\n" +
	"\aversion\x18\x02 \x01(\tR\aversion\x12\x1e\n" +
	"\n" +
	"extensions\x18\x03 \x03(\tR\n" +
	"extensions\"D\n" +
	"\x14ModelMetadataRequest\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12\x18\n" +
	"\aversion\x18\x02 \x01(\tR\aversion\"\xcf\x02\n" +
	"\x15ModelMetadataResponse\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12\x1a\n" +
	"\bversions\x18\x02 \x03(\tR\bversions\x12\x1a\n" +
	"\bplatform\x18\x03 \x01(\tR\bplatform\x12G\n" +
	"\x06inputs\x18\x04 \x03(\v2/.inference.ModelMetadataResponse.TensorMetadataR\x06inputs\x12I\n" +
	"\aoutputs\x18\x05 \x03(\v2/.inference.ModelMetadataResponse.TensorMetadataR\aoutputs\x1aV\n" +
	"\x0eTensorMetadata\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12\x1a\n" +
	"\bdatatype\x18\x02 \x01(\tR\bdatatype\x12\x14\n" +
	"\x05shape\x18\x03 \x03(\x03R\x05shape\"\xd7\x01\n" +
	"\x0eInferParameter\x12\x1f\n" +
	"\n" +
	"bool_param\x18\x01 \x01(\bH\x00R\tboolParam\x12!\n" +
	"\vint64_param\x18\x02 \x01(\x03H\x00R\n" +
	"int64Param\x12#\n" +
	"\fstring_param\x18\x03 \x01(\tH\x00R\vstringParam\x12#\n" +
	"\fdouble_param\x18\x04 \x01(\x01H\x00R\vdoubleParam\x12#\n" +
	"\fuint64_param\x18\x05 \x01(\x04H\x00R\vuint64ParamB\x12\n" +
	"\x10parameter_choice\"\xc3\x02\n" +
	"\x13InferTensorContents\x12#\n" +
	"\rbool_contents\x18\x01 \x03(\bR\fboolContents\x12!\n" +
	"\fint_contents\x18\x02 \x03(\x05R\vintContents\x12%\n" +
	"\x0eint64_contents\x18\x03 \x03(\x03R\rint64Contents\x12#\n" +
	"\ruint_contents\x18\x04 \x03(\rR\fuintContents\x12'\n" +
	"\x0fuint64_contents\x18\x05 \x03(\x04R\x0euint64Contents\x12#\n" +
	"\rfp32_contents\x18\x06 \x03(\x02R\ffp32Contents\x12#\n" +
	"\rfp64_contents\x18\a \x03(\x01R\ffp64Contents\x12%\n" +
	"\x0ebytes_contents\x18\b \x03(\fR\rbytesContents\"\x9d\b\n" +
	"\x11ModelInferRequest\x12\x1d\n" +
	"\n" +
	"model_name\x18\x01 \x01(\tR\tmodelName\x12#\n" +
	"\rmodel_version\x18\x02 \x01(\tR\fmodelVersion\x12\x0e\n" +
	"\x02id\x18\x03 \x01(\tR\x02id\x12L\n" +
	"\n" +
	"parameters\x18\x04 \x03(\v2,.inference.ModelInferRequest.ParametersEntryR\n" +
	"parameters\x12E\n" +
	"\x06inputs\x18\x05 \x03(\v2-.inference.ModelInferRequest.InferInputTensorR\x06inputs\x12Q\n" +
	"\aoutputs\x18\x06 \x03(\v27.inference.ModelInferRequest.InferRequestedOutputTensorR\aoutputs\x12,\n" +
	"\x12raw_input_contents\x18\a \x03(\fR\x10rawInputContents\x1a\xcd\x02\n" +
	"\x10InferInputTensor\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12\x1a\n" +
	"\bdatatype\x18\x02 \x01(\tR\bdatatype\x12\x14\n" +
	"\x05shape\x18\x03 \x03(\x03R\x05shape\x12]\n" +
	"\n" +
	"parameters\x18\x04 \x03(\v2=.inference.ModelInferRequest.InferInputTensor.ParametersEntryR\n" +
	"parameters\x12:\n" +
	"\bcontents\x18\x05 \x01(\v2\x1e.inference.InferTensorContentsR\bcontents\x1aX\n" +
	"\x0fParametersEntry\x12\x10\n" +
	"\x03key\x18\x01 \x01(\tR\x03key\x12/\n" +
	"\x05value\x18\x02 \x01(\v2\x19.inference.InferParameterR\x05value:\x028\x01\x1a\xf3\x01\n" +
	"\x1aInferRequestedOutputTensor\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12g\n" +
	"\n" +
	"parameters\x18\x02 \x03(\v2G.inference.ModelInferRequest.InferRequestedOutputTensor.ParametersEntryR\n" +
	"parameters\x1aX\n" +
	"\x0fParametersEntry\x12\x10\n" +
	"\x03key\x18\x01 \x01(\tR\x03key\x12/\n" +
	"\x05value\x18\x02 \x01(\v2\x19.inference.InferParameterR\x05value:\x028\x01\x1aX\n" +
	"\x0fParametersEntry\x12\x10\n" +
	"\x03key\x18\x01 \x01(\tR\x03key\x12/\n" +
	"\x05value\x18\x02 \x01(\v2\x19.inference.InferParameterR\x05value:\x028\x01\"\xdf\x05\n" +
	"\x12ModelInferResponse\x12\x1d\n" +
	"\n" +
	"model_name\x18\x01 \x01(\tR\tmodelName\x12#\n" +
	"\rmodel_version\x18\x02 \x01(\tR\fmodelVersion\x12\x0e\n" +
	"\x02id\x18\x03 \x01(\tR\x02id\x12M\n" +
	"\n" +
	"parameters\x18\x04 \x03(\v2-.inference.ModelInferResponse.ParametersEntryR\n" +
	"parameters\x12I\n" +
	"\aoutputs\x18\x05 \x03(\v2/.inference.ModelInferResponse.InferOutputTensorR\aoutputs\x12.\n" +
	"\x13raw_output_contents\x18\x06 \x03(\fR\x11rawOutputContents\x1a\xd0\x02\n" +
	"\x11InferOutputTensor\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12\x1a\n" +
	"\bdatatype\x18\x02 \x01(\tR\bdatatype\x12\x14\n" +
	"\x05shape\x18\x03 \x03(\x03R\x05shape\x12_\n" +
	"\n" +
	"parameters\x18\x04 \x03(\v2?.inference.ModelInferResponse.InferOutputTensor.ParametersEntryR\n" +
	"parameters\x12:\n" +
	"\bcontents\x18\x05 \x01(\v2\x1e.inference.InferTensorContentsR\bcontents\x1aX\n" +
	"\x0fParametersEntry\x12\x10\n" +
	"\x03key\x18\x01 \x01(\tR\x03key\x12/\n" +
	"\x05value\x18\x02 \x01(\v2\x19.inference.InferParameterR\x05value:\x028\x01\x1aX\n" +
	"\x0fParametersEntry\x12\x10\n" +
	"\x03key\x18\x01 \x01(\tR\x03key\x12/\n" +
	"\x05value\x18\x02 \x01(\v2\x19.inference.InferParameterR\x05value:\x028\x01\"\x85\x01\n" +
	"\x18ModelStreamInferResponse\x12#\n" +
	"\rerror_message\x18\x01 \x01(\tR\ferrorMessage\x12D\n" +
	"\x0einfer_response\x18\x02 \x01(\v2\x1d.inference.ModelInferResponseR\rinferResponse\"B\n" +
	"\x12ModelConfigRequest\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12\x18\n" +
	"\aversion\x18\x02 \x01(\tR\aversion\"E\n" +
	"\x13ModelConfigResponse\x12.\n" +
	"\x06config\x18\x01 \x01(\v2\x16.inference.ModelConfigR\x06config\"F\n" +
	"\x16ModelStatisticsRequest\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12\x18\n" +
	"\aversion\x18\x02 \x01(\tR\aversion\"9\n" +
	"\x11StatisticDuration\x12\x14\n" +
	"\x05count\x18\x01 \x01(\x04R\x05count\x12\x0e\n" +
	"\x02ns\x18\x02 \x01(\x04R\x02ns\"\xf2\x03\n" +
	"\x0fInferStatistics\x126\n" +
	"\asuccess\x18\x01 \x01(\v2\x1c.inference.StatisticDurationR\asuccess\x120\n" +
	"\x04fail\x18\x02 \x01(\v2\x1c.inference.StatisticDurationR\x04fail\x122\n" +
	"\x05queue\x18\x03 \x01(\v2\x1c.inference.StatisticDurationR\x05queue\x12A\n" +
	"\rcompute_input\x18\x04 \x01(\v2\x1c.inference.StatisticDurationR\fcomputeInput\x12A\n" +
	"\rcompute_infer\x18\x05 \x01(\v2\x1c.inference.StatisticDurationR\fcomputeInfer\x12C\n" +
	"\x0ecompute_output\x18\x06 \x01(\v2\x1c.inference.StatisticDurationR\rcomputeOutput\x129\n" +
	"\tcache_hit\x18\a \x01(\v2\x1c.inference.StatisticDurationR\bcacheHit\x12;\n" +
	"\n" +
	"cache_miss\x18\b \x01(\v2\x1c.inference.StatisticDurationR\tcacheMiss\"\x86\x03\n" +
	"\x17InferResponseStatistics\x12A\n" +
	"\rcompute_infer\x18\x01 \x01(\v2\x1c.inference.StatisticDurationR\fcomputeInfer\x12C\n" +
	"\x0ecompute_output\x18\x02 \x01(\v2\x1c.inference.StatisticDurationR\rcomputeOutput\x126\n" +
	"\asuccess\x18\x03 \x01(\v2\x1c.inference.StatisticDurationR\asuccess\x120\n" +
	"\x04fail\x18\x04 \x01(\v2\x1c.inference.StatisticDurationR\x04fail\x12C\n" +
	"\x0eempty_response\x18\x05 \x01(\v2\x1c.inference.StatisticDurationR\remptyResponse\x124\n" +
	"\x06cancel\x18\x06 \x01(\v2\x1c.inference.StatisticDurationR\x06cancel\"\x80\x02\n" +
	"\x14InferBatchStatistics\x12\x1d\n" +
	"\n" +
	"batch_size\x18\x01 \x01(\x04R\tbatchSize\x12A\n" +
	"\rcompute_input\x18\x02 \x01(\v2\x1c.inference.StatisticDurationR\fcomputeInput\x12A\n" +
	"\rcompute_infer\x18\x03 \x01(\v2\x1c.inference.StatisticDurationR\fcomputeInfer\x12C\n" +
	"\x0ecompute_output\x18\x04 \x01(\v2\x1c.inference.StatisticDurationR\rcomputeOutput\"N\n" +
	"\vMemoryUsage\x12\x12\n" +
	"\x04type\x18\x01 \x01(\tR\x04type\x12\x0e\n" +
	"\x02id\x18\x02 \x01(\x03R\x02id\x12\x1b\n" +
	"\tbyte_size\x18\x03 \x01(\x04R\bbyteSize\"\xb6\x04\n" +
	"\x0fModelStatistics\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12\x18\n" +
	"\aversion\x18\x02 \x01(\tR\aversion\x12%\n" +
	"\x0elast_inference\x18\x03 \x01(\x04R\rlastInference\x12'\n" +
	"\x0finference_count\x18\x04 \x01(\x04R\x0einferenceCount\x12'\n" +
	"\x0fexecution_count\x18\x05 \x01(\x04R\x0eexecutionCount\x12C\n" +
	"\x0finference_stats\x18\x06 \x01(\v2\x1a.inference.InferStatisticsR\x0einferenceStats\x12@\n" +
	"\vbatch_stats\x18\a \x03(\v2\x1f.inference.InferBatchStatisticsR\n" +
	"batchStats\x129\n" +
	"\fmemory_usage\x18\b \x03(\v2\x16.inference.MemoryUsageR\vmemoryUsage\x12T\n" +
	"\x0eresponse_stats\x18\t \x03(\v2-.inference.ModelStatistics.ResponseStatsEntryR\rresponseStats\x1ad\n" +
	"\x12ResponseStatsEntry\x12\x10\n" +
	"\x03key\x18\x01 \x01(\tR\x03key\x128\n" +
	"\x05value\x18\x02 \x01(\v2\".inference.InferResponseStatisticsR\x05value:\x028\x01\"V\n" +
	"\x17ModelStatisticsResponse\x12;\n" +
	"\vmodel_stats\x18\x01 \x03(\v2\x1a.inference.ModelStatisticsR\n" +
	"modelStats\"\xba\x01\n" +
	"\x18ModelRepositoryParameter\x12\x1f\n" +
	"\n" +
	"bool_param\x18\x01 \x01(\bH\x00R\tboolParam\x12!\n" +
	"\vint64_param\x18\x02 \x01(\x03H\x00R\n" +
	"int64Param\x12#\n" +
	"\fstring_param\x18\x03 \x01(\tH\x00R\vstringParam\x12!\n" +
	"\vbytes_param\x18\x04 \x01(\fH\x00R\n" +
	"bytesParamB\x12\n" +
	"\x10parameter_choice\"W\n" +
	"\x16RepositoryIndexRequest\x12'\n" +
	"\x0frepository_name\x18\x01 \x01(\tR\x0erepositoryName\x12\x14\n" +
	"\x05ready\x18\x02 \x01(\bR\x05ready\"\xca\x01\n" +
	"\x17RepositoryIndexResponse\x12E\n" +
	"\x06models\x18\x01 \x03(\v2-.inference.RepositoryIndexResponse.ModelIndexR\x06models\x1ah\n" +
	"\n" +
	"ModelIndex\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12\x18\n" +
	"\aversion\x18\x02 \x01(\tR\aversion\x12\x14\n" +
	"\x05state\x18\x03 \x01(\tR\x05state\x12\x16\n" +
	"\x06reason\x18\x04 \x01(\tR\x06reason\"\x9f\x02\n" +
	"\x1aRepositoryModelLoadRequest\x12'\n" +
	"\x0frepository_name\x18\x01 \x01(\tR\x0erepositoryName\x12\x1d\n" +
	"\n" +
	"model_name\x18\x02 \x01(\tR\tmodelName\x12U\n" +
	"\n" +
	"parameters\x18\x03 \x03(\v25.inference.RepositoryModelLoadRequest.ParametersEntryR\n" +
	"parameters\x1ab\n" +
	"\x0fParametersEntry\x12\x10\n" +
	"\x03key\x18\x01 \x01(\tR\x03key\x129\n" +
	"\x05value\x18\x02 \x01(\v2#.inference.ModelRepositoryParameterR\x05value:\x028\x01\"\x1d\n" +
	"\x1bRepositoryModelLoadResponse\"\xa3\x02\n" +
	"\x1cRepositoryModelUnloadRequest\x12'\n" +
	"\x0frepository_name\x18\x01 \x01(\tR\x0erepositoryName\x12\x1d\n" +
	"\n" +
	"model_name\x18\x02 \x01(\tR\tmodelName\x12W\n" +
	"\n" +
	"parameters\x18\x03 \x03(\v27.inference.RepositoryModelUnloadRequest.ParametersEntryR\n" +
	"parameters\x1ab\n" +
	"\x0fParametersEntry\x12\x10\n" +
	"\x03key\x18\x01 \x01(\tR\x03key\x129\n" +
	"\x05value\x18\x02 \x01(\v2#.inference.ModelRepositoryParameterR\x05value:\x028\x01\"\x1f\n" +
	"\x1dRepositoryModelUnloadResponse2\xb7\b\n" +
	"\x14GRPCInferenceService\x12K\n" +
	"\n" +
	"ServerLive\x12\x1c.inference.ServerLiveRequest\x1a\x1d.inference.ServerLiveResponse\"\x00\x12N\n" +
	"\vServerReady\x12\x1d.inference.ServerReadyRequest\x1a\x1e.inference.ServerReadyResponse\"\x00\x12K\n" +
	"\n" +
	"ModelReady\x12\x1c.inference.ModelReadyRequest\x1a\x1d.inference.ModelReadyResponse\"\x00\x12W\n" +
	"\x0eServerMetadata\x12 .inference.ServerMetadataRequest\x1a!.inference.ServerMetadataResponse\"\x00\x12T\n" +
	"\rModelMetadata\x12\x1f.inference.ModelMetadataRequest\x1a .inference.ModelMetadataResponse\"\x00\x12K\n" +
	"\n" +
	"ModelInfer\x12\x1c.inference.ModelInferRequest\x1a\x1d.inference.ModelInferResponse\"\x00\x12[\n" +
	"\x10ModelStreamInfer\x12\x1c.inference.ModelInferRequest\x1a#.inference.ModelStreamInferResponse\"\x00(\x010\x01\x12N\n" +
	"\vModelConfig\x12\x1d.inference.ModelConfigRequest\x1a\x1e.inference.ModelConfigResponse\"\x00\x12Z\n" +
	"\x0fModelStatistics\x12!.inference.ModelStatisticsRequest\x1a\".inference.ModelStatisticsResponse\"\x00\x12Z\n" +
	"\x0fRepositoryIndex\x12!.inference.RepositoryIndexRequest\x1a\".inference.RepositoryIndexResponse\"\x00\x12f\n" +
	"\x13RepositoryModelLoad\x12%.inference.RepositoryModelLoadRequest\x1a&.inference.RepositoryModelLoadResponse\"\x00\x12l\n" +
	"\x15RepositoryModelUnload\x12'.inference.RepositoryModelUnloadRequest\x1a(.inference.RepositoryModelUnloadResponse\"\x00Bi\n" +
	"\x1ecom.github.shardmesh.inferenceP\x01Z/github.com/shardmesh/shardmesh/sdk/go/inference\xaa\x02\x13Shardmesh.Inferenceb\x06proto3"

var (
	file_inference_grpc_service_proto_rawDescOnce sync.Once
	file_inference_grpc_service_proto_rawDescData []byte
)

func file_inference_grpc_service_proto_rawDescGZIP() []byte {
	file_inference_grpc_service_proto_rawDescOnce.Do(func() {
		file_inference_grpc_service_proto_rawDescData = protoimpl.X.CompressGZIP(unsafe.Slice(unsafe.StringData(file_inference_grpc_service_proto_rawDesc), len(file_inference_grpc_service_proto_rawDesc)))
	})
	return file_inference_grpc_service_proto_rawDescData
}

var file_inference_grpc_service_proto_msgTypes = make([]protoimpl.MessageInfo, 45)
var file_inference_grpc_service_proto_goTypes = []any{
	(*ServerLiveRequest)(nil),                            // 0: inference.ServerLiveRequest
	(*ServerLiveResponse)(nil),                           // 1: inference.ServerLiveResponse
	(*ServerReadyRequest)(nil),                           // 2: inference.ServerReadyRequest
	(*ServerReadyResponse)(nil),                          // 3: inference.ServerReadyResponse
	(*ModelReadyRequest)(nil),                            // 4: inference.ModelReadyRequest
	(*ModelReadyResponse)(nil),                           // 5: inference.ModelReadyResponse
	(*ServerMetadataRequest)(nil),                        // 6: inference.ServerMetadataRequest
	(*ServerMetadataResponse)(nil),                       // 7: inference.ServerMetadataResponse
	(*ModelMetadataRequest)(nil),                         // 8: inference.ModelMetadataRequest
	(*ModelMetadataResponse)(nil),                        // 9: inference.ModelMetadataResponse
	(*InferParameter)(nil),                               // 10: inference.InferParameter
	(*InferTensorContents)(nil),                          // 11: inference.InferTensorContents
	(*ModelInferRequest)(nil),                            // 12: inference.ModelInferRequest
	(*ModelInferResponse)(nil),                           // 13: inference.ModelInferResponse
	(*ModelStreamInferResponse)(nil),                     // 14: inference.ModelStreamInferResponse
	(*ModelConfigRequest)(nil),                           // 15: inference.ModelConfigRequest
	(*ModelConfigResponse)(nil),                          // 16: inference.ModelConfigResponse
	(*ModelStatisticsRequest)(nil),                       // 17: inference.ModelStatisticsRequest
	(*StatisticDuration)(nil),                            // 18: inference.StatisticDuration
	(*InferStatistics)(nil),                              // 19: inference.InferStatistics
	(*InferResponseStatistics)(nil),                      // 20: inference.InferResponseStatistics
	(*InferBatchStatistics)(nil),                         // 21: inference.InferBatchStatistics
	(*MemoryUsage)(nil),                                  // 22: inference.MemoryUsage
	(*ModelStatistics)(nil),                              // 23: inference.ModelStatistics
	(*ModelStatisticsResponse)(nil),                      // 24: inference.ModelStatisticsResponse
	(*ModelRepositoryParameter)(nil),                     // 25: inference.ModelRepositoryParameter
	(*RepositoryIndexRequest)(nil),                       // 26: inference.RepositoryIndexRequest
	(*RepositoryIndexResponse)(nil),                      // 27: inference.RepositoryIndexResponse
	(*RepositoryModelLoadRequest)(nil),                   // 28: inference.RepositoryModelLoadRequest
	(*RepositoryModelLoadResponse)(nil),                  // 29: inference.RepositoryModelLoadResponse
	(*RepositoryModelUnloadRequest)(nil),                 // 30: inference.RepositoryModelUnloadRequest
	(*RepositoryModelUnloadResponse)(nil),                // 31: inference.RepositoryModelUnloadResponse
	(*ModelMetadataResponse_TensorMetadata)(nil),         // 32: inference.ModelMetadataResponse.TensorMetadata
	(*ModelInferRequest_InferInputTensor)(nil),           // 33: inference.ModelInferRequest.InferInputTensor
	(*ModelInferRequest_InferRequestedOutputTensor)(nil), // 34: inference.ModelInferRequest.InferRequestedOutputTensor
	nil, // 35: inference.ModelInferRequest.ParametersEntry
	nil, // 36: inference.ModelInferRequest.InferInputTensor.ParametersEntry
	nil, // 37: inference.ModelInferRequest.InferRequestedOutputTensor.ParametersEntry
	(*ModelInferResponse_InferOutputTensor)(nil), // 38: inference.ModelInferResponse.InferOutputTensor
	nil, // 39: inference.ModelInferResponse.ParametersEntry
	nil, // 40: inference.ModelInferResponse.InferOutputTensor.ParametersEntry
	nil, // 41: inference.ModelStatistics.ResponseStatsEntry
	(*RepositoryIndexResponse_ModelIndex)(nil), // 42: inference.RepositoryIndexResponse.ModelIndex
	nil,                 // 43: inference.RepositoryModelLoadRequest.ParametersEntry
	nil,                 // 44: inference.RepositoryModelUnloadRequest.ParametersEntry
	(*ModelConfig)(nil), // 45: inference.ModelConfig
}
var file_inference_grpc_service_proto_depIdxs = []int32{
	32, // 0: inference.ModelMetadataResponse.inputs:type_name -> inference.ModelMetadataResponse.TensorMetadata
	32, // 1: inference.ModelMetadataResponse.outputs:type_name -> inference.ModelMetadataResponse.TensorMetadata
	35, // 2: inference.ModelInferRequest.parameters:type_name -> inference.ModelInferRequest.ParametersEntry
	33, // 3: inference.ModelInferRequest.inputs:type_name -> inference.ModelInferRequest.InferInputTensor
	34, // 4: inference.ModelInferRequest.outputs:type_name -> inference.ModelInferRequest.InferRequestedOutputTensor
	39, // 5: inference.ModelInferResponse.parameters:type_name -> inference.ModelInferResponse.ParametersEntry
	38, // 6: inference.ModelInferResponse.outputs:type_name -> inference.ModelInferResponse.InferOutputTensor
	13, // 7: inference.ModelStreamInferResponse.infer_response:type_name -> inference.ModelInferResponse
	45, // 8: inference.ModelConfigResponse.config:type_name -> inference.ModelConfig
	18, // 9: inference.InferStatistics.success:type_name -> inference.StatisticDuration
	18, // 10: inference.InferStatistics.fail:type_name -> inference.StatisticDuration
	18, // 11: inference.InferStatistics.queue:type_name -> inference.StatisticDuration
	18, // 12: inference.InferStatistics.compute_input:type_name -> inference.StatisticDuration
	18, // 13: inference.InferStatistics.compute_infer:type_name -> inference.StatisticDuration
	18, // 14: inference.InferStatistics.compute_output:type_name -> inference.StatisticDuration
	18, // 15: inference.InferStatistics.cache_hit:type_name -> inference.StatisticDuration
	18, // 16: inference.InferStatistics.cache_miss:type_name -> inference.StatisticDuration
	18, // 17: inference.InferResponseStatistics.compute_infer:type_name -> inference.StatisticDuration
	18, // 18: inference.InferResponseStatistics.compute_output:type_name -> inference.StatisticDuration
	18, // 19: inference.InferResponseStatistics.success:type_name -> inference.StatisticDuration
	18, // 20: inference.InferResponseStatistics.fail:type_name -> inference.StatisticDuration
	18, // 21: inference.InferResponseStatistics.empty_response:type_name -> inference.StatisticDuration
	18, // 22: inference.InferResponseStatistics.cancel:type_name -> inference.StatisticDuration
	18, // 23: inference.InferBatchStatistics.compute_input:type_name -> inference.StatisticDuration
	18, // 24: inference.InferBatchStatistics.compute_infer:type_name -> inference.StatisticDuration
	18, // 25: inference.InferBatchStatistics.compute_output:type_name -> inference.StatisticDuration
	19, // 26: inference.ModelStatistics.inference_stats:type_name -> inference.InferStatistics
	21, // 27: inference.ModelStatistics.batch_stats:type_name -> inference.InferBatchStatistics
	22, // 28: inference.ModelStatistics.memory_usage:type_name -> inference.MemoryUsage
	41, // 29: inference.ModelStatistics.response_stats:type_name -> inference.ModelStatistics.ResponseStatsEntry
	23, // 30: inference.ModelStatisticsResponse.model_stats:type_name -> inference.ModelStatistics
	42, // 31: inference.RepositoryIndexResponse.models:type_name -> inference.RepositoryIndexResponse.ModelIndex
	43, // 32: inference.RepositoryModelLoadRequest.parameters:type_name -> inference.RepositoryModelLoadRequest.ParametersEntry
	44, // 33: inference.RepositoryModelUnloadRequest.parameters:type_name -> inference.RepositoryModelUnloadRequest.ParametersEntry
	36, // 34: inference.ModelInferRequest.InferInputTensor.parameters:type_name -> inference.ModelInferRequest.InferInputTensor.ParametersEntry
	11, // 35: inference.ModelInferRequest.InferInputTensor.contents:type_name -> inference.InferTensorContents
	37, // 36: inference.ModelInferRequest.InferRequestedOutputTensor.parameters:type_name -> inference.ModelInferRequest.InferRequestedOutputTensor.ParametersEntry
	10, // 37: inference.ModelInferRequest.ParametersEntry.value:type_name -> inference.InferParameter
	10, // 38: inference.ModelInferRequest.InferInputTensor.ParametersEntry.value:type_name -> inference.InferParameter
	10, // 39: inference.ModelInferRequest.InferRequestedOutputTensor.ParametersEntry.value:type_name -> inference.InferParameter
	40, // 40: inference.ModelInferResponse.InferOutputTensor.parameters:type_name -> inference.ModelInferResponse.InferOutputTensor.ParametersEntry
	11, // 41: inference.ModelInferResponse.InferOutputTensor.contents:type_name -> inference.InferTensorContents
	10, // 42: inference.ModelInferResponse.ParametersEntry.value:type_name -> inference.InferParameter
	10, // 43: inference.ModelInferResponse.InferOutputTensor.ParametersEntry.value:type_name -> inference.InferParameter
	20, // 44: inference.ModelStatistics.ResponseStatsEntry.value:type_name -> inference.InferResponseStatistics
	25, // 45: inference.RepositoryModelLoadRequest.ParametersEntry.value:type_name -> inference.ModelRepositoryParameter
	25, // 46: inference.RepositoryModelUnloadRequest.ParametersEntry.value:type_name -> inference.ModelRepositoryParameter
	0,  // 47: inference.GRPCInferenceService.ServerLive:input_type -> inference.ServerLiveRequest
	2,  // 48: inference.GRPCInferenceService.ServerReady:input_type -> inference.ServerReadyRequest
	4,  // 49: inference.GRPCInferenceService.ModelReady:input_type -> inference.ModelReadyRequest
	6,  // 50: inference.GRPCInferenceService.ServerMetadata:input_type -> inference.ServerMetadataRequest
	8,  // 51: inference.GRPCInferenceService.ModelMetadata:input_type -> inference.ModelMetadataRequest
	12, // 52: inference.GRPCInferenceService.ModelInfer:input_type -> inference.ModelInferRequest
	12, // 53: inference.GRPCInferenceService.ModelStreamInfer:input_type -> inference.ModelInferRequest
	15, // 54: inference.GRPCInferenceService.ModelConfig:input_type -> inference.ModelConfigRequest
	17, // 55: inference.GRPCInferenceService.ModelStatistics:input_type -> inference.ModelStatisticsRequest
	26, // 56: inference.GRPCInferenceService.RepositoryIndex:input_type -> inference.RepositoryIndexRequest
	28, // 57: inference.GRPCInferenceService.RepositoryModelLoad:input_type -> inference.RepositoryModelLoadRequest
	30, // 58: inference.GRPCInferenceService.RepositoryModelUnload:input_type -> inference.RepositoryModelUnloadRequest
	1,  // 59: inference.GRPCInferenceService.ServerLive:output_type -> inference.ServerLiveResponse
	3,  // 60: inference.GRPCInferenceService.ServerReady:output_type -> inference.ServerReadyResponse
	5,  // 61: inference.GRPCInferenceService.ModelReady:output_type -> inference.ModelReadyResponse
	7,  // 62: inference.GRPCInferenceService.ServerMetadata:output_type -> inference.ServerMetadataResponse
	9,  // 63: inference.GRPCInferenceService.ModelMetadata:output_type -> inference.ModelMetadataResponse
	13, // 64: inference.GRPCInferenceService.ModelInfer:output_type -> inference.ModelInferResponse
	14, // 65: inference.GRPCInferenceService.ModelStreamInfer:output_type -> inference.ModelStreamInferResponse
	16, // 66: inference.GRPCInferenceService.ModelConfig:output_type -> inference.ModelConfigResponse
	24, // 67: inference.GRPCInferenceService.ModelStatistics:output_type -> inference.ModelStatisticsResponse
	27, // 68: inference.GRPCInferenceService.RepositoryIndex:output_type -> inference.RepositoryIndexResponse
	29, // 69: inference.GRPCInferenceService.RepositoryModelLoad:output_type -> inference.RepositoryModelLoadResponse
	31, // 70: inference.GRPCInferenceService.RepositoryModelUnload:output_type -> inference.RepositoryModelUnloadResponse
	59, // [59:71] is the sub-list for method output_type
	47, // [47:59] is the sub-list for method input_type
	47, // [47:47] is the sub-list for extension type_name
	47, // [47:47] is the sub-list for extension extendee
	0,  // [0:47] is the sub-list for field type_name
}

func init() { file_inference_grpc_service_proto_init() }
func file_inference_grpc_service_proto_init() {
	if File_inference_grpc_service_proto != nil {
		return
	}
	file_inference_model_config_proto_init()
	file_inference_grpc_service_proto_msgTypes[10].OneofWrappers = []any{
		(*InferParameter_BoolParam)(nil),
		(*InferParameter_Int64Param)(nil),
		(*InferParameter_StringParam)(nil),
		(*InferParameter_DoubleParam)(nil),
		(*InferParameter_Uint64Param)(nil),
	}
	file_inference_grpc_service_proto_msgTypes[25].OneofWrappers = []any{
		(*ModelRepositoryParameter_BoolParam)(nil),
		(*ModelRepositoryParameter_Int64Param)(nil),
		(*ModelRepositoryParameter_StringParam)(nil),
		(*ModelRepositoryParameter_BytesParam)(nil),
	}
	type x struct{}
	out := protoimpl.TypeBuilder{
		File: protoimpl.DescBuilder{
			GoPackagePath: reflect.TypeOf(x{}).PkgPath(),
			RawDescriptor: unsafe.Slice(unsafe.StringData(file_inference_grpc_service_proto_rawDesc), len(file_inference_grpc_service_proto_rawDesc)),
			NumEnums:      0,
			NumMessages:   45,
			NumExtensions: 0,
			NumServices:   1,
		},
		GoTypes:           file_inference_grpc_service_proto_goTypes,
		DependencyIndexes: file_inference_grpc_service_proto_depIdxs,
		MessageInfos:      file_inference_grpc_service_proto_msgTypes,
	}.Build()
	File_inference_grpc_service_proto = out.File
	file_inference_grpc_service_proto_goTypes = nil
	file_inference_grpc_service_proto_depIdxs = nil
}
