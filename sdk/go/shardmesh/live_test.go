package shardmesh

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
)

// TestLiveMesh runs the client against a real router when SHARDMESH_LIVE_ADDRESS names one
// (integration/sdk-go.test.ts sets it, with SHARDMESH_LIVE_CERTS and SHARDMESH_LIVE_TOKEN); a
// plain `go test ./...` needs no mesh and skips it, saying so.
func TestLiveMesh(t *testing.T) {
	address := os.Getenv("SHARDMESH_LIVE_ADDRESS")
	if address == "" {
		t.Skip("no live mesh: set SHARDMESH_LIVE_ADDRESS, SHARDMESH_LIVE_CERTS and SHARDMESH_LIVE_TOKEN")
	}
	certs := os.Getenv("SHARDMESH_LIVE_CERTS")
	file := func(name string) string { return filepath.Join(certs, name) }
	client, err := Dial(address, WithMutualTLS(file("ca.pem"), file("client.pem"), file("client-key.pem")))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	for name, call := range map[string]func() (bool, error){
		"ServerLive":  func() (bool, error) { return client.ServerLive(ctx) },
		"ServerReady": func() (bool, error) { return client.ServerReady(ctx) },
		"ModelReady":  func() (bool, error) { return client.ModelReady(ctx, "mlp") },
		"Serving":     func() (bool, error) { return client.Serving(ctx, "inference.GRPCInferenceService") },
	} {
		if ok, err := call(); err != nil || !ok {
			t.Errorf("%s = %v, %v", name, ok, err)
		}
	}
	metadata, err := client.ModelMetadata(ctx, "mlp")
	if err != nil || len(metadata.Inputs) != 1 || !slices.Equal(metadata.Inputs[0].Shape, []int64{-1, 8}) {
		t.Fatalf("ModelMetadata = %v, %v", metadata, err)
	}

	values := make([]float32, 3*8)
	for i := range values {
		values[i] = float32(i%7) / 7
	}
	x := Float32("x", []int64{3, 8}, values)
	byCert, err := client.Infer(ctx, "mlp", []Tensor{x}, Outputs("y"), RequestID("sdk-go-live"))
	if err != nil || len(byCert) != 1 || !slices.Equal(byCert[0].Shape, []int64{3, 32}) {
		t.Fatalf("Infer = %v, %v", byCert, err)
	}

	byToken, err := Dial(address, WithCA(file("ca.pem")), WithBearerToken(os.Getenv("SHARDMESH_LIVE_TOKEN")))
	if err != nil {
		t.Fatal(err)
	}
	defer byToken.Close()
	again, err := byToken.Infer(ctx, "mlp", []Tensor{x})
	if err != nil || !slices.Equal(again[0].Data, byCert[0].Data) {
		t.Fatalf("Infer with the bearer token = %v, %v", again, err)
	}

	var e *Error
	if _, err := client.Infer(ctx, "no-such-model", []Tensor{x}); !errors.As(err, &e) || e.Code != codes.NotFound {
		t.Errorf("unknown model: err = %v", err)
	}
	if _, err := client.Infer(ctx, "mlp", []Tensor{Float32("x", []int64{3, 7}, values[:21])}); !errors.As(err, &e) || e.Code != codes.InvalidArgument {
		t.Errorf("wrong shape: err = %v", err)
	}
	expired, cancel := context.WithTimeout(ctx, time.Nanosecond)
	defer cancel()
	if _, err := client.Infer(expired, "mlp", []Tensor{x}); !errors.As(err, &e) || e.Code != codes.DeadlineExceeded {
		t.Errorf("expired deadline: err = %v", err)
	}
}
