package shardmesh

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/shardmesh/shardmesh/sdk/go/inference"
)

// fakeRouter is a real gRPC server on 127.0.0.1:0 with TLS that answers the V2 calls the client
// makes: model "double" returns each FP32 input times two, "typed" answers in typed contents,
// "slow" waits for the call's end and reports the deadline it saw; any other model is NotFound.
type fakeRouter struct {
	inference.UnimplementedGRPCInferenceServiceServer
	token     string // when set, calls without this bearer token fail Unauthenticated
	deadlines chan time.Duration
}

func startFakeRouter(t *testing.T, pki *testPKI, clientAuth tls.ClientAuthType, token string) (string, *fakeRouter) {
	t.Helper()
	config := &tls.Config{Certificates: []tls.Certificate{pki.server}, ClientCAs: pki.roots, ClientAuth: clientAuth}
	server := grpc.NewServer(grpc.Creds(credentials.NewTLS(config)))
	fake := &fakeRouter{token: token, deadlines: make(chan time.Duration, 1)}
	inference.RegisterGRPCInferenceServiceServer(server, fake)
	healthpb.RegisterHealthServer(server, health.NewServer())
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(server.Stop)
	return listener.Addr().String(), fake
}

func (f *fakeRouter) authorize(ctx context.Context) error {
	if f.token == "" {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer "+f.token {
		return status.Error(codes.Unauthenticated, "no valid bearer token")
	}
	return nil
}

func (f *fakeRouter) ServerLive(ctx context.Context, _ *inference.ServerLiveRequest) (*inference.ServerLiveResponse, error) {
	if err := f.authorize(ctx); err != nil {
		return nil, err
	}
	return &inference.ServerLiveResponse{Live: true}, nil
}

func (f *fakeRouter) ModelInfer(ctx context.Context, r *inference.ModelInferRequest) (*inference.ModelInferResponse, error) {
	if err := f.authorize(ctx); err != nil {
		return nil, err
	}
	response := &inference.ModelInferResponse{ModelName: r.ModelName, Id: r.Id}
	switch r.ModelName {
	case "double":
		for i, input := range r.Inputs {
			values, _ := Tensor{Datatype: "FP32", Shape: input.Shape, Data: r.RawInputContents[i]}.Float32s()
			for j := range values {
				values[j] *= 2
			}
			doubled := Float32(input.Name+"_doubled", input.Shape, values)
			response.Outputs = append(response.Outputs, &inference.ModelInferResponse_InferOutputTensor{
				Name: doubled.Name, Datatype: "FP32", Shape: doubled.Shape,
			})
			response.RawOutputContents = append(response.RawOutputContents, doubled.Data)
		}
	case "typed":
		response.Outputs = []*inference.ModelInferResponse_InferOutputTensor{{
			Name: "n", Datatype: "INT64", Shape: []int64{2},
			Contents: &inference.InferTensorContents{Int64Contents: []int64{-5, 1 << 40}},
		}}
	case "slow":
		deadline, _ := ctx.Deadline()
		f.deadlines <- time.Until(deadline)
		<-ctx.Done()
		return nil, status.FromContextError(ctx.Err()).Err()
	default:
		return nil, status.Errorf(codes.NotFound, "Request for unknown model: '%s' is not found", r.ModelName)
	}
	return response, nil
}
